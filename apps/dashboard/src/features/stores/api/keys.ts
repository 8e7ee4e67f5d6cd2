import type { StoreStatus, StoreType } from '@urumi/contracts';

/** The list filters the API supports. No status means every store but Deleted tombstones. */
export interface StoreFilters {
  status?: StoreStatus | undefined;
  type?: StoreType | undefined;
}

/** Query keys of the stores feature; the SSE writer and mutations reach the cache through these. */
export const storeKeys = {
  all: ['stores'] as const,
  lists: () => [...storeKeys.all, 'list'] as const,
  list: (filters: StoreFilters) => [...storeKeys.lists(), filters] as const,
  details: () => [...storeKeys.all, 'detail'] as const,
  detail: (id: string) => [...storeKeys.details(), id] as const,
  events: (id: string) => [...storeKeys.all, 'events', id] as const,
};
