import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Component tests: React in jsdom, the API replaced by a fetch stub (src/test/fake-api.ts).
// Alone: `npx vitest run --config apps/dashboard/vitest.config.ts` from the repository root.
export default defineConfig({
  plugins: [react()],
  root: decodeURIComponent(new URL('.', import.meta.url).pathname),
  test: {
    name: 'dashboard',
    environment: 'jsdom',
    include: ['src/**/*.test.tsx'],
    setupFiles: ['./src/test/setup.ts'],
  },
});
