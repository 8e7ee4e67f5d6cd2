// Helpers shared by the bench scripts: a Urumi process, a dedicated cluster, metrics, results.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Watch, type CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { clusterDown, clusterPaths, clusterUp, type ToolSet } from '@urumi/cluster';
import type { StoreStatus } from '@urumi/contracts';
import type { Db } from '../apps/api/src/adapters/postgres/database.ts';
import { stores } from '../apps/api/src/adapters/postgres/schema.ts';
import {
  createDatabase,
  startPostgres,
  type PostgresServer,
} from '../apps/api/test/support/postgres-setup.ts';

const exec = promisify(execFile);

/** The repository root. */
export const root = join(import.meta.dirname, '..');

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const cleanups = new Set<() => Promise<unknown>>();

/**
 * Runs `cleanup` if the bench is interrupted (Ctrl-C, SIGTERM) before it ends on its own, so no
 * cluster, PostgreSQL server or Urumi process outlives it. Returns the function that unregisters it
 * (call it once the bench has cleaned up by itself).
 */
export function cleanUpOnInterrupt(cleanup: () => Promise<unknown>): () => void {
  if (cleanups.size === 0) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.log(`\n${signal}: cleaning up before exit`);
        void Promise.allSettled([...cleanups].map((run) => run())).then(() => process.exit(130));
      });
    }
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export const machine = `${process.platform} ${process.arch}, node ${process.version}`;

/** Prints a Markdown table. */
/**
 * Runs `measure` on a PostgreSQL database of its own, dropped afterwards: on the server at
 * BENCH_DATABASE_URL, else on a throwaway one from Debian's binaries (as the database test tier
 * starts). Null, with a line saying why, when neither can be had.
 */
