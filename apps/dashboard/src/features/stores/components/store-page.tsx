import { useEffect, useRef } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { isApiError } from '../../../lib/api-client.ts';
import { sentence } from '../../../lib/format.ts';
import { Link } from '../../../lib/router.tsx';
import { useStore } from '../api/get-store.ts';
import { useStoreEvents } from '../api/get-store-events.ts';
import { FailureReason } from './failure-reason.tsx';
import { StatusBadge } from './status-badge.tsx';
import { StoreActions } from './store-actions.tsx';
import { StoreDetails } from './store-details.tsx';
import { StoreProgress } from './store-progress.tsx';
import { StoreTimeline } from './store-timeline.tsx';

function BackLink() {
  return (
    <Link
      to="/"
      className="inline-block text-sm font-medium text-blue-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600"
    >
      <span aria-hidden="true">← </span>All stores
    </Link>
  );
}

export function StorePage({ id }: { id: string }) {
  const store = useStore(id);
  const events = useStoreEvents(id);
  const heading = useRef<HTMLHeadingElement>(null);
  const name = store.data?.name;

  useEffect(() => {
    document.title = `${name ?? 'Store'} · Urumi`;
  }, [name]);

  if (store.isPending) {
    return (
      <div className="space-y-4">
        <BackLink />
        <p role="status" className="text-slate-700">
          Loading the store…
        </p>
      </div>
    );
  }
  if (store.isError) {
    const isMissing = isApiError(store.error) && (store.error.status === 404 || store.error.status === 400);
    return (
      <div className="space-y-4">
        <BackLink />
        <h1 className="text-2xl font-semibold text-slate-900">{isMissing ? 'No such store' : 'Store'}</h1>
        <Alert
          tone="error"
          role="alert"
          title={isMissing ? `There is no store with id ${id}.` : 'The store could not be loaded'}
        >
          {!isMissing && (
            <>
              <p>{sentence(store.error.message)}</p>
              <Button variant="secondary" className="mt-3" onClick={() => void store.refetch()}>
                Try again
              </Button>
            </>
          )}
        </Alert>
      </div>
    );
  }

  const s = store.data;
  return (
    <div className="space-y-6">
      <BackLink />
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1
            ref={heading}
            tabIndex={-1}
            className="text-2xl font-semibold break-all text-slate-900 focus:outline-none"
          >
            {s.name}
          </h1>
          <div className="mt-2">
            <StatusBadge status={s.status} />
          </div>
        </div>
        <StoreActions store={s} onDone={() => heading.current?.focus()} />
      </header>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-6">
          <FailureReason store={s} />
          <StoreProgress store={s} events={events.data ?? []} />
          <StoreTimeline events={events.data} error={events.error} onRetry={() => void events.refetch()} />
        </div>
        <StoreDetails store={s} />
      </div>
    </div>
  );
}
