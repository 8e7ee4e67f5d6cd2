import { queryOptions, useQuery } from '@tanstack/react-query';
import { healthSchema, type Health } from '@urumi/contracts';
import type { ApiClient } from '../../../lib/api-client.ts';
import { useApiClient } from '../../../lib/auth.tsx';

const healthIntervalMs = 15_000;

/** The API's health report; an unhealthy API answers 503 with the same body, which is data here. */
export function fetchHealth(api: ApiClient, signal?: AbortSignal): Promise<Health> {
  return api.request('/health', { schema: healthSchema, acceptStatuses: [503], signal });
}

export function healthQueryOptions(api: ApiClient) {
  return queryOptions({
    queryKey: ['health'],
    queryFn: ({ signal }) => fetchHealth(api, signal),
    retry: false,
  });
}

/** Health, checked every 15 s (the API has no event for it). */
export function useHealth() {
  const api = useApiClient();
  return useQuery({ ...healthQueryOptions(api), refetchInterval: healthIntervalMs });
}
