// npm run bench:realnode — stores that really run, on the local cluster's real node (root on Linux),
// with the images built here (built or taken from their cache, then pushed to the node's registry).
//
//   provision  BENCH_REALNODE_STORES (default 3) Medusa stores, interleaved: a bare
//              `helm upgrade --install --wait=watcher --wait-for-jobs` of charts/store-medusa with the
//              same values Urumi uses (local profile, the real node's images, StorageClass and
//              scheduling), and Urumi's POST -> Ready, which also asks the store over HTTP through the
//              ingress. p50/p95 and their ratio, and what the HTTP check costs (the verify step's
//              duration on the store's timeline).
//   memory     the working set of one store of each type, from the kubelet's summary API: a Ready
//              Medusa store, and a WooCommerce store's MariaDB and WordPress (its setup cannot finish
//              here: WP-CLI comes only from GitHub).
//   capacity   stores of one type created two at a time until one has a pod the scheduler cannot
//              place (BENCH_CAPACITY=0 skips it; BENCH_CAPACITY_MAX caps it, default 40), then deleted.
//
// WooCommerce is measured only where it runs: it cannot become Ready on this machine. Results are
// printed as tables and written to bench/results/realnode.json (not committed).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { clusterUp } from '@urumi/cluster';
import type { Store, StoreEvent, StoreType } from '@urumi/contracts';
import { medusa } from '../apps/api/src/store-types/medusa/index.ts';
import { pushDebianImages } from '../images/debian/push.ts';
import { realNode } from '../tools/cluster/src/node/config.ts';
import { realNodeSupport } from '../tools/cluster/src/node/node.ts';
import { realNodeValues } from '../tools/cluster/src/node/store-values.ts';
import {
  bareHelmInstall,
  cleanUpOnInterrupt,
  machine,
  percentile,
  printTable,
  root,
  seconds,
  sleep,
  startUrumi,
  writeResult,
  type Urumi,
} from './support.ts';

const exec = promisify(execFile);
const rounds = Number.parseInt(process.env.BENCH_REALNODE_STORES ?? '3', 10);
const capacityMax = Number.parseInt(process.env.BENCH_CAPACITY_MAX ?? '40', 10);
const support = realNodeSupport();
if (!support.ok) {
  console.error(`bench:realnode needs the real node, which this machine cannot run: ${support.why}`);
  process.exit(1);
}

const log = (line: string) => console.log(`[cluster] ${line}`);
const { kubeconfig, tools, ingressPort } = await clusterUp({ log, realNode: true });
const images = await pushDebianImages(log);
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const work = await mkdtemp(join(tmpdir(), 'urumi-bench-realnode-'));

// The type values an operator would give Urumi to put stores on the real node.
const typeValues = join(work, 'type-values');
await mkdir(typeValues);
const medusaValues = realNodeValues({
  medusa: images.medusa!,
  postgres: images.postgres!,
  redis: images.redis!,
});
await writeFile(join(typeValues, 'medusa.yaml'), JSON.stringify(medusaValues));
await writeFile(
  join(typeValues, 'woocommerce.yaml'),
  JSON.stringify({
    ...realNodeValues({
      wordpress: images.wordpress!,
      mariadb: images.mariadb!,
      wordpressCli: images.wordpress!,
    }),
    setup: { backoffLimit: 0, databaseWaitSeconds: 60 },
  }),
);

const urumi: Urumi = await startUrumi(join(work, 'data'), {
  KUBECONFIG: kubeconfig,
  HELM_BINARY: tools.bin('helm'),
  STORE_VALUES_PROFILE: 'local',
  STORE_TYPE_VALUES_DIR: typeValues,
  STORE_PODS: 'real',
  STORE_SITE_CHECK: 'ingress',
  STORE_URL_PORT: String(ingressPort),
  MAX_STORES: String(capacityMax * 2 + 10),
  MAX_CONCURRENT_PROVISIONS: '2',
  PROVISION_TIMEOUT_SECONDS: '900',
});
const forget = cleanUpOnInterrupt(async () => {
  await urumi.stop();
  await rm(work, { recursive: true, force: true });
});

