// Helpers for the real-node tier: pods placed on the real node, commands in pods, and HTTP through
// the node's ingress on 127.0.0.1.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { existsSync } from 'node:fs';
import { realNodeScheduling, chartImageValue, realNodeValues } from '../src/node/store-values.ts';
import { isPodReady, kube, kubeConfig, waitFor } from './kube.ts';

const exec = promisify(execFile);

export { realNodeScheduling };

/** The reference of an image built here, as the real node pulls it. */
function builtImage(name: string): string {
  const ref = inject('images')[name];
  if (!ref) throw new Error(`no image ${name} was built for the real node`);
  return ref;
}

/** An image built here, as the charts' `images.<name>` value wants it: repository, tag, digest. */
export function chartImage(name: string): { repository: string; tag: string; digest: string } {
  return chartImageValue(builtImage(name));
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request to the node's ingress on 127.0.0.1 with a Host header (browsers resolve
 * *.localhost to loopback; fetch may not set Host). Status 0 when nothing answered.
 */
export function throughIngress(
  host: string,
  path: string,
  options: {
    method?: string;
    form?: Record<string, string>;
    json?: unknown;
    cookies?: string[];
    headers?: Record<string, string>;
  } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers, host };
  let body: string | undefined;
  if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  if (options.cookies?.length) headers.cookie = options.cookies.join('; ');
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: inject('ingressPort'),
        path,
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

/** The `name=value` part of each Set-Cookie header of an answer. */
export function cookiesOf(answer: HttpAnswer): string[] {
  const setCookie = answer.headers['set-cookie'] ?? [];
  return (Array.isArray(setCookie) ? setCookie : [setCookie]).map((cookie) => cookie.split(';')[0]!);
}

/** Runs a command in a pod's container (kubectl exec: apiserver → kubelet → containerd). */
export async function inPod(
  namespace: string,
  pod: string,
  command: string[],
  container?: string,
): Promise<{ code: number; output: string }> {
  return exec(
    join(inject('binDir'), 'kubectl'),
    [
      '--kubeconfig',
      inject('kubeconfig'),
      'exec',
      '-n',
      namespace,
      pod,
      ...(container ? ['-c', container] : []),
      '--',
      ...command,
    ],
    { timeout: 30_000 },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof error.code === 'number' ? error.code : 1,
      output: (error.stdout ?? '') + (error.stderr ?? ''),
    }),
  );
}

/** Fails the test at once when this machine runs no real node, saying why. */
export function requireRealNode(): void {
  const missing = inject('realNodeMissing');
  if (missing) throw new Error(`this tier needs the real node, which this machine cannot run: ${missing}`);
}

/** The engine's namespace policies (apps/api/src/adapters/kubernetes/cluster.ts): deny all, allow DNS. */
export async function engineNetworkPolicies(namespace: string): Promise<void> {
  const net = kubeConfig().makeApiClient(NetworkingV1Api);
  await net.createNamespacedNetworkPolicy({
    namespace,
    body: {
      metadata: { name: 'default-deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
  });
  await net.createNamespacedNetworkPolicy({
    namespace,
    body: {
      metadata: { name: 'allow-dns' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    },
  });
}

/**
 * Store chart values that put a store on the real node: the given chart images (values key →
 * image built here), the node's StorageClass and its scheduling.
 */
export function realNodeStoreValues(images: Record<string, string>) {
  return realNodeValues(
    Object.fromEntries(Object.entries(images).map(([key, name]) => [key, builtImage(name)])),
  );
}

/** Waits up to 3 minutes for a Ready pod matching the label selector, not being deleted. */
export async function readyPod(namespace: string, selector: string) {
  const { core } = kube();
  return waitFor(
    `a Ready pod ${selector} in ${namespace}`,
    async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
      return pods.items.find((pod) => isPodReady(pod) && !pod.metadata?.deletionTimestamp);
    },
    180_000,
    500,
  );
}

/** The node folders of a namespace's volumes, one per claim (all of them bound). */
export async function volumeFolders(namespace: string): Promise<string[]> {
  const { core } = kube();
  const folders: string[] = [];
  for (const claim of (await core.listNamespacedPersistentVolumeClaim({ namespace })).items) {
    const volume = await core.readPersistentVolume({ name: claim.spec!.volumeName! });
    folders.push(volume.spec!.local!.path);
  }
  return folders;
}

/** Waits until the node's provisioner has removed every folder (their claims deleted). */
export async function foldersRemoved(folders: string[]): Promise<void> {
  await waitFor(
    'the volumes folders to be removed',
    () => folders.every((folder) => !existsSync(folder)),
    180_000,
    1_000,
  );
}
