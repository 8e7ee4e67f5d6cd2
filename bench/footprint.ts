// npm run bench:footprint — memory of the Urumi process and its Kubernetes watches at 10, 100 and
// 1,000 stores (BENCH_LEVELS): the watches must stay constant whatever the number of stores.
//
// 1,000 full stores (helm releases, three simulated pods each) are too heavy for a 2-core machine, so
// the stores are built directly, on a cluster of its own (BENCH_CLUSTER_DIR, default
// ~/.local/state/urumi/bench-footprint; enough nodes for the pods, removed at the end). Each store is
// what the engine and chart leave in the cluster, minus what Urumi does not watch: the namespace
// (labelled as the engine labels it), its two Secrets, the MariaDB StatefulSet and the WordPress
// Deployment with one pod each (which KWOK makes Ready), the setup Job (suspended, so no pod) and two
// PersistentVolumeClaims, all labelled urumi.io/store-id; plus a Ready row in Urumi's database
// (embedded PGlite, seeded while Urumi is down). Urumi (engine and API, its own process) is then
// started on the cluster and left to settle (watch caches listed, health sweeps run), and we read:
//   RSS:     /proc/<pid>/status VmRSS, the highest of 10 samples over 10 s;
//   watches: Urumi's own urumi_kubernetes_watches gauge, and the kube-apiserver's count of open
//            WATCH requests (apiserver_longrunning_requests{verb="WATCH"}) with Urumi running minus
//            the same count just before it started, so the figure is not only self-reported;
//   Ready:   urumi_stores{status="Ready"}, which shows the health sweep found every store healthy.
// Table on stdout, JSON in bench/results/footprint.json.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  type V1ObjectMeta,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { openDatabase } from '../apps/api/src/adapters/postgres/database.ts';
import {
  apiserverMetrics,
  dedicatedCluster,
  machine,
  printTable,
  seedStores,
  sleep,
  startUrumi,
  sumMetric,
  writeResult,
} from './support.ts';

const levels = (process.env.BENCH_LEVELS ?? '10,100,1000').split(',').map(Number);
const podsPerStore = 2;
// 110 pods per node; keep some room for the cluster's own pods.
const nodes = Math.ceil((levels.at(-1)! * podsPerStore) / 100) + 1;

const cluster = await dedicatedCluster('footprint', nodes);
const kc = new KubeConfig();
kc.loadFromFile(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const batch = kc.makeApiClient(BatchV1Api);

/** Runs `fn` over `items`, `width` at a time. */
async function pooled<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** The objects of one store, as the engine and the chart create them (see the header). */
async function createStore(id: string): Promise<void> {
  const namespace = `store-${id}`;
  const labels = { 'urumi.io/store-id': id };
  const meta = (name: string, component: string): V1ObjectMeta => ({
    name,
    labels: { ...labels, 'app.kubernetes.io/component': component },
  });
  const template = (component: string, image: string): V1PodTemplateSpec => ({
    metadata: { labels: { ...labels, 'app.kubernetes.io/component': component } },
    spec: { containers: [{ name: component, image }] },
  });
  const selector = (component: string) => ({
    matchLabels: { ...labels, 'app.kubernetes.io/component': component },
  });
  await core.createNamespace({
    body: {
      metadata: {
        name: namespace,
        labels: { ...labels, 'app.kubernetes.io/managed-by': 'urumi', 'urumi.io/store-type': 'woocommerce' },
      },
    },
  });
  await Promise.all([
    ...['mariadb-credentials', 'wordpress-credentials'].map((name) =>
      core.createNamespacedSecret({
        namespace,
        body: { metadata: { name, labels }, stringData: { password: randomBytes(24).toString('base64url') } },
      }),
    ),
    ...['data-mariadb-0', 'wp-content'].map((name) =>
      core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: {
          metadata: meta(name, 'storage'),
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      }),
    ),
    apps.createNamespacedStatefulSet({
      namespace,
      body: {
        metadata: meta('mariadb', 'database'),
        spec: {
          serviceName: 'mariadb',
          replicas: 1,
          selector: selector('database'),
          template: template('database', 'mariadb:11'),
        },
      },
    }),
    apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: meta('wordpress', 'wordpress'),
        spec: {
          replicas: 1,
          selector: selector('wordpress'),
          template: template('wordpress', 'wordpress:6'),
        },
      },
    }),
    batch.createNamespacedJob({
      namespace,
      body: {
        metadata: meta('woocommerce-setup', 'setup'),
        spec: {
          suspend: true,
          template: {
            ...template('setup', 'wordpress:cli'),
            spec: { restartPolicy: 'Never', containers: [{ name: 'setup', image: 'wordpress:cli' }] },
          },
        },
      },
    }),
  ]);
}

