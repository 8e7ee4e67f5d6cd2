import { useEffect, useRef } from 'react';
import { SignInPage } from '../features/auth/components/sign-in-page.tsx';
import { LiveUpdatesProvider } from '../features/stores/api/live-updates.tsx';
import { StorePage } from '../features/stores/components/store-page.tsx';
import { StoresPage } from '../features/stores/components/stores-page.tsx';
import { useAuth } from '../lib/auth.tsx';
import { Link, matchPath, useLocation } from '../lib/router.tsx';
import { Shell } from './shell.tsx';

function NotFoundPage() {
  return (
    <div className="space-y-3">
      <h1 className="text-2xl font-semibold text-slate-900">Page not found</h1>
      <Link to="/" className="font-medium text-blue-700 underline underline-offset-2">
        Go to your stores
      </Link>
    </div>
  );
}

function Page({ pathname }: { pathname: string }) {
  if (pathname === '/') return <StoresPage />;
  const store = matchPath('/stores/:id', pathname);
  if (store?.id) return <StorePage key={store.id} id={store.id} />;
  return <NotFoundPage />;
}

/**
 * Moves focus to the new page after in-app navigation, sign-in or sign-out (the control that was
 * used is gone), so keyboard and screen reader users start at the top of the new page.
 */
function useFocusOnPageChange(page: string) {
  const previous = useRef(page);
  useEffect(() => {
    if (previous.current === page) return;
    previous.current = page;
    document.documentElement.scrollTop = 0;
    document.getElementById('main')?.focus();
  }, [page]);
}

/** Signed out: the sign-in form at any address. Signed in: the live-updating pages. */
export function AppRoutes() {
  const { token } = useAuth();
  const { pathname } = useLocation();
  useFocusOnPageChange(token ? pathname : 'sign-in');
  if (!token) return <SignInPage />;
  return (
    <LiveUpdatesProvider>
      <Shell>
        <Page pathname={pathname} />
      </Shell>
    </LiveUpdatesProvider>
  );
}
