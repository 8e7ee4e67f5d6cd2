import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { storeListSchema } from '@urumi/contracts';
import type { ApiClient } from '../../../lib/api-client.ts';
import { useApiClient } from '../../../lib/auth.tsx';
import type { StorePage } from './cache.ts';
import { storeKeys, type StoreFilters } from './keys.ts';
import { usePollWhileOffline } from './live-updates.tsx';

const pageSize = 50;

export function fetchStores(
  api: ApiClient,
  filters: StoreFilters & { cursor?: string | undefined },
  signal?: AbortSignal,
): Promise<StorePage> {
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (filters.status) query.set('status', filters.status);
  if (filters.type) query.set('type', filters.type);
  if (filters.cursor) query.set('cursor', filters.cursor);
  return api.request(`/stores?${query}`, { schema: storeListSchema, signal });
}

export function storesQueryOptions(api: ApiClient, filters: StoreFilters) {
  return infiniteQueryOptions({
    queryKey: storeKeys.list(filters),
    queryFn: ({ pageParam, signal }) => fetchStores(api, { ...filters, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Stores matching `filters`, newest first, a page at a time; live through the event stream. */
export function useStores(filters: StoreFilters) {
  const api = useApiClient();
  return useInfiniteQuery({ ...storesQueryOptions(api, filters), refetchInterval: usePollWhileOffline() });
}
