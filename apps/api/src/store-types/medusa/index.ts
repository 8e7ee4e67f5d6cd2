import type { NamespaceSnapshot } from '../../domain/ports.ts';
import type { StepCheck, StoreTypeDefinition } from '../../domain/store-type.ts';
import { allReady, deploymentAvailable, jobDone, statefulSetReady } from '../checks.ts';
import { storeGuardrails } from '../guardrails.ts';

/** Secret and object names shared with charts/store-medusa (its README, "Engine contract"). */
export const medusaNames = {
  databaseSecret: 'postgres-credentials',
  redisSecret: 'redis-credentials',
  medusaSecret: 'medusa-secrets',
  database: 'postgres',
  redis: 'redis',
  server: 'medusa-server',
  worker: 'medusa-worker',
  migrationsJob: 'medusa-migrations',
  adminJob: 'medusa-admin',
} as const;

const migrations = {
  name: medusaNames.migrationsJob,
  what: 'Medusa migrations',
  failure: 'MIGRATIONS_FAILED',
} as const;

/**
 * The server and worker start only once the migrations are recorded (their init containers wait
 * for it), so a failed migrations Job is the reason they never become ready. A finished Job that
 * has been removed (ttlSecondsAfterFinished) no longer matters once both are running.
 */
function app(s: NamespaceSnapshot): StepCheck {
  const running = allReady(
    deploymentAvailable(s, medusaNames.server),
    deploymentAvailable(s, medusaNames.worker),
  );
  const jobGone = !s.jobs.some((j) => j.name === medusaNames.migrationsJob);
  if (jobGone && running.kind === 'ready') return running;
  return allReady(jobDone(s, migrations), running);
}

/**
 * Medusa v2: PostgreSQL + Redis (database step), migrations Job + server + worker (app step), and
 * a Job that creates the first admin user (setup step), from charts/store-medusa. The provisioning
 * steps, their deadlines, retries and teardown are the engine's shared ones.
 */
export const medusa: StoreTypeDefinition = {
  type: 'medusa',
  chart: 'store-medusa',
  secrets: [
    { name: medusaNames.databaseSecret, keys: ['password'] },
    { name: medusaNames.redisSecret, keys: ['password'] },
    { name: medusaNames.medusaSecret, keys: ['jwt-secret', 'cookie-secret', 'admin-password'] },
  ],
  // Sized for values-prod.yaml with both Jobs running (charts/store-medusa/README.md, "Resources"):
  // six pods, and room for Job retries.
  guardrails: storeGuardrails({ pods: 12 }),
  values: (store, { host }) => ({
    store: { id: store.id, name: store.name, host },
    database: { existingSecret: medusaNames.databaseSecret },
    redis: { existingSecret: medusaNames.redisSecret },
    medusa: { existingSecret: medusaNames.medusaSecret },
  }),
  // A new image changes both Jobs' pod templates, which are immutable; both are safe to re-run
  // (db:migrate is idempotent, the admin Job skips an existing user).
  rerunJobs: [medusaNames.migrationsJob, medusaNames.adminJob],
  checks: {
    database: (s) =>
      allReady(statefulSetReady(s, medusaNames.database), statefulSetReady(s, medusaNames.redis)),
    app,
    setup: (s) =>
      jobDone(s, { name: medusaNames.adminJob, what: 'Medusa admin user setup', failure: 'SETUP_FAILED' }),
  },
  adminPath: '/app',
  site: {
    service: medusaNames.server,
    port: 9000,
    pages: [
      { what: 'the store API', path: '/health' },
      { what: 'the admin sign-in page', path: '/app/login' },
    ],
  },
};
