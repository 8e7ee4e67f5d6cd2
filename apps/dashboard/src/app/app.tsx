import type { QueryClient } from '@tanstack/react-query';
import { AppProviders } from './providers.tsx';
import { AppRoutes } from './router.tsx';

/** The dashboard. Tests pass their own QueryClient (no retries); the app makes one. */
export function App({ queryClient }: { queryClient?: QueryClient }) {
  return (
    <AppProviders queryClient={queryClient}>
      <AppRoutes />
    </AppProviders>
  );
}
