import type { Store, StoreEvent } from '@urumi/contracts';
import { StepProgress, isTeardown } from './step-progress.tsx';
import { StepSummary } from './step-summary.tsx';

function heading(store: Store): string {
  if (store.status === 'Deleted') return 'Deleted';
  if (isTeardown(store)) return 'Deleting the store';
  if (store.status === 'Ready') return 'Provisioned';
  if (store.status === 'Failed') return 'Provisioning failed';
  return 'Provisioning';
}

/** Where the store is in its provision or, once deletion was asked for, in its teardown. */
export function StoreProgress({ store, events }: { store: Store; events: StoreEvent[] }) {
  return (
    <section
      aria-labelledby="progress-heading"
      className="rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
    >
      <h2 id="progress-heading" className="text-lg font-semibold text-slate-900">
        {heading(store)}
      </h2>
      {isTeardown(store) && store.status !== 'Deleted' && (
        <p className="mt-1 text-sm text-slate-700">
          Urumi uninstalls the store's Helm release, deletes its volumes, then its namespace.
        </p>
      )}
      <p className="mt-2 min-h-5 text-sm text-slate-800">
        <StepSummary store={store} />
      </p>
      <div className="mt-4">
        <StepProgress store={store} events={events} />
      </div>
    </section>
  );
}
