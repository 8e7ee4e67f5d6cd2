import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { sentence } from '../../../lib/format.ts';
import type { StoreFilters } from '../api/keys.ts';
import { useStores } from '../api/list-stores.ts';
import { StoreTable } from './store-table.tsx';

export interface StoreListProps {
  filters: StoreFilters;
  onClearFilters: () => void;
}

function LoadingRows() {
  return (
    <div role="status" className="rounded-lg border border-slate-200 bg-white p-3">
      <span className="sr-only">Loading stores…</span>
      {[0, 1, 2].map((i) => (
        <div
          key={i}
          aria-hidden="true"
          className="my-2 h-12 rounded bg-slate-100 motion-safe:animate-pulse"
        />
      ))}
    </div>
  );
}

export function StoreList({ filters, onClearFilters }: StoreListProps) {
  const stores = useStores(filters);
  const isFiltered = Boolean(filters.status || filters.type);

  if (stores.isPending) return <LoadingRows />;
  if (stores.isError) {
    return (
      <Alert tone="error" role="alert" title="The stores could not be loaded">
        <p>{sentence(stores.error.message)}</p>
        <Button variant="secondary" className="mt-3" onClick={() => void stores.refetch()}>
          Try again
        </Button>
      </Alert>
    );
  }

  const items = stores.data.pages.flatMap((page) => page.items);
  if (items.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
        <p className="font-medium text-slate-900">
          {isFiltered ? 'No stores match these filters.' : 'No stores yet.'}
        </p>
        {isFiltered ? (
          <Button variant="secondary" className="mt-3" onClick={onClearFilters}>
            Clear filters
          </Button>
        ) : (
          <p className="mt-1 text-sm text-slate-600">Create your first store with the form above.</p>
        )}
      </div>
    );
  }

  return (
    <>
      <StoreTable stores={items} />
      {stores.hasNextPage && (
        <Button
          variant="secondary"
          className="mt-4"
          onClick={() => {
            if (!stores.isFetchingNextPage) void stores.fetchNextPage();
          }}
        >
          {stores.isFetchingNextPage ? 'Loading more stores…' : 'Load more stores'}
        </Button>
      )}
    </>
  );
}
