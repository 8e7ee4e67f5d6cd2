import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../app/app.tsx';
import { tokenStorageKey } from '../lib/auth.tsx';
import { goodToken } from './fake-api.ts';

/** Renders the whole dashboard at `path`, signed in unless `token` is null. */
export function renderApp({ path = '/', token = goodToken }: { path?: string; token?: string | null } = {}) {
  window.history.replaceState(null, '', path);
  if (token) sessionStorage.setItem(tokenStorageKey, token);
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: 30_000 }, mutations: { retry: false } },
  });
  const user = userEvent.setup();
  const view = render(<App queryClient={queryClient} />);
  return { ...view, user, queryClient };
}
