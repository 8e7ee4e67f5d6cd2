import { useMutation, useQueryClient } from '@tanstack/react-query';
import { storeSchema, type CreateStoreBody, type Store } from '@urumi/contracts';
import type { ApiClient } from '../../../lib/api-client.ts';
import { useApiClient } from '../../../lib/auth.tsx';
import { upsertStore } from './cache.ts';

function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dashboard-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Creates a store. The Idempotency-Key makes a resent request (say, after a dropped answer) safe. */
export function createStore(api: ApiClient, body: CreateStoreBody, idempotencyKey = newIdempotencyKey()) {
  return api.request('/stores', {
    method: 'POST',
    body,
    headers: { 'idempotency-key': idempotencyKey },
    schema: storeSchema,
  });
}

/** Creates a store and puts it into every cached list at once. */
export function useCreateStore() {
  const api = useApiClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateStoreBody) => createStore(api, body),
    onSuccess: (store: Store) => upsertStore(queryClient, store),
  });
}
