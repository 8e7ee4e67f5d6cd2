import type { Store } from '@urumi/contracts';

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
