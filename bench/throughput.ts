// npm run bench:throughput — many stores requested at once: time until all are Ready, failures,
// how many provisions ran at a time, and whether the kube-apiserver throttled anyone.
//
// Runs on a cluster of its own (BENCH_CLUSTER_DIR, default ~/.local/state/urumi/bench-throughput;
// BENCH_CLUSTER_NODES nodes, default 6), brought up with the repository's cluster tool and removed
// at the end, so the shared default cluster is neither crowded nor touched. One Urumi process
// (embedded PGlite) gets BENCH_STORES (default 100) parallel POST /api/stores. KWOK makes each
// store's MariaDB and WordPress pods Ready 15-45 s (uniform, 30 s ± 15 s) after they start, through
// the simulation annotations in an extra values file (STORE_EXTRA_VALUES_FILE).
// Measured: time from the first POST until every store is Ready (or Failed), failures by reason code,
// the peak of provisions in flight (sampled every 500 ms from /metrics: Provisioning minus queued)
// against MAX_CONCURRENT_PROVISIONS (BENCH_MAX_CONCURRENT, default 20), the kube-apiserver's 429
// answers (its own apiserver_request_total{code="429"} before and after) and the time to delete
// every store. Table on stdout, JSON in bench/results/throughput.json.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@urumi/contracts';
import {
  apiserverMetrics,
  dedicatedCluster,
  machine,
  percentile,
  printTable,
  seconds,
  sleep,
  startUrumi,
  sumMetric,
  writeResult,
} from './support.ts';

const stores = Number.parseInt(process.env.BENCH_STORES ?? '100', 10);
const maxConcurrent = Number.parseInt(process.env.BENCH_MAX_CONCURRENT ?? '20', 10);
const nodes = Number.parseInt(process.env.BENCH_CLUSTER_NODES ?? '6', 10);
const readiness = { 'sim.urumi.io/ready-after': '15s', 'sim.urumi.io/ready-before': '45s' };
const simulation = {
  mariadb: { podAnnotations: readiness },
  wordpress: { podAnnotations: readiness },
  setup: { podAnnotations: { 'sim.urumi.io/complete-after': '2s' } },
};
const deadlineMs = 30 * 60_000;

const cluster = await dedicatedCluster('throughput', nodes);
const work = await mkdtemp(join(tmpdir(), 'urumi-bench-'));
const extraValues = join(work, 'simulation.json');
await writeFile(extraValues, JSON.stringify(simulation));
const urumi = await startUrumi(join(work, 'data'), {
  KUBECONFIG: cluster.kubeconfig,
  HELM_BINARY: cluster.tools.bin('helm'),
  STORE_VALUES_PROFILE: 'local',
  STORE_EXTRA_VALUES_FILE: extraValues,
  MAX_STORES: String(stores + 10),
  MAX_CONCURRENT_PROVISIONS: String(maxConcurrent),
  CREATE_RATE_LIMIT_PER_MINUTE: String(stores * 10),
}).catch(async (error: unknown) => {
  await cluster.down();
  throw error;
});

/** Store counts by status and queue depth, from Urumi's /metrics. */
async function counts() {
  const { body } = await urumi.api<string>('GET', '/metrics');
  const status = (s: string) => sumMetric(body, 'urumi_stores', { status: s });
  const queued = sumMetric(body, 'urumi_queue_depth');
  return {
    inFlight: status('Provisioning') - queued,
    settled: status('Ready') + status('Failed') + status('Degraded'),
    deleted: status('Deleted'),
  };
}

