import { useMutation, useQueryClient } from '@tanstack/react-query';
import { storeSchema } from '@urumi/contracts';
import type { ApiClient } from '../../../lib/api-client.ts';
import { useApiClient } from '../../../lib/auth.tsx';
import { upsertStore } from './cache.ts';
import { storeKeys } from './keys.ts';

export function deleteStore(api: ApiClient, id: string) {
  return api.request(`/stores/${encodeURIComponent(id)}`, { method: 'DELETE', schema: storeSchema });
}

/** Starts a store's teardown (the API answers at once with the store in Deleting). */
export function useDeleteStore(id: string) {
  const api = useApiClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => deleteStore(api, id),
    onSuccess: async (store) => {
      upsertStore(queryClient, store);
      await queryClient.invalidateQueries({ queryKey: storeKeys.events(id) });
    },
  });
}
