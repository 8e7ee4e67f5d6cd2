import { useMutation, useQueryClient } from '@tanstack/react-query';
import { storeSchema } from '@urumi/contracts';
import type { ApiClient } from '../../../lib/api-client.ts';
import { useApiClient } from '../../../lib/auth.tsx';
import { upsertStore } from './cache.ts';
import { storeKeys } from './keys.ts';

export function retryStore(api: ApiClient, id: string) {
  return api.request(`/stores/${encodeURIComponent(id)}/retry`, { method: 'POST', schema: storeSchema });
}

/** Sends a Failed store back to the queue. */
export function useRetryStore(id: string) {
  const api = useApiClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => retryStore(api, id),
    onSuccess: async (store) => {
      upsertStore(queryClient, store);
      await queryClient.invalidateQueries({ queryKey: storeKeys.events(id) });
    },
  });
}
