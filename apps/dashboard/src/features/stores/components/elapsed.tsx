import { formatElapsed } from '../../../lib/format.ts';
import { useNow } from '../../../lib/use-now.ts';

/** Time since `since`, ticking every second in fixed-width digits so the text does not jitter. */
export function Elapsed({ since }: { since: string }) {
  const now = useNow();
  return <span className="tabular-nums">{formatElapsed(now - Date.parse(since))}</span>;
}