/** Waits until the store leaves Provisioning (or `until` holds), polling the API. */
async function settle(id: string, until: (s: Store) => boolean = (s) => s.status !== 'Provisioning') {
  for (;;) {
    const { body } = await urumi.api<Store>('GET', `/api/stores/${id}`);
    if (until(body)) return body;
    await sleep(250);
  }
}

async function deleteAll(ids: string[]): Promise<void> {
  for (const id of ids) await urumi.api('DELETE', `/api/stores/${id}`);
  for (const id of ids) await settle(id, (s) => s.status === 'Deleted');
}

// --- provision: Urumi against a bare helm install of the same chart and values ------------------------
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(work, 'helm-cache'),
  HELM_CONFIG_HOME: join(work, 'helm-config'),
};
const chart = join(root, 'charts', 'store-medusa');
const helmValues = join(work, 'medusa-values.json');
await writeFile(helmValues, JSON.stringify(medusaValues));

async function bareHelm(): Promise<number> {
  const { elapsedMs, release, namespace } = await bareHelmInstall({
    core,
    helm: tools.bin('helm'),
    kubeconfig,
    env: helmEnv,
    chart,
    secrets: medusa.secrets,
    valuesFile: helmValues,
    timeout: '15m',
  });
  await exec(
    tools.bin('helm'),
    ['uninstall', release, '--namespace', namespace, '--kubeconfig', kubeconfig, '--wait'],
    { env: helmEnv },
  );
  await core.deleteNamespace({ name: namespace });
  return elapsedMs;
}

async function viaUrumi(): Promise<{ latency: number; verify: number; id: string }> {
  const started = performance.now();
  const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'medusa' });
  const done = await settle(store.id);
  const latency = performance.now() - started;
  if (done.status !== 'Ready' || !done.readyAt)
    throw new Error(`store ${store.id} ended ${done.status}: ${JSON.stringify(done.reason)}`);
  // What the HTTP check costs: the verify step's duration, from the store's own timeline.
  const { body: events } = await urumi.api<{ items: StoreEvent[] }>('GET', `/api/stores/${store.id}/events`);
  const verify = events.items.find((e) => e.step === 'verify')?.durationMs ?? NaN;
  return { latency, verify, id: store.id };
}

const baseline: number[] = [];
const platform: number[] = [];
const verifies: number[] = [];
let keptMedusa: string | null = null;
for (let i = 0; i < rounds; i += 1) {
  // Interleaved, so drift in the machine's load hits both sides alike.
  baseline.push(await bareHelm());
  const { latency, verify, id } = await viaUrumi();
  platform.push(latency);
  verifies.push(verify);
  console.log(
    `medusa ${i + 1}/${rounds}: helm ${seconds(baseline.at(-1)!)} s, urumi ${seconds(latency)} s, verify ${verify} ms`,
  );
  // The last one stays for the memory measurement.
  if (i < rounds - 1) await deleteAll([id]);
  else keptMedusa = id;
}

// --- memory: one store of each type, from the kubelet's summary API ---------------------------------
interface Summary {
  pods: { podRef: { name: string; namespace: string }; memory?: { workingSetBytes?: number } }[];
}
async function workingSet(namespace: string): Promise<{ bytes: number; pods: number }> {
  const text = await core.connectGetNodeProxyWithPath({ name: realNode.name, path: 'stats/summary' });
  const summary = (typeof text === 'string' ? JSON.parse(text) : text) as Summary;
  const pods = summary.pods.filter((p) => p.podRef.namespace === namespace);
  return { bytes: pods.reduce((sum, p) => sum + (p.memory?.workingSetBytes ?? 0), 0), pods: pods.length };
}

const { body: woo } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
const wooDone = await settle(woo.id);
console.log(`woocommerce store ${woo.id}: ${wooDone.status} ${wooDone.reason?.code ?? ''}`);
await sleep(30_000); // let both stores settle after start-up
const memory = {
  medusa: await workingSet(`store-${keptMedusa!}`),
  woocommerce: await workingSet(woo.namespace),
};
await deleteAll([keptMedusa!, woo.id]);

