// npm run bench:read-api — latency and throughput of the read routes with many stores in the database.
//
// No cluster: store rows are inserted straight into the database (bench/support.ts seedStores: 90 %
// Ready, 5 % Failed, 2 % Deleted tombstones, 1 % queued ...) at 1,000 and then 10,000 stores, on
// embedded PGlite and on a real PostgreSQL (BENCH_DATABASE_URL, else a throwaway server from
// Debian's binaries as the database test tier starts; skipped when neither is there). For each, a
// Urumi API process (URUMI_ROLE=api, its own process) is started and autocannon (BENCH_CONNECTIONS,
// default 10, for BENCH_SECONDS, default 10, after a 2 s warm-up) measures:
//   baseline: GET /api/bench-baseline, an authenticated route that does not exist: HTTP, the token
//             lookup and an error body, i.e. the floor every route pays (its answers are 404s);
//   list:     GET /api/stores?limit=50 (the first page);
//   get:      GET /api/stores/:id, cycling over the stored ids.
// The machine is shared and noisy, so each route's p50/p99 and req/s are also given as a ratio to
// the baseline measured in the same run. Table on stdout, JSON in bench/results/read-api.json.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { StoreStatus } from '@urumi/contracts';
import { openDatabase } from '../apps/api/src/adapters/postgres/database.ts';
import { machine, onPostgres, printTable, seedStores, startUrumi, writeResult } from './support.ts';

const sizes = [1_000, 10_000];
const seconds = Number.parseInt(process.env.BENCH_SECONDS ?? '10', 10);
const connections = Number.parseInt(process.env.BENCH_CONNECTIONS ?? '10', 10);

function statusFor(i: number): StoreStatus {
  if (i % 20 === 0) return 'Failed';
  if (i % 50 === 1) return 'Deleted';
  if (i % 100 === 2) return 'Provisioning';
  return 'Ready';
}

interface Measure {
  p50: number;
  p99: number;
  rps: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
}

async function load(url: string, token: string, paths: string[], duration: number): Promise<Measure> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }],
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: Math.round(result.requests.average),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Seeds up to each size and measures the three routes on one database. */
async function run(kind: 'pglite' | 'postgres', databaseUrl?: string) {
  const dataDir = await mkdtemp(join(tmpdir(), 'urumi-bench-'));
  const open = () => openDatabase({ url: databaseUrl, dataDir: join(dataDir, 'pglite') });
  const ids: string[] = [];
  const rows = [];
  try {
    for (const size of sizes) {
      // PGlite has one owner at a time: seed while the API process is down.
      const database = await open();
      const added = Array.from({ length: size - ids.length }, (_, i) => ({
        id: randomBytes(6).toString('hex'),
        status: statusFor(ids.length + i),
      }));
      // Older than what is there: the first page stays the newest stores.
      await seedStores(database.db, added, (size + 60) * 1000);
      await database.close();
      ids.push(...added.map((r) => r.id));

      const urumi = await startUrumi(dataDir, {
        URUMI_ROLE: 'api',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        MAX_STORES: '100000',
      });
      try {
        const token = urumi.token;
        const routes = {
          baseline: ['/api/bench-baseline'],
          list: ['/api/stores?limit=50'],
          get: ids.slice(0, 1_000).map((id) => `/api/stores/${id}`),
        };
        const measured: Record<string, Measure> = {};
        for (const [name, paths] of Object.entries(routes)) {
          await load(urumi.url, token, paths, 2);
          measured[name] = await load(urumi.url, token, paths, seconds);
        }
        const base = measured.baseline!;
        for (const [name, m] of Object.entries(measured)) {
          rows.push({
            database: kind,
            stores: size,
            route: name,
            ...m,
            ratio: {
              p50: Number((m.p50 / base.p50).toFixed(2)),
              p99: Number((m.p99 / base.p99).toFixed(2)),
              rps: Number((m.rps / base.rps).toFixed(2)),
            },
          });
        }
      } finally {
        await urumi.stop();
      }
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  return rows;
}

const results = await run('pglite');
const onServer = await onPostgres((url) => run('postgres', url));
if (onServer) results.push(...onServer.result);
const postgres = onServer?.source ?? 'not measured';

printTable(
  [
    'database',
    'stores',
    'route',
    'p50 ms',
    'p99 ms',
    'req/s',
    'errors',
    'non-2xx',
    'p50 / base',
    'p99 / base',
    'req/s / base',
  ],
  results.map((r) => [
    r.database,
    r.stores,
    r.route,
    r.p50,
    r.p99,
    r.rps,
    r.errors,
    r.non2xx,
    r.ratio.p50,
    r.ratio.p99,
    r.ratio.rps,
  ]),
);
await writeResult('read-api', { machine, connections, seconds, postgres, results });
process.exit(0);
