import type { Store } from '@urumi/contracts';
import { formatDateTime, ordinal } from '../../../lib/format.ts';
import { reasonTitle, stepInProgress, stepNames } from '../labels.ts';
import { Elapsed } from './elapsed.tsx';

/** "Waiting for a provisioning slot: 2nd in the queue". */
export function queueText(store: Store): string {
  const where = store.queuePosition ? `: ${ordinal(store.queuePosition)} in the queue` : '';
  return `${stepInProgress.queued}${where}`;
}

/** What a store is doing now, in one line: its current step and for how long, or why it stopped. */
export function StepSummary({ store }: { store: Store }) {
  const { status, step } = store;
  if ((status === 'Provisioning' || status === 'Deleting') && step) {
    return (
      <>
        {step === 'queued' ? queueText(store) : stepInProgress[step]}
        {store.stepStartedAt && (
          <>
            {' · '}
            <Elapsed since={store.stepStartedAt} />
          </>
        )}
      </>
    );
  }
  if (status === 'Failed') {
    const title = store.reason ? reasonTitle(store.reason.code) : 'Failed';
    return <>{step ? `${title} (at ${stepNames[step].toLowerCase()})` : title}</>;
  }
  if (status === 'Degraded') return <>{store.reason ? reasonTitle(store.reason.code) : 'Degraded'}</>;
  if (status === 'Ready' && store.readyAt) return <>Ready since {formatDateTime(store.readyAt)}</>;
  if (status === 'Deleted' && store.deletedAt) return <>Deleted {formatDateTime(store.deletedAt)}</>;
  return null;
}
