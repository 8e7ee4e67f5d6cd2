import { QueryClient } from '@tanstack/react-query';
import { isApiError } from './api-client.ts';

/** Retries only what may pass next time: the API unreachable, a 5xx, a 429. A 4xx stays an answer. */
function shouldRetry(failures: number, error: unknown): boolean {
  if (failures >= 2) return false;
  if (!isApiError(error)) return true;
  return error.status === 0 || error.status >= 500 || error.status === 429;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // Live updates keep the cache fresh; refetching on focus covers a stream that silently lagged.
      queries: { retry: shouldRetry, staleTime: 30_000 },
      mutations: { retry: false },
    },
  });
}
