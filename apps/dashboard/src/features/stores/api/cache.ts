import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import type { Store } from '@urumi/contracts';
import { storeKeys, type StoreFilters } from './keys.ts';

export interface StorePage {
  items: Store[];
  nextCursor: string | null;
}

function matches(store: Store, filters: StoreFilters): boolean {
  const statusMatches = filters.status ? store.status === filters.status : store.status !== 'Deleted';
  return statusMatches && (!filters.type || store.type === filters.type);
}

// ISO-8601 strings from the API have one format, so they compare as strings.
const isOlder = (a: Store, b: Store) => a.updatedAt < b.updatedAt;

function updatePages(data: InfiniteData<StorePage>, store: Store, filters: StoreFilters) {
  const pages = data.pages.map((page) => ({ ...page, items: page.items.filter((s) => s.id !== store.id) }));
  const existing = data.pages.flatMap((page) => page.items).find((s) => s.id === store.id);
  if (existing && isOlder(store, existing)) return data;
  if (!matches(store, filters)) return existing ? { ...data, pages } : data;
  // Newest first, as the API lists them; a store older than every loaded one belongs to a page not
  // loaded yet, unless this is the last page.
  for (const page of pages) {
    const at = page.items.findIndex((s) => s.createdAt < store.createdAt);
    if (at !== -1) {
      page.items.splice(at, 0, store);
      return { ...data, pages };
    }
  }
  const last = pages.at(-1);
  if (last && last.nextCursor === null) last.items.push(store);
  return { ...data, pages };
}

/** Queue positions shift up by one for the stores behind one that leaves the queue. */
function shiftQueue(stores: Store[], left: Store, position: number): Store[] {
  return stores.map((s) =>
    s.id !== left.id && s.step === 'queued' && s.queuePosition !== null && s.queuePosition > position
      ? { ...s, queuePosition: s.queuePosition - 1 }
      : s,
  );
}

/**
 * Writes a store the API sent (an SSE event or a mutation's answer) into every cached view of it:
 * its detail and each loaded list, adding, moving or removing it as the list's filters say. Older
 * copies never overwrite newer ones.
 */
export function upsertStore(queryClient: QueryClient, store: Store): void {
  const lists = queryClient.getQueryCache().findAll({ queryKey: storeKeys.lists() });
  const previous =
    queryClient.getQueryData<Store>(storeKeys.detail(store.id)) ??
    lists
      .flatMap((q) => (q.state.data as InfiniteData<StorePage> | undefined)?.pages ?? [])
      .flatMap((page) => page.items)
      .find((s) => s.id === store.id);
  if (previous && isOlder(store, previous)) return;
  queryClient.setQueryData(storeKeys.detail(store.id), store);

  const leftQueueFrom =
    previous?.step === 'queued' && store.step !== 'queued' ? previous.queuePosition : null;

  for (const query of lists) {
    const data = query.state.data as InfiniteData<StorePage> | undefined;
    if (!data) continue;
    const filters = (query.queryKey[2] ?? {}) as StoreFilters;
    let next = updatePages(data, store, filters);
    if (leftQueueFrom !== null) {
      next = {
        ...next,
        pages: next.pages.map((p) => ({ ...p, items: shiftQueue(p.items, store, leftQueueFrom) })),
      };
    }
    if (next !== data) queryClient.setQueryData(query.queryKey, next);
  }
  if (leftQueueFrom !== null) {
    for (const query of queryClient.getQueryCache().findAll({ queryKey: storeKeys.details() })) {
      const other = query.state.data as Store | undefined;
      if (!other) continue;
      const [shifted] = shiftQueue([other], store, leftQueueFrom);
      if (shifted !== other) queryClient.setQueryData(query.queryKey, shifted);
    }
  }
}
