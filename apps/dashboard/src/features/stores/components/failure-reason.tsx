import type { Store } from '@urumi/contracts';
import { sentence } from '../../../lib/format.ts';
import { reasonTitle } from '../labels.ts';

/** Why a store failed (or why its deletion is held up), with what to do about it. */
export function FailureReason({ store }: { store: Store }) {
  const { reason } = store;
  if (!reason || (store.status !== 'Failed' && store.status !== 'Deleting')) return null;
  const isFailed = store.status === 'Failed';
  return (
    <section
      aria-labelledby="reason-heading"
      className={`rounded-lg border p-4 sm:p-6 ${isFailed ? 'border-red-300 bg-red-50 text-red-950' : 'border-amber-300 bg-amber-50 text-amber-950'}`}
    >
      <h2 id="reason-heading" className="text-lg font-semibold">
        {isFailed ? 'Why it failed' : 'Deletion is held up'}
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
