import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  StorageV1Api,
  type V1Pod,
} from '@kubernetes/client-node';
import { inject, onTestFinished } from 'vitest';

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

export function kube(kc: KubeConfig = kubeConfig()) {
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    storage: kc.makeApiClient(StorageV1Api),
  };
}

/** HTTP status of a failed client-node call (ApiException.code), or undefined for other errors. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** Resolves with the error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

/**
 * Creates a namespace with a unique name for one test and deletes it when the test ends (without
 * waiting; the namespace controller finishes it in the background).
 */
export async function testNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const { core } = kube();
  const name = `t-${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { 'urumi.io/test': 'true', ...labels } } },
  });
  onTestFinished(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  // Pods are refused until the ServiceAccount controller has made the namespace's default account.
  await waitFor(`the default ServiceAccount in ${name}`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }),
  );
  return name;
}

/**
 * Polls `check` until it returns a value other than undefined/false and returns it. A thrown error
 * counts as "not yet"; the last one is reported on timeout.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** A minimal container with requests and limits, so quota-enforcing namespaces accept it. */
export function container(name = 'app') {
  return {
    name,
    image: 'registry.example/urumi/test:1',
    resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
  };
}

const execFileAsync = promisify(execFile);

/** Runs the pinned helm against the test cluster, with its own cache and config folders. */
export function helm(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(join(inject('binDir'), 'helm'), [...args, '--kubeconfig', inject('kubeconfig')], {
    env: {
      ...process.env,
      HELM_CACHE_HOME: '/tmp/urumi-helm-cache',
      HELM_CONFIG_HOME: '/tmp/urumi-helm-config',
    },
  });
}
