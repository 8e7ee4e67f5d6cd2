import { Registry } from 'prom-client';
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { listenForStoreChanges } from '../../src/adapters/postgres/change-feed.ts';
import { PostgresStoreRepository } from '../../src/adapters/postgres/store-repository.ts';
import { PostgresTokenRepository } from '../../src/adapters/postgres/token-repository.ts';
import { systemClock } from '../../src/domain/ports.ts';
import { StoreService } from '../../src/domain/store-service.ts';
import { ensureAdminToken } from '../../src/domain/tokens.ts';
import { buildServer } from '../../src/http/server.ts';
import { adminPaths } from '../../src/store-types/index.ts';
import { freshDatabase, type DatabaseKind } from './databases.ts';

/**
 * The HTTP API over a fresh real database, without the engine (URUMI_ROLE=api): what the store
 * routes do is fully decided by the database.
 */
export async function apiOnDatabase(
  kind: DatabaseKind,
  options: { maxStores?: number; bodyLimit?: number; dashboardDir?: string } = {},
) {
  const database = await freshDatabase(kind);
  const repository = new PostgresStoreRepository({ db: database.db });
  const tokens = new PostgresTokenRepository({ db: database.db });
  const { created } = await ensureAdminToken(tokens, undefined);
  const changes = await listenForStoreChanges(database);
  const stores = new StoreService({
    repository,
    clock: systemClock,
    baseDomain: 'localhost',
    urlScheme: 'http',
    adminPaths,
    maxStores: options.maxStores ?? 50,
    queueTimeoutMs: 3_600_000,
    deleteTimeoutMs: 300_000,
  });
  const server = await buildServer({
    logger: pino({ level: 'silent' }),
    stores,
    tokens,
    changes,
    health: async () => ({ database: await database.ping(), kubernetes: false, helm: false }),
    metrics: new Registry(),
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    createRateLimitPerMinute: 10_000,
    authFailuresPerMinute: 10_000,
    dashboardDir: options.dashboardDir,
  });
  onTestFinished(async () => {
    await server.close();
    await changes.close();
  });
  return { server, repository, token: created!, auth: { authorization: `Bearer ${created!}` } };
}
