// Shared by the platform chart's cluster-tier tests: rendering, a namespace for a release of the
// chart, a kubeconfig that authenticates as the chart's ServiceAccount, and how a refusal reads.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { onTestFinished } from 'vitest';
import type { InCluster } from '../../../apps/api/test/support/urumi-process.ts';
import { kube, kubeConfig, statusOf, waitFor } from '../../../tools/cluster/test/kube.ts';
import { parseManifests, type Helm } from '../../test-support/support.ts';

export {
  containersOf,
  expectGolden,
  keyOf,
  parseManifests,
  podTemplateOf,
  useHelm,
} from '../../test-support/support.ts';

export const chartDir = join(import.meta.dirname, '..');
export const localValues = join(chartDir, 'values-local.yaml');
export const prodValues = join(chartDir, 'values-prod.yaml');

/** What every render must set: the chart has no default image. */
export const imageArgs = ['--set-string', 'image.repository=registry.example.com/urumi'];

/** `helm template` of the chart as objects, release `urumi` in namespace `urumi-system`. */
export async function render(helm: Helm, args: string[]): Promise<KubernetesObject[]> {
  return parseManifests(
    await helm.run(['template', 'urumi', chartDir, '--namespace', 'urumi-system', ...imageArgs, ...args]),
  );
}

/** A value of a Secret's data, decoded. */
export function secretValue(secret: KubernetesObject | undefined, key: string): string {
  const data = (secret as { data?: Record<string, string> } | undefined)?.data ?? {};
  return Buffer.from(data[key] ?? '', 'base64').toString('utf8');
}

/**
 * A namespace for one release of the chart, `urumi-system-<random>`, with a unique release name,
 * so the chart's cluster-scoped objects (ClusterRoles, admission policies) never collide with a
 * parallel test. When the test ends the release is uninstalled, whatever it left cluster-wide is
 * deleted, and the namespace goes with the Secrets the chart keeps.
 */
export async function releaseNamespace(
  helm: Helm,
  labels: Record<string, string> = {},
): Promise<{ namespace: string; release: string }> {
  const suffix = randomBytes(3).toString('hex');
  const namespace = `urumi-system-${suffix}`;
  const release = `urumi-t${suffix}`;
  const { core, rbac, kc } = kube();
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'urumi.io/test': 'true', ...labels } } },
  });
  onTestFinished(async () => {
    await helm.run(['uninstall', release, '--namespace', namespace, '--ignore-not-found']).catch(() => '');
    // In case the install failed half-way: the release's cluster-scoped objects, by their names.
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    const ignore = () => undefined;
    await rbac.deleteClusterRoleBinding({ name: `${release}-platform` }).catch(ignore);
    await rbac.deleteClusterRole({ name: `${release}-platform` }).catch(ignore);
    await rbac.deleteClusterRole({ name: `${release}-store` }).catch(ignore);
    for (const guard of ['rolebindings', 'namespaces']) {
      const name = `${release}-${guard}`;
      await admission.deleteValidatingAdmissionPolicyBinding({ name }).catch(ignore);
      await admission.deleteValidatingAdmissionPolicy({ name }).catch(ignore);
    }
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });
  await waitFor(`the default ServiceAccount in ${namespace}`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace }),
  );
  return { namespace, release };
}

/**
 * A kubeconfig file that authenticates with a fresh TokenRequest token of the given ServiceAccount
 * (and nothing else: no client certificate), against the test cluster's server and CA. Returns its
 * path and a KubeConfig loaded from it; the file is removed when the test ends.
 */
export async function serviceAccountKubeconfig(
  namespace: string,
  name: string,
): Promise<{ path: string; kc: KubeConfig; inCluster: InCluster }> {
  const { core } = kube();
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`no token was issued for ServiceAccount ${namespace}/${name}`);
  const admin = kubeConfig().getCurrentCluster();
  if (!admin) throw new Error('the admin kubeconfig has no current cluster');
  const caData = admin.caData ?? (await readFile(admin.caFile ?? '')).toString('base64');
  const server = new URL(admin.server);
  // What the kubelet gives a pod of this ServiceAccount (the test cluster serves on 127.0.0.1).
  const inCluster: InCluster = {
    host: server.hostname,
    port: server.port || '443',
    token,
    ca: Buffer.from(caData, 'base64').toString(),
    namespace,
  };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'urumi-test', server: admin.server, caData, skipTLSVerify: false }],
    users: [{ name, token }],
    contexts: [{ name, cluster: 'urumi-test', user: name }],
    currentContext: name,
  });
  const dir = await mkdtemp(join(tmpdir(), 'urumi-sa-kubeconfig-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'kubeconfig.json');
  // JSON is YAML: client-node, kubectl and helm all read it.
  await writeFile(path, kc.exportConfig(), { mode: 0o600 });
  return { path, kc, inCluster };
}

/** The HTTP status and the apiserver's message of a refused client-node call. */
export function refusal(error: unknown): { status: number | undefined; message: string } {
  const body = (error as { body?: unknown }).body;
  let message =
    typeof body === 'string' ? body : error instanceof Error ? error.message : JSON.stringify(body);
  try {
    message = (JSON.parse(message) as { message?: string }).message ?? message;
  } catch {
    // Not JSON: keep the text.
  }
  return { status: statusOf(error), message };
}
