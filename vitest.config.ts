import { defineConfig } from 'vitest/config';

// Test tiers (README "Tests"): unit, database, cluster, real-node, dashboard (components), medusa-app, browser. Each tier is a project; `npm test` runs them all in
// one run so the closing summary line counts every test.
const clusterTimeoutMs = 120_000;

export default defineConfig({
  test: {
    reporters: ['default', './tools/vitest/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{apps,packages,tools,charts,images}/*/{src,test}/**/*.test.ts'],
          exclude: [
            '**/node_modules/**',
            '**/*.cluster.test.ts',
            '**/*.db.test.ts',
            '**/*.medusa.test.ts',
            '**/*.realnode.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'database',
          include: ['{apps,packages,tools,charts}/*/{src,test}/**/*.db.test.ts'],
          globalSetup: ['./apps/api/test/support/postgres-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['{apps,packages,tools,charts}/*/{src,test}/**/*.cluster.test.ts'],
          globalSetup: ['./tools/cluster/test/global-setup.ts', './apps/api/test/support/postgres-setup.ts'],
          testTimeout: clusterTimeoutMs,
          hookTimeout: clusterTimeoutMs,
        },
      },
      {
        test: {
          // Real containers on the local cluster's real node, from the images built here.
          name: 'real-node',
          include: ['{apps,packages,tools,charts,images}/*/{src,test}/**/*.realnode.test.ts'],
          globalSetup: ['./tools/cluster/test/global-setup.ts', './apps/api/test/support/postgres-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: clusterTimeoutMs,
          // Two cores: one real-pod test file at a time.
          fileParallelism: false,
        },
      },
      './apps/dashboard/vitest.config.ts',
      {
        test: {
          // The Medusa store app (images/medusa/app) run for real: npm ci and medusa build (cached),
          // Redis and PostgreSQL from Debian, no containers.
          name: 'medusa-app',
          include: ['images/*/test/**/*.medusa.test.ts'],
          globalSetup: ['./apps/api/test/support/postgres-setup.ts', './images/medusa/test/medusa-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['e2e/**/*.e2e.test.ts'],
          globalSetup: [
            './tools/cluster/test/global-setup.ts',
            './apps/api/test/support/postgres-setup.ts',
            './e2e/global-setup.ts',
          ],
          testTimeout: 180_000,
          hookTimeout: clusterTimeoutMs,
          // One browser at a time: two cores do not run several Chromiums and the cluster well.
          fileParallelism: false,
        },
      },
    ],
  },
});