/** Waits until every store's StatefulSet and Deployment reports its pod ready. */
async function waitForPods(count: number): Promise<void> {
  const selector = { labelSelector: 'urumi.io/store-id' };
  for (let waited = 0; ; waited += 5) {
    const [sets, deployments] = await Promise.all([
      apps.listStatefulSetForAllNamespaces(selector),
      apps.listDeploymentForAllNamespaces(selector),
    ]);
    const ready =
      sets.items.filter((s) => s.status?.readyReplicas === 1).length +
      deployments.items.filter((d) => d.status?.availableReplicas === 1).length;
    if (ready >= count * podsPerStore) return;
    if (waited % 30 === 0) console.log(`${ready}/${count * podsPerStore} store pods ready`);
    if (waited > 1_800) throw new Error('store pods not ready in 30 minutes');
    await sleep(5_000);
  }
}

async function watchesOnApiserver(): Promise<number> {
  const text = await apiserverMetrics(cluster.tools, cluster.kubeconfig);
  return sumMetric(text, 'apiserver_longrunning_requests', { verb: 'WATCH' });
}

const work = await mkdtemp(join(tmpdir(), 'urumi-bench-'));
const rows: {
  stores: number;
  rssMiB: number;
  watchesUrumi: number;
  watchesApiserver: number;
  ready: number;
  storesBuiltSeconds: number;
}[] = [];
try {
  const ids: string[] = [];
  for (const level of levels) {
    const started = performance.now();
    const added = Array.from({ length: level - ids.length }, () => randomBytes(6).toString('hex'));
    await pooled(added, 16, createStore);
    ids.push(...added);
    await waitForPods(ids.length);
    const storesBuiltSeconds = Math.round((performance.now() - started) / 1000);
    const database = await openDatabase({ dataDir: join(work, 'pglite') });
    await seedStores(
      database.db,
      added.map((id) => ({ id, status: 'Ready' })),
    );
    await database.close();

    const watchesBefore = await watchesOnApiserver();
    const urumi = await startUrumi(work, {
      KUBECONFIG: cluster.kubeconfig,
      HELM_BINARY: cluster.tools.bin('helm'),
      MAX_STORES: '100000',
    });
    try {
      await sleep(15_000);
      let rss = 0;
      for (let i = 0; i < 10; i += 1) {
        rss = Math.max(rss, urumi.rss());
        await sleep(1_000);
      }
      const { body } = await urumi.api<string>('GET', '/metrics');
      const row = {
        stores: level,
        rssMiB: Math.round(rss / 2 ** 20),
        watchesUrumi: sumMetric(body, 'urumi_kubernetes_watches'),
        watchesApiserver: (await watchesOnApiserver()) - watchesBefore,
        ready: sumMetric(body, 'urumi_stores', { status: 'Ready' }),
        storesBuiltSeconds,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    } finally {
      await urumi.stop();
    }
  }
} finally {
  await cluster.down();
  await rm(work, { recursive: true, force: true });
}

printTable(
  ['stores', 'RSS (MiB)', 'watches (Urumi gauge)', 'watches (apiserver, delta)', 'stores Ready'],
  rows.map((r) => [r.stores, r.rssMiB, r.watchesUrumi, r.watchesApiserver, r.ready]),
);
await writeResult('footprint', { machine, nodes, podsPerStore, levels: rows });
process.exit(0);
