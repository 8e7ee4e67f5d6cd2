import { useQueryClient } from '@tanstack/react-query';
import { createContext, use, useCallback, useMemo, useState, type ReactNode } from 'react';
import { apiBaseUrl, createApiClient, type ApiClient } from './api-client.ts';

/** sessionStorage key of the API token: it lives as long as the tab and is removed on sign-out. */
export const tokenStorageKey = 'urumi.apiToken';

export interface Auth {
  token: string | null;
  /** Why the user is looking at the sign-in form (signed out, token revoked), if anything. */
  notice: string | null;
  signIn: (token: string) => void;
  signOut: (notice?: string) => void;
}

const AuthContext = createContext<Auth | null>(null);
const ApiClientContext = createContext<ApiClient | null>(null);

function readToken(): string | null {
  try {
    return sessionStorage.getItem(tokenStorageKey);
  } catch {
    return null;
  }
}

/** Holds the API token and gives signed-in components an API client that sends it. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState(readToken);
  const [notice, setNotice] = useState<string | null>(null);

  const signIn = useCallback((next: string) => {
    sessionStorage.setItem(tokenStorageKey, next);
    setNotice(null);
    setToken(next);
  }, []);

  const signOut = useCallback(
    (why?: string) => {
      sessionStorage.removeItem(tokenStorageKey);
      queryClient.clear();
      setNotice(why ?? null);
      setToken(null);
    },
    [queryClient],
  );

  const client = useMemo(
    () =>
      token
        ? createApiClient({
            baseUrl: apiBaseUrl(),
            token,
            onUnauthorized: () => signOut('The API no longer accepts your token. Sign in again.'),
          })
        : null,
    [token, signOut],
  );

  const auth = useMemo(() => ({ token, notice, signIn, signOut }), [token, notice, signIn, signOut]);
  return (
    <AuthContext value={auth}>
      <ApiClientContext value={client}>{children}</ApiClientContext>
    </AuthContext>
  );
}

export function useAuth(): Auth {
  const auth = use(AuthContext);
  if (!auth) throw new Error('useAuth needs an <AuthProvider>');
  return auth;
}

/** The API client of the signed-in user; only signed-in screens may call it. */
export function useApiClient(): ApiClient {
  const client = use(ApiClientContext);
  if (!client) throw new Error('useApiClient needs a signed-in <AuthProvider>');
  return client;
}