/** Requests the stores, waits for them to settle, deletes them, and says what it saw. */
async function measure() {
  const throttledBefore = sumMetric(
    await apiserverMetrics(cluster.tools, cluster.kubeconfig),
    'apiserver_request_total',
    { code: '429' },
  );
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: stores }, () => urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' })),
  );
  const acceptedMs = performance.now() - started;
  const created = answers.filter((a) => a.status === 202).map((a) => a.body.id);
  const rejected: Record<string, number> = {};
  for (const a of answers.filter((x) => x.status !== 202)) {
    const code = (a.body as unknown as { error?: { code?: string } }).error?.code ?? String(a.status);
    rejected[code] = (rejected[code] ?? 0) + 1;
  }

  let peakInFlight = 0;
  let samples = 0;
  for (;;) {
    const c = await counts();
    peakInFlight = Math.max(peakInFlight, c.inFlight);
    if (c.settled >= created.length) break;
    if (performance.now() - started > deadlineMs) throw new Error('stores did not settle in 30 minutes');
    if (++samples % 20 === 0) console.log(`${c.settled}/${created.length} settled, ${c.inFlight} in flight`);
    await sleep(500);
  }
  const allSettledMs = performance.now() - started;
  const throttledAfter = sumMetric(
    await apiserverMetrics(cluster.tools, cluster.kubeconfig),
    'apiserver_request_total',
    { code: '429' },
  );

  const { body: final } = await urumi.api<{ items: Store[] }>('GET', '/api/stores?limit=200');
  const failures: Record<string, number> = {};
  const durations: number[] = [];
  for (const body of final.items) {
    if (body.status === 'Ready' && body.readyAt)
      durations.push(Date.parse(body.readyAt) - Date.parse(body.createdAt));
    else failures[body.reason?.code ?? body.status] = (failures[body.reason?.code ?? body.status] ?? 0) + 1;
  }

  const deleteStarted = performance.now();
  await Promise.all(created.map((id) => urumi.api('DELETE', `/api/stores/${id}`)));
  while ((await counts()).deleted < created.length) {
    if (performance.now() - deleteStarted > deadlineMs) throw new Error('stores not deleted in 30 minutes');
    await sleep(1_000);
  }
  const teardownMs = performance.now() - deleteStarted;

  return {
    stores,
    nodes,
    machine,
    simulatedReadiness: '15-45 s per MariaDB/WordPress pod (uniform), setup Job 2 s after Ready',
    maxConcurrentProvisions: maxConcurrent,
    acceptedInMs: Math.round(acceptedMs),
    rejectedCreates: rejected,
    ready: durations.length,
    failures,
    allSettledSeconds: seconds(allSettledMs),
    perStoreCreatedToReadySeconds: {
      p50: seconds(percentile(durations, 50)),
      p95: seconds(percentile(durations, 95)),
      max: seconds(Math.max(...durations)),
    },
    peakInFlight,
    apiserver429s: throttledAfter - throttledBefore,
    teardownSeconds: seconds(teardownMs),
  };
}

let result: Awaited<ReturnType<typeof measure>>;
try {
  result = await measure();
} finally {
  await urumi.stop();
  await cluster.down();
  await rm(work, { recursive: true, force: true });
}
printTable(
  ['measure', 'value'],
  [
    ['stores requested at once', stores],
    ['all POSTs answered (ms)', result.acceptedInMs],
    ['rejected creates', JSON.stringify(result.rejectedCreates)],
    ['Ready', result.ready],
    ['failures by reason', JSON.stringify(result.failures)],
    ['first POST -> all settled (s)', result.allSettledSeconds],
    [
      'per store created -> Ready p50 / p95 / max (s)',
      `${result.perStoreCreatedToReadySeconds.p50} / ${result.perStoreCreatedToReadySeconds.p95} / ${result.perStoreCreatedToReadySeconds.max}`,
    ],
    ['peak provisions in flight / MAX_CONCURRENT_PROVISIONS', `${result.peakInFlight} / ${maxConcurrent}`],
    ['kube-apiserver 429 answers', result.apiserver429s],
    ['delete all -> all Deleted (s)', result.teardownSeconds],
  ],
);
await writeResult('throughput', result);
process.exit(0);
