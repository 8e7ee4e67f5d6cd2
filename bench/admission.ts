// npm run bench:admission — how long 100 simultaneous POST /api/stores take, whether MAX_STORES
// stays exact while they race, and the API process's memory, on embedded PGlite and on PostgreSQL.
//
// No cluster: a Urumi API process (URUMI_ROLE=api, its own process, no engine) takes the requests,
// so what is measured is admission itself (validation, the idempotency check, the MAX_STORES count,
// the name check, the insert, its event and NOTIFY). PostgreSQL is BENCH_DATABASE_URL, else a
// throwaway server from Debian's binaries as the database test tier starts. For each database:
//   baseline: BENCH_ROUNDS (default 5) rounds of BENCH_BURST (default 100) simultaneous
//             authenticated GETs of a route that does not exist (HTTP, the token lookup, an error
//             body): the floor every request pays on this machine, measured in the same run;
//   create:   as many rounds of BENCH_BURST simultaneous POST /api/stores; p50 and p99 of each
//             round's latencies, then the median round, and its ratio to the baseline;
//   exact:    with room for only half a burst left (MAX_STORES), one more burst: exactly that many
//             are admitted and the rest refused with STORE_LIMIT_REACHED;
//   memory:   the process's RSS idle after start, and after the rounds.
// Table on stdout, JSON in bench/results/admission.json.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  machine,
  onPostgres,
  percentile,
  printTable,
  sleep,
  startUrumi,
  writeResult,
  type Urumi,
} from './support.ts';

const burst = Number.parseInt(process.env.BENCH_BURST ?? '100', 10);
const rounds = Number.parseInt(process.env.BENCH_ROUNDS ?? '5', 10);

/** Sends `burst` requests at once; each one's latency in ms and its status. */
async function fire(
  urumi: Urumi,
  method: 'GET' | 'POST',
  path: string,
): Promise<{ ms: number[]; statuses: number[] }> {
  const results = await Promise.all(
    Array.from({ length: burst }, async () => {
      const started = performance.now();
      const response = await fetch(`${urumi.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${urumi.token}`,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'POST' ? { body: JSON.stringify({ type: 'woocommerce' }) } : {}),
      });
      await response.arrayBuffer();
      return { ms: performance.now() - started, status: response.status };
    }),
  );
  return { ms: results.map((r) => r.ms), statuses: results.map((r) => r.status) };
}

interface Round {
  p50: number;
  p99: number;
}

/** The round whose p99 is the median of the rounds'. */
function medianRound(all: Round[]): Round {
  return [...all].sort((a, b) => a.p99 - b.p99)[Math.floor(all.length / 2)]!;
}

async function run(kind: 'pglite' | 'postgres', databaseUrl?: string) {
  const dataDir = await mkdtemp(join(tmpdir(), 'urumi-bench-'));
  const env = {
    URUMI_ROLE: 'api',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    CREATE_RATE_LIMIT_PER_MINUTE: '100000',
  };
  try {
    let urumi = await startUrumi(dataDir, { ...env, MAX_STORES: '100000' });
    const baseline: Round[] = [];
    const create: Round[] = [];
    let rssIdle = 0;
    let rssAfter = 0;
    try {
      await sleep(2_000);
      rssIdle = urumi.rss();
      // Warm-up: JIT, connection pool, prepared plans.
      await fire(urumi, 'GET', '/api/bench-baseline');
      await fire(urumi, 'POST', '/api/stores');
      for (let i = 0; i < rounds; i += 1) {
        const base = await fire(urumi, 'GET', '/api/bench-baseline');
        baseline.push({ p50: percentile(base.ms, 50), p99: percentile(base.ms, 99) });
        const made = await fire(urumi, 'POST', '/api/stores');
        const refused = made.statuses.filter((s) => s !== 202);
        if (refused.length > 0)
          throw new Error(`${kind}: ${refused.length} creates not 202: ${refused.join(',')}`);
        create.push({ p50: percentile(made.ms, 50), p99: percentile(made.ms, 99) });
      }
      rssAfter = urumi.rss();
    } finally {
      await urumi.stop();
    }
    // Exactness: room for half a burst, then a whole burst at once.
    const existing = (rounds + 1) * burst;
    const room = Math.floor(burst / 2);
    urumi = await startUrumi(dataDir, { ...env, MAX_STORES: String(existing + room) });
    let admitted = 0;
    let limited = 0;
    try {
      const race = await fire(urumi, 'POST', '/api/stores');
      admitted = race.statuses.filter((s) => s === 202).length;
      limited = race.statuses.filter((s) => s === 409).length;
    } finally {
      await urumi.stop();
    }
    const base = medianRound(baseline);
    const made = medianRound(create);
    return {
      database: kind,
      burst,
      rounds,
      baseline: base,
      create: made,
      createRounds: create,
      ratio: { p50: Number((made.p50 / base.p50).toFixed(2)), p99: Number((made.p99 / base.p99).toFixed(2)) },
      exact: { room, admitted, limited, ok: admitted === room && limited === burst - room },
      rssIdleMiB: Math.round(rssIdle / 2 ** 20),
      rssAfterMiB: Math.round(rssAfter / 2 ** 20),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const results = [await run('pglite')];
const onServer = await onPostgres((url) => run('postgres', url));
if (onServer) results.push(onServer.result);

printTable(
  [
    'database',
    'baseline p50 / p99 ms',
    'create p50 / p99 ms',
    'create / baseline p99',
    `MAX_STORES exact (${Math.floor(burst / 2)} of ${burst})`,
    'RSS idle / after MiB',
  ],
  results.map((r) => [
    r.database,
    `${r.baseline.p50.toFixed(0)} / ${r.baseline.p99.toFixed(0)}`,
    `${r.create.p50.toFixed(0)} / ${r.create.p99.toFixed(0)}`,
    r.ratio.p99,
    `${r.exact.admitted} admitted, ${r.exact.limited} refused${r.exact.ok ? '' : ' (NOT EXACT)'}`,
    `${r.rssIdleMiB} / ${r.rssAfterMiB}`,
  ]),
);
await writeResult('admission', { machine, at: new Date().toISOString(), results });
if (results.some((r) => !r.exact.ok)) process.exitCode = 1;
