import type { Store } from '@urumi/contracts';
import type { ReactNode } from 'react';
import { formatDateTime } from '../../../lib/format.ts';
import { storeLinkLabels, storeTypeLabels } from '../labels.ts';
import { Alert } from '../../../components/ui/alert.tsx';
import { StoreUrl } from './store-url.tsx';

function Item({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="py-2">
      <dt className="text-xs font-semibold tracking-wide text-slate-600 uppercase">{term}</dt>
      <dd className="mt-0.5 text-sm text-slate-900">{children}</dd>
    </div>
  );
}

const time = (iso: string) => <time dateTime={iso}>{formatDateTime(iso)}</time>;

export function StoreDetails({ store }: { store: Store }) {
  return (
    <section
      aria-labelledby="details-heading"
      className="self-start rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
    >
      <h2 id="details-heading" className="text-lg font-semibold text-slate-900">
        Details
      </h2>
      {store.simulated && (
        <Alert tone="warning" className="mt-3" title="Simulated pods: this store does not really run">
          Its pods run on simulated nodes (KWOK): Kubernetes reports them Ready, but no container runs, so its
          links open nothing. Stores really run on a cluster with real nodes (the README says how).
        </Alert>
      )}
      <dl className="mt-2 divide-y divide-slate-100">
        <Item term={storeLinkLabels[store.type].url}>
          <StoreUrl store={store} />
        </Item>
        <Item term={storeLinkLabels[store.type].admin}>
          <StoreUrl store={store} href={store.adminUrl} />
        </Item>
        <Item term="Kubernetes namespace">
          <code className="font-mono break-all">{store.namespace}</code>
        </Item>
        <Item term="Type">{storeTypeLabels[store.type]}</Item>
        <Item term="Store id">
          <code className="font-mono">{store.id}</code>
        </Item>
        <Item term="Created">{time(store.createdAt)}</Item>
        {store.readyAt && <Item term="Ready since">{time(store.readyAt)}</Item>}
        {store.deadlineAt && <Item term="Current step times out">{time(store.deadlineAt)}</Item>}
        {store.deletedAt && <Item term="Deleted">{time(store.deletedAt)}</Item>}
      </dl>
    </section>
  );
}
