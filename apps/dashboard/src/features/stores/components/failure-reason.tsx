import type { Store, StoreStatus } from '@urumi/contracts';
import { sentence } from '../../../lib/format.ts';
import { reasonTitle } from '../labels.ts';

const headings: Partial<Record<StoreStatus, string>> = {
  Failed: 'Why it failed',
  Degraded: 'Why it is degraded',
  Deleting: 'Deletion is held up',
};

/** Why a store failed, is degraded or its deletion is held up, with what to do about it. */
export function FailureReason({ store }: { store: Store }) {
  const { reason } = store;
  const heading = headings[store.status];
  if (!reason || !heading) return null;
  const isFailed = store.status === 'Failed';
  return (
    <section
      aria-labelledby="reason-heading"
      className={`rounded-lg border p-4 sm:p-6 ${isFailed ? 'border-red-300 bg-red-50 text-red-950' : 'border-amber-300 bg-amber-50 text-amber-950'}`}
    >
      <h2 id="reason-heading" className="text-lg font-semibold">
        {heading}
      </h2>
      <p className="mt-2 font-medium">{reasonTitle(reason.code)}.</p>
      {reason.message && <p className="mt-1 break-words">{sentence(reason.message)}</p>}
      {reason.hint && (
        <p className="mt-3">
          <span className="font-semibold">What to do: </span>
          {reason.hint}
        </p>
      )}
      <p className="mt-3 text-xs">
        Reason code: <code className="font-mono">{reason.code}</code>
      </p>
    </section>
  );
}
