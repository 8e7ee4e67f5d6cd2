import { storeStatuses, storeTypes } from '@urumi/contracts';
import { useEffect } from 'react';
import { navigate, useLocation } from '../../../lib/router.tsx';
import type { StoreFilters as Filters } from '../api/keys.ts';
import { CreateStoreForm } from './create-store-form.tsx';
import { StoreFilters } from './store-filters.tsx';
import { StoreList } from './store-list.tsx';

/** Filters live in the URL (`?status=Failed&type=woocommerce`), so a filtered view can be shared. */
function useFiltersFromUrl(): [Filters, (filters: Filters) => void] {
  const { search } = useLocation();
  const filters: Filters = {
    status: storeStatuses.find((s) => s === search.get('status')),
    type: storeTypes.find((t) => t === search.get('type')),
  };
  const setFilters = (next: Filters) => {
    const query = new URLSearchParams();
    if (next.status) query.set('status', next.status);
    if (next.type) query.set('type', next.type);
    const qs = query.toString();
    navigate(qs ? `/?${qs}` : '/', { replace: true });
  };
  return [filters, setFilters];
}

export function StoresPage() {
  const [filters, setFilters] = useFiltersFromUrl();
  useEffect(() => {
    document.title = 'Stores · Urumi';
  }, []);

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold text-slate-900">Stores</h1>
      <CreateStoreForm />
      <section aria-labelledby="store-list-heading" className="space-y-4">
        <h2 id="store-list-heading" className="text-lg font-semibold text-slate-900">
          Your stores
        </h2>
        <StoreFilters filters={filters} onChange={setFilters} />
        <StoreList filters={filters} onClearFilters={() => setFilters({})} />
      </section>
    </div>
  );
}