export async function onPostgres<T>(
  measure: (url: string) => Promise<T>,
): Promise<{ result: T; source: string } | null> {
  let server: PostgresServer | null = null;
  try {
    const serverUrl = process.env.BENCH_DATABASE_URL ?? (server = await startPostgres()).url;
    if (server) cleanUpOnInterrupt(() => server!.stop());
    const database = await createDatabase(serverUrl, 'bench');
    try {
      const result = await measure(database.url);
      return {
        result,
        source: process.env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : 'throwaway local server',
      };
    } finally {
      await database.drop();
    }
  } catch (error) {
    console.log(`PostgreSQL not measured: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  } finally {
    await server?.stop();
  }
}

export function printTable(header: string[], rows: (string | number)[][]): void {
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** Writes `bench/results/<name>.json` (gitignored). */
export async function writeResult(name: string, result: object): Promise<void> {
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(join(root, 'bench', 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

export interface Urumi {
  url: string;
  /** The admin API token the process registered. */
  token: string;
  pid: number;
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** The process's resident set size in bytes (Linux /proc). */
  rss(): number;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `apps/api/src/main.ts` as its own process, the way an operator runs it, on 127.0.0.1 and a
 * free port; `env` adds to or overrides the defaults (embedded PGlite in `dataDir`, LOG_LEVEL=warn).
 */
export async function startUrumi(dataDir: string, env: Record<string, string>): Promise<Urumi> {
  const token = `urumi_bench_${randomBytes(24).toString('hex')}`;
  const child = spawn(process.execPath, [join(root, 'apps', 'api', 'src', 'main.ts')], {
    env: {
      ...process.env,
      URUMI_DATA_DIR: dataDir,
      URUMI_ADMIN_TOKEN: token,
      URUMI_LOCAL_CLUSTER: 'never',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      // The bench clusters' pods are simulated: they serve nothing to ask.
      STORE_PODS: 'simulated',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const forget = cleanUpOnInterrupt(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  void exited.then(forget);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      // Keep draining stdout (warnings are JSON lines) so the child never blocks on a full pipe.
      if (out.length > 100_000) return;
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`urumi exited before listening:\n${out.slice(-2_000)}`)));
  });
  return {
    url,
    token,
    pid: child.pid!,
    async api<T>(method: string, path: string, body?: unknown) {
      const send = () =>
        fetch(`${url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      // A kept-alive connection the server closes as it is reused resets; GET and DELETE are safe to
      // send again.
      const response = await send().catch((error: unknown) => {
        if (method === 'POST') throw error;
        return send();
      });
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      return { status: response.status, body: (type.includes('json') ? JSON.parse(text) : text) as T };
    },
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Brings up a cluster of its own for a bench, in `$BENCH_CLUSTER_DIR` (default: `bench-<name>` next
 * to the default cluster's state folder, e.g. ~/.local/state/urumi/bench-throughput), so the shared
 * default cluster is neither crowded nor touched. `down()` stops this one only and removes its folder.
 */
export async function dedicatedCluster(
  name: string,
  nodes: number,
): Promise<{ kubeconfig: string; tools: ToolSet; down(): Promise<void> }> {
  const dir = process.env.BENCH_CLUSTER_DIR ?? join(dirname(clusterPaths().stateDir), `bench-${name}`);
  const paths = clusterPaths({ ...process.env, URUMI_CLUSTER_DIR: dir });
  const log = (line: string) => console.log(`[cluster] ${line}`);
  const forget = cleanUpOnInterrupt(() => clusterDown(log, paths));
  const { kubeconfig, tools } = await clusterUp({ log, nodes, paths });
  return {
    kubeconfig,
    tools,
    down: async () => {
      await clusterDown(log, paths);
      forget();
    },
  };
}

/** The kube-apiserver's own Prometheus metrics, read with the cluster's admin kubeconfig. */
export async function apiserverMetrics(tools: ToolSet, kubeconfig: string): Promise<string> {
  const { stdout } = await exec(
    tools.bin('kubectl'),
    ['--kubeconfig', kubeconfig, 'get', '--raw', '/metrics'],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * Sums the samples of metric `name` in a Prometheus text exposition whose labels include all of
 * `labels` (e.g. `{ code: '429' }`).
 */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (match?.[1] !== name) continue;
    const present = match[2] ?? '';
    const matches = Object.entries(labels).every(
      ([k, v]) => present.includes(`{${k}="${v}"`) || present.includes(`,${k}="${v}"`),
    );
    if (matches) sum += Number(match[3]);
  }
  return sum;
}

/**
 * Inserts store rows straight into the database, the way the engine leaves them: Ready with readyAt,
 * Failed with a reason, Provisioning in the queue, Deleted tombstones. `createdAt` is one second
 * apart, the last row newest (`startAt` ms before now for the first).
 */
export async function seedStores(
  db: Db,
  rows: { id: string; status: StoreStatus }[],
  startAt = rows.length * 1000,
): Promise<void> {
  const now = Date.now();
  const values = rows.map(({ id, status }, i) => {
    const createdAt = new Date(now - startAt + i * 1000);
    return {
      id,
      name: `store-${id}`,
      type: 'woocommerce',
      status,
      step: status === 'Provisioning' ? 'queued' : null,
      desired: status === 'Deleted' ? 'absent' : 'present',
      reasonCode: status === 'Failed' ? 'TIMEOUT' : null,
      reasonMessage: status === 'Failed' ? 'step database did not finish before its deadline' : null,
      createdAt,
      updatedAt: createdAt,
      deadlineAt: status === 'Provisioning' ? new Date(now + 3_600_000) : null,
      readyAt: status === 'Ready' ? createdAt : null,
      deletedAt: status === 'Deleted' ? createdAt : null,
    };
  });
  for (let i = 0; i < values.length; i += 1000) {
    await db.insert(stores).values(values.slice(i, i + 1000));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function seconds(ms: number): number {
  return Number((ms / 1000).toFixed(1));
}

/** Watches the store namespace and notes when each workload was last seen becoming ready. */
export async function watchReadiness(kc: KubeConfig, namespace: string) {
  const seen = new Map<string, number>();
  const watch = new Watch(kc);
  const note = (key: string, ready: boolean) => {
    if (ready && !seen.has(key)) seen.set(key, Date.now());
  };
  type Obj = {
    kind?: string;
    metadata?: { name?: string };
    spec?: { replicas?: number };
    status?: Record<string, unknown>;
  };
  const controllers = await Promise.all(
    [
      [
        `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
        (o: Obj) => (o.status?.readyReplicas as number) >= (o.spec?.replicas ?? 1),
      ],
      [
        `/apis/apps/v1/namespaces/${namespace}/deployments`,
        (o: Obj) => (o.status?.availableReplicas as number) >= (o.spec?.replicas ?? 1),
      ],
      [
        `/apis/batch/v1/namespaces/${namespace}/jobs`,
        (o: Obj) => ((o.status?.succeeded as number) ?? 0) >= 1,
      ],
    ].map(([path, ready]) =>
      watch.watch(
        path as string,
        {},
        (_type, obj: Obj) =>
          note(`${path as string}/${obj.metadata?.name ?? ''}`, (ready as (o: Obj) => boolean)(obj)),
        () => undefined,
      ),
    ),
  );
  return { seen, stop: () => controllers.forEach((c) => c.abort()) };
}

/**
 * A store installed the way a user without Urumi would: a namespace, the Secrets the engine would
 * create (so the chart gets what it expects), then one bare `helm upgrade --install --wait=watcher
 * --wait-for-jobs` of the chart with its local profile and `valuesFile`. Returns how long that took
 * (namespace to helm's return) and where the release is.
 */
export async function bareHelmInstall(o: {
  core: CoreV1Api;
  helm: string;
  kubeconfig: string;
  env: NodeJS.ProcessEnv;
  chart: string;
  secrets: readonly { name: string; keys: readonly string[] }[];
  valuesFile: string;
  timeout: string;
}): Promise<{ elapsedMs: number; release: string; namespace: string }> {
  const id = randomBytes(6).toString('hex');
  const namespace = `bench-${id}`;
  const release = `store-${id}`;
  const started = performance.now();
  await o.core.createNamespace({ body: { metadata: { name: namespace } } });
  for (const { name, keys } of o.secrets) {
    await o.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name },
        stringData: Object.fromEntries(keys.map((k) => [k, randomBytes(24).toString('base64url')])),
      },
    });
  }
  await exec(
    o.helm,
    [
      'upgrade',
      '--install',
      release,
      o.chart,
      '--namespace',
      namespace,
      '--kubeconfig',
      o.kubeconfig,
      '--values',
      join(o.chart, 'values-local.yaml'),
      '--values',
      o.valuesFile,
      '--set-string',
      `store.id=${id}`,
      '--set',
      `store.host=${id}.localhost`,
      '--wait=watcher',
      '--wait-for-jobs',
      '--timeout',
      o.timeout,
    ],
    { env: o.env },
  );
  return { elapsedMs: performance.now() - started, release, namespace };
}
