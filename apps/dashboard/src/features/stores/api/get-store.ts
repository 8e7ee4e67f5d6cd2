import { queryOptions, useQuery } from '@tanstack/react-query';
import { storeSchema, type Store } from '@urumi/contracts';
import type { ApiClient } from '../../../lib/api-client.ts';
import { useApiClient } from '../../../lib/auth.tsx';
import { storeKeys } from './keys.ts';
import { usePollWhileOffline } from './live-updates.tsx';

export function fetchStore(api: ApiClient, id: string, signal?: AbortSignal): Promise<Store> {
  return api.request(`/stores/${encodeURIComponent(id)}`, { schema: storeSchema, signal });
}

export function storeQueryOptions(api: ApiClient, id: string) {
  return queryOptions({
    queryKey: storeKeys.detail(id),
    queryFn: ({ signal }) => fetchStore(api, id, signal),
  });
}

/** One store, live through the event stream. */
export function useStore(id: string) {
  const api = useApiClient();
  return useQuery({ ...storeQueryOptions(api, id), refetchInterval: usePollWhileOffline() });
}
