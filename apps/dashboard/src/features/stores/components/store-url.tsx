import type { Store } from '@urumi/contracts';

/** Says a store's pods are simulated, wherever its address is shown. */
export function SimulatedTag() {
  return (
    <span
      title="Its pods run on simulated nodes (KWOK): no container runs, so nothing answers"
      className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-950"
    >
      simulated
    </span>
  );
}

/** The store's address: a link once it is Ready (or Degraded: partly up), plain text otherwise. */
export function StoreUrl({ store, href = store.url }: { store: Store; href?: string }) {
  if (store.status !== 'Ready' && store.status !== 'Degraded')
    return <span className="break-all text-slate-600">{href}</span>;
  return (
    <a
      href={href}
      target="_blank"
      rel="noreferrer"
      className="break-all text-blue-700 underline underline-offset-2 hover:text-blue-900 focus-visible:outline-2 focus-visible:outline-blue-600"
    >
      {href}
      <span className="sr-only"> (opens in a new tab)</span>
    </a>
  );
}
