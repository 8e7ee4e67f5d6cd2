import { queryOptions, useQuery } from '@tanstack/react-query';
import { storeEventListSchema, type StoreEvent } from '@urumi/contracts';
import type { ApiClient } from '../../../lib/api-client.ts';
import { useApiClient } from '../../../lib/auth.tsx';
import { storeKeys } from './keys.ts';
import { usePollWhileOffline } from './live-updates.tsx';

export async function fetchStoreEvents(
  api: ApiClient,
  id: string,
  signal?: AbortSignal,
): Promise<StoreEvent[]> {
  const { items } = await api.request(`/stores/${encodeURIComponent(id)}/events`, {
    schema: storeEventListSchema,
    signal,
  });
  return items.toSorted((a, b) => a.id - b.id);
}

export function storeEventsQueryOptions(api: ApiClient, id: string) {
  return queryOptions({
    queryKey: storeKeys.events(id),
    queryFn: ({ signal }) => fetchStoreEvents(api, id, signal),
  });
}

/** A store's timeline, oldest first; refetched when a store event says the store changed. */
export function useStoreEvents(id: string) {
  const api = useApiClient();
  return useQuery({ ...storeEventsQueryOptions(api, id), refetchInterval: usePollWhileOffline() });
}
