import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { freshPostgresUrl, type DatabaseKind } from './databases.ts';

/**
 * The real composition of an API-only process (`URUMI_ROLE=api`, app.ts) on a fresh real database,
 * with the configuration's own defaults (rate limits included) unless a test sets a variable. It
 * has no Kubernetes access: its kubeconfig names a file that does not exist, so /api/health reports
 * Kubernetes and helm down, as it would for such a process. What the store routes do is fully
 * decided by the database.
 */
export async function apiOnDatabase(
  kind: DatabaseKind,
  options: {
    maxStores?: number;
    bodyLimit?: number;
    dashboardDir?: string;
    env?: Record<string, string>;
  } = {},
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'urumi-api-'));
  const env = {
    URUMI_ROLE: 'api',
    URUMI_DATA_DIR: dataDir,
    KUBECONFIG: join(dataDir, 'no-kubeconfig'),
    ...(kind === 'postgres' ? { DATABASE_URL: await freshPostgresUrl() } : {}),
    ...(options.maxStores ? { MAX_STORES: String(options.maxStores) } : {}),
    ...(options.bodyLimit ? { BODY_LIMIT_BYTES: String(options.bodyLimit) } : {}),
    DASHBOARD_DIR: options.dashboardDir ?? join(dataDir, 'no-dashboard'),
    ...options.env,
  };
  const app = await createApp({ config: parseConfig(env), env, log: pino({ level: 'silent' }) });
  onTestFinished(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const token = app.newAdminToken!;
  return {
    server: app.server,
    repository: app.repository,
    token,
    auth: { authorization: `Bearer ${token}` },
  };
}