// --- capacity: stores of one type until one cannot be scheduled -------------------------------------
async function unschedulable(namespace: string): Promise<boolean> {
  const pods = await core.listNamespacedPod({ namespace });
  return pods.items.some((pod) =>
    pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'),
  );
}

async function capacity(type: StoreType): Promise<{ fit: number; reached: 'unschedulable' | 'cap' }> {
  const made: Store[] = [];
  let fit = 0;
  let reached: 'unschedulable' | 'cap' = 'cap';
  while (made.length < capacityMax) {
    const batch = await Promise.all(
      [0, 1].map(async () => (await urumi.api<Store>('POST', '/api/stores', { type })).body),
    );
    made.push(...batch);
    const outcomes = await Promise.all(
      batch.map(async (store) => {
        for (;;) {
          if (await unschedulable(store.namespace)) return 'unschedulable' as const;
          const { body } = await urumi.api<Store>('GET', `/api/stores/${store.id}`);
          if (body.status !== 'Provisioning') return 'placed' as const;
          await sleep(1_000);
        }
      }),
    );
    fit += outcomes.filter((o) => o === 'placed').length;
    console.log(`${type}: ${fit} stores placed`);
    if (outcomes.includes('unschedulable')) {
      reached = 'unschedulable';
      break;
    }
  }
  await deleteAll(made.map((s) => s.id));
  return { fit, reached };
}

const capacities =
  process.env.BENCH_CAPACITY === '0'
    ? null
    : { medusa: await capacity('medusa'), woocommerce: await capacity('woocommerce') };

await urumi.stop();
forget();
await rm(work, { recursive: true, force: true });

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
const result = {
  machine,
  rounds,
  baselineMs: { p50: Math.round(percentile(baseline, 50)), p95: Math.round(percentile(baseline, 95)) },
  urumiMs: { p50: Math.round(percentile(platform, 50)), p95: Math.round(percentile(platform, 95)) },
  ratio: {
    p50: Number((percentile(platform, 50) / percentile(baseline, 50)).toFixed(2)),
    p95: Number((percentile(platform, 95) / percentile(baseline, 95)).toFixed(2)),
  },
  verifyMs: { p50: percentile(verifies, 50), p95: percentile(verifies, 95) },
  memoryMiB: { medusa: mib(memory.medusa.bytes), woocommerce: mib(memory.woocommerce.bytes) },
  memoryPods: { medusa: memory.medusa.pods, woocommerce: memory.woocommerce.pods },
  capacity: capacities,
};
printTable(
  ['Medusa on the real node', 'p50', 'p95'],
  [
    [
      'bare helm upgrade --install --wait (s)',
      seconds(result.baselineMs.p50),
      seconds(result.baselineMs.p95),
    ],
    [
      'Urumi POST -> Ready, HTTP check included (s)',
      seconds(result.urumiMs.p50),
      seconds(result.urumiMs.p95),
    ],
    ['ratio Urumi / helm', result.ratio.p50, result.ratio.p95],
    [
      'of which the verify step: the HTTP check through the ingress (ms)',
      result.verifyMs.p50,
      result.verifyMs.p95,
    ],
  ],
);
printTable(
  ['Store', 'working set (MiB)', 'pods', 'stores placed before one did not fit'],
  [
    [
      'Medusa (Ready)',
      result.memoryMiB.medusa,
      result.memoryPods.medusa,
      capacities ? `${capacities.medusa.fit} (${capacities.medusa.reached})` : 'skipped',
    ],
    [
      'WooCommerce (MariaDB + WordPress; setup cannot finish here)',
      result.memoryMiB.woocommerce,
      result.memoryPods.woocommerce,
      capacities ? `${capacities.woocommerce.fit} (${capacities.woocommerce.reached})` : 'skipped',
    ],
  ],
);
await writeResult('realnode', result);
process.exit(0);
