import type { ReactNode } from 'react';
import { Button } from '../components/ui/button.tsx';
import { HealthBanner } from '../features/health/components/health-banner.tsx';
import { LiveIndicator } from '../features/stores/components/live-indicator.tsx';
import { useAuth } from '../lib/auth.tsx';
import { Link } from '../lib/router.tsx';

/** The signed-in layout: skip link, header (live status, sign-out), health banner, page. */
export function Shell({ children }: { children: ReactNode }) {
  const { signOut } = useAuth();
  return (
    <div className="min-h-dvh bg-slate-50">
      <a
        href="#main"
        className="sr-only rounded-md bg-white px-4 py-2 font-medium text-blue-800 focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <Link
            to="/"
            className="text-lg font-semibold text-slate-900 focus-visible:outline-2 focus-visible:outline-blue-600"
          >
            Urumi
          </Link>
          <div className="flex items-center gap-4">
            <LiveIndicator />
            <Button variant="secondary" onClick={() => signOut('You signed out.')}>
              Sign out
            </Button>
          </div>
        </div>
      </header>
      <div className="mx-auto max-w-6xl px-4 pt-4 empty:hidden">
        <HealthBanner />
      </div>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 focus:outline-none sm:py-8">
        {children}
      </main>
    </div>
  );
}
