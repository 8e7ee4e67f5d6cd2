import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store, StoreEvent } from '@urumi/contracts';
import { inject, onTestFinished } from 'vitest';
import { kube, statusOf } from '../../../../tools/cluster/test/kube.ts';

const mainTs = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

export interface UrumiProcess {
  url: string;
  token: string;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGKILL, no goodbye: what a crash or an OOM kill looks like. */
  crash(): Promise<void>;
  /** SIGTERM and wait for a graceful exit. */
  stop(): Promise<number | null>;
  api<T>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; text: string }>;
}

export interface Shared {
  databaseUrl: string;
  token: string;
  dataDir: string;
}

/** A database and admin token several processes can share (as replicas on one database would). */
export async function sharedSetup(databaseUrl: string): Promise<Shared> {
  const dataDir = await mkdtemp(join(tmpdir(), 'urumi-api-'));
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
  return { databaseUrl, token: `urumi_test_${randomBytes(24).toString('hex')}`, dataDir };
}

/** Writes a values file merged into every store release (test-only pod behaviour). */
export async function valuesFile(shared: Shared, values: object): Promise<string> {
  const file = join(shared.dataDir, `values-${randomBytes(4).toString('hex')}.json`);
  await writeFile(file, JSON.stringify(values));
  return file;
}

/**
 * What a pod's ServiceAccount gives a process in it: the apiserver's address in
 * KUBERNETES_SERVICE_HOST/PORT and the token and CA in /var/run/secrets/kubernetes.io/serviceaccount.
 */
export interface InCluster {
  host: string;
  port: string;
  token: string;
  /** The apiserver's CA certificate, PEM. */
  ca: string;
  namespace: string;
}

/**
 * The command that runs Urumi "in a pod": in a mount namespace of its own (unshare, root only),
 * where a tmpfs over /run (/var/run) holds the ServiceAccount files at the path client libraries
 * read, seen by Urumi and its helm children and by nothing else on the machine.
 */
function inClusterCommand(args: string[]): { file: string; args: string[] } {
  const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
  const script = [
    'set -e',
    'mount -t tmpfs -o mode=0755 urumi-serviceaccount /run',
    `mkdir -p ${dir}`,
    `printf %s "$SA_TOKEN" > ${dir}/token`,
    `printf %s "$SA_CA" > ${dir}/ca.crt`,
    `printf %s "$SA_NAMESPACE" > ${dir}/namespace`,
    'unset SA_TOKEN SA_CA SA_NAMESPACE',
    'exec "$@"',
  ].join('\n');
  return {
    file: 'unshare',
    args: ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...args],
  };
}

/**
 * Starts `apps/api/src/main.ts` as its own process against the test cluster, the way an operator
 * runs it, and waits until it listens. Killed when the test ends. With `inCluster`, it has no
 * kubeconfig at all and reaches the cluster as a pod would.
 */
export async function startUrumi(
  shared: Shared,
  /** Set over the defaults below; `undefined` leaves a variable unset. */
  env: Record<string, string | undefined> = {},
  options: { inCluster?: InCluster } = {},
): Promise<UrumiProcess> {
  const { inCluster } = options;
  const command = inCluster
    ? inClusterCommand([process.execPath, mainTs])
    : { file: process.execPath, args: [mainTs] };
  const child = spawn(command.file, command.args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: shared.databaseUrl,
      URUMI_ADMIN_TOKEN: shared.token,
      URUMI_DATA_DIR: shared.dataDir,
      KUBECONFIG: inject('kubeconfig'),
      HELM_BINARY: join(inject('binDir'), 'helm'),
      URUMI_LOCAL_CLUSTER: 'never',
      STORE_VALUES_PROFILE: 'local',
      // The cluster tier's pods are simulated; the real-node tier sets STORE_PODS=real.
      STORE_PODS: 'simulated',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ENGINE_LEASE_SECONDS: '3',
      ...env,
      ...(inCluster && {
        // No kubeconfig anywhere: neither KUBECONFIG nor a ~/.kube/config to fall back on.
        HOME: shared.dataDir,
        KUBECONFIG: '',
        KUBERNETES_SERVICE_HOST: inCluster.host,
        KUBERNETES_SERVICE_PORT: inCluster.port,
        SA_TOKEN: inCluster.token,
        SA_CA: inCluster.ca,
        SA_NAMESPACE: inCluster.namespace,
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // A failed test shows what its Urumi processes said last (a crash, a stack, the engine's errors).
  onTestFinished(({ task }) => {
    if (task.result?.state !== 'fail') return;
    const tail = output.trimEnd().split('\n').slice(-40).join('\n');
    console.log(
      `--- last output of Urumi (pid ${child.pid}, exit ${child.exitCode ?? child.signalCode ?? 'running'}):\n${tail}`,
    );
  });
  // The stores a test made are removed with it, so runs do not fill the cluster's nodes.
  const created = new Set<string>();
  onTestFinished(async () => {
    const { core } = kube();
    await Promise.all(
      [...created].map((id) => core.deleteNamespace({ name: `store-${id}` }).catch(() => undefined)),
    );
  });
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Urumi did not start in 60 s:\n${output}`)), 60_000);
    const look = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Urumi exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    token: shared.token,
    child,
    output: () => output,
    async crash() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${shared.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const parsed = (text ? JSON.parse(text) : null) as T;
      if (method === 'POST' && path === '/api/stores' && response.status === 202)
        created.add((parsed as { id: string }).id);
      return { status: response.status, body: parsed, text };
    },
  };
}

/** Polls a store through the API until `until` holds; returns the last store seen. */
export async function waitForStore(
  urumi: Pick<UrumiProcess, 'api'>,
  id: string,
  until: (store: Store) => boolean,
  timeoutMs = 60_000,
): Promise<Store> {
  const deadline = Date.now() + timeoutMs;
  let last: Store | undefined;
  while (Date.now() < deadline) {
    const { status, body } = await urumi
      .api<Store>('GET', `/api/stores/${id}`)
      .catch(() => ({ status: 0, body: undefined }));
    if (status === 200 && body) {
      last = body;
      if (until(body)) return body;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `store ${id} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`,
  );
}

export async function eventsOf(urumi: Pick<UrumiProcess, 'api'>, id: string): Promise<StoreEvent[]> {
  return (await urumi.api<{ items: StoreEvent[] }>('GET', `/api/stores/${id}/events`)).body.items;
}

export async function namespaceGone(namespace: string): Promise<boolean> {
  const { core } = kube();
  return (await core.readNamespace({ name: namespace }).then(() => 200, statusOf)) === 404;
}
