// npm run bench:provision — provisioning overhead and readiness detection lag on the local cluster.
//
// For N stores (default 30, BENCH_STORES), one at a time:
//   baseline: create the namespace and Secrets, then a bare `helm upgrade --install --wait=watcher
//             --wait-for-jobs` of the same chart with the same values;
//   urumi:    POST /api/stores to a Urumi process (embedded PGlite) and wait until the API says Ready.
// Readiness lag: for each Urumi store the bench watches the store's StatefulSet, Deployment and Job
// itself; lag = the API's readyAt minus the moment the last of them became ready.
// Pods get a realistic start-up time through KWOK (ready 2-4 s after start). Results are printed as
// a table and written to bench/results/provision.json (not committed).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { clusterUp } from '@urumi/cluster';
import { woocommerce } from '../apps/api/src/store-types/woocommerce/index.ts';
import { bareHelmInstall, percentile, watchReadiness } from './support.ts';

const root = join(import.meta.dirname, '..');
const stores = Number.parseInt(process.env.BENCH_STORES ?? '30', 10);
const simulation = {
  mariadb: { podAnnotations: { 'sim.urumi.io/ready-after': '2s', 'sim.urumi.io/ready-before': '4s' } },
  wordpress: { podAnnotations: { 'sim.urumi.io/ready-after': '2s', 'sim.urumi.io/ready-before': '4s' } },
  setup: { podAnnotations: { 'sim.urumi.io/complete-after': '1s' } },
};

const { kubeconfig, tools } = await clusterUp({ log: (line) => console.log(`[cluster] ${line}`) });
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const work = await mkdtemp(join(tmpdir(), 'urumi-bench-'));
const extraValues = join(work, 'simulation.json');
await writeFile(extraValues, JSON.stringify(simulation));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(work, 'helm-cache'),
  HELM_CONFIG_HOME: join(work, 'helm-config'),
};
const chart = join(root, 'charts', 'store-woocommerce');

async function bareHelm(): Promise<number> {
  const { elapsedMs, namespace } = await bareHelmInstall({
    core,
    helm: tools.bin('helm'),
    kubeconfig,
    env: helmEnv,
    chart,
    secrets: woocommerce.secrets,
    valuesFile: extraValues,
    timeout: '5m',
  });
  await core.deleteNamespace({ name: namespace });
  return elapsedMs;
}

// Urumi, as an operator runs it: its own process, embedded database, the same chart and values.
const token = `urumi_bench_${randomBytes(24).toString('hex')}`;
const urumi = spawn(process.execPath, [join(root, 'apps', 'api', 'src', 'main.ts')], {
  env: {
    ...process.env,
    URUMI_DATA_DIR: join(work, 'data'),
    URUMI_ADMIN_TOKEN: token,
    KUBECONFIG: kubeconfig,
    HELM_BINARY: tools.bin('helm'),
    STORE_VALUES_PROFILE: 'local',
    STORE_EXTRA_VALUES_FILE: extraValues,
    PORT: '0',
    LOG_LEVEL: 'warn',
    MAX_STORES: String(stores + 10),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  urumi.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (match?.[1]) resolve(match[1]);
  });
  urumi.on('exit', (code) => reject(new Error(`urumi exited with ${code}`)));
});
const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return (await response.json()) as T;
};

async function viaUrumi(): Promise<{ latency: number; lag: number }> {
  const started = performance.now();
  const store = await api<{ id: string; namespace: string }>('POST', '/api/stores', { type: 'woocommerce' });
  const watcher = await watchReadiness(kc, store.namespace);
  let current: { status: string; readyAt: string | null };
  do {
    await new Promise((resolve) => setTimeout(resolve, 20));
    current = await api('GET', `/api/stores/${store.id}`);
  } while (current.status === 'Provisioning');
  const latency = performance.now() - started;
  watcher.stop();
  if (current.status !== 'Ready' || !current.readyAt)
    throw new Error(`store ${store.id} ended ${current.status}`);
  const k8sReady = Math.max(...watcher.seen.values());
  await api('DELETE', `/api/stores/${store.id}`);
  return { latency, lag: Date.parse(current.readyAt) - k8sReady };
}

const baseline: number[] = [];
const platform: number[] = [];
const lags: number[] = [];
for (let i = 0; i < stores; i += 1) {
  // Interleaved, so drift in the machine's load hits both sides alike.
  baseline.push(await bareHelm());
  const { latency, lag } = await viaUrumi();
  platform.push(latency);
  lags.push(lag);
  process.stdout.write(
    `store ${i + 1}/${stores}: helm ${Math.round(baseline.at(-1)!)} ms, urumi ${Math.round(latency)} ms, lag ${lag} ms\n`,
  );
}
urumi.kill('SIGTERM');

const row = (name: string, values: number[]) => ({
  name,
  p50: Math.round(percentile(values, 50)),
  p95: Math.round(percentile(values, 95)),
});
const result = {
  stores,
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
  baselineMs: row('bare helm upgrade --install --wait', baseline),
  urumiMs: row('urumi POST -> Ready', platform),
  ratio: {
    p50: Number((percentile(platform, 50) / percentile(baseline, 50)).toFixed(2)),
    p95: Number((percentile(platform, 95) / percentile(baseline, 95)).toFixed(2)),
  },
  readinessLagMs: {
    p50: percentile(lags, 50),
    p95: percentile(lags, 95),
    p99: percentile(lags, 99),
    max: Math.max(...lags),
  },
};
console.log('\n| measure | p50 | p95 | p99 |\n|---|---|---|---|');
console.log(
  `| bare helm upgrade --install --wait (ms) | ${result.baselineMs.p50} | ${result.baselineMs.p95} | |`,
);
console.log(`| Urumi POST -> Ready (ms) | ${result.urumiMs.p50} | ${result.urumiMs.p95} | |`);
console.log(`| ratio Urumi / helm | ${result.ratio.p50} | ${result.ratio.p95} | |`);
console.log(
  `| readiness lag, Kubernetes ready -> API Ready (ms) | ${result.readinessLagMs.p50} | ${result.readinessLagMs.p95} | ${result.readinessLagMs.p99} |`,
);
await mkdir(join(root, 'bench', 'results'), { recursive: true });
await writeFile(join(root, 'bench', 'results', 'provision.json'), `${JSON.stringify(result, null, 2)}\n`);
await rm(work, { recursive: true, force: true });
process.exit(0);
