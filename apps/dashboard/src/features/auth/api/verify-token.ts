import { useMutation } from '@tanstack/react-query';
import { storeListSchema } from '@urumi/contracts';
import { apiBaseUrl, createApiClient } from '../../../lib/api-client.ts';

/** Asks the API whether `token` is valid, with the cheapest authenticated call; rejects with ApiError. */
export async function verifyToken(token: string): Promise<void> {
  const api = createApiClient({ baseUrl: apiBaseUrl(), token });
  await api.request('/stores?limit=1', { schema: storeListSchema });
}

export function useVerifyToken() {
  return useMutation({ mutationFn: verifyToken });
}
