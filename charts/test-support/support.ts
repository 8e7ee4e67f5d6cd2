// Shared by every chart's cluster-tier tests: the pinned helm, rendered manifests and golden files,
// the namespace the engine prepares for a store, and what admission makes of a chart's pods.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  loadYaml,
  type KubernetesObject,
  type V1Container,
  type V1Deployment,
  type V1Ingress,
  type V1Job,
  type V1NetworkPolicy,
  type V1NetworkPolicySpec,
  type V1PodTemplateSpec,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, inject, onTestFinished } from 'vitest';
import type { StoreTypeDefinition } from '../../apps/api/src/domain/store-type.ts';
import { kube, testNamespace } from '../../tools/cluster/test/kube.ts';
import { engineNetworkPolicies, realNodeStoreValues } from '../../tools/cluster/test/real-node.ts';

const exec = promisify(execFile);

export interface Helm {
  /** Runs the pinned helm against the test cluster and returns its stdout. */
  run: (args: string[]) => Promise<string>;
  /** Runs helm expecting it to fail; returns its stdout and stderr (helm lint reports on stdout). */
  failure: (args: string[]) => Promise<string>;
}

/**
 * The pinned helm (from the cluster tier's binDir) with private cache/config/data folders, created
 * before the file's tests and removed after them. Call once at the top of a test file.
 */
export function useHelm(): Helm {
  let home = '';
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'urumi-chart-helm-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });
  const run = async (args: string[]): Promise<string> => {
    const { stdout } = await exec(
      join(inject('binDir'), 'helm'),
      [...args, '--kubeconfig', inject('kubeconfig')],
      {
        env: {
          ...process.env,
          HELM_CACHE_HOME: join(home, 'cache'),
          HELM_CONFIG_HOME: join(home, 'config'),
          HELM_DATA_HOME: join(home, 'data'),
        },
        maxBuffer: 32 * 1024 * 1024,
      },
    );
    return stdout;
  };
  const failure = async (args: string[]): Promise<string> => {
    try {
      await run(args);
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: unknown; stderr?: unknown };
      return `${String(stdout)}\n${String(stderr)}`;
    }
    throw new Error(`expected helm ${args.join(' ')} to fail, but it succeeded`);
  };
  return { run, failure };
}

/** Splits `helm template` output into objects; documents holding only comments are skipped. */
export function parseManifests(output: string): KubernetesObject[] {
  return output
    .split(/^---$/m)
    .filter((document) => /^kind:/m.test(document))
    .map((document) => loadYaml<KubernetesObject>(document));
}

/** `helm template` of a store chart as objects, release `store-release` in namespace `store-ns`. */
export async function renderStore(helm: Helm, chartDir: string, args: string[]): Promise<KubernetesObject[]> {
  return parseManifests(
    await helm.run(['template', 'store-release', chartDir, '--namespace', 'store-ns', ...args]),
  );
}

export function keyOf(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata?.name}`;
}

/** The object whose keyOf is `key`, if the render has one. */
export function findObject<T extends KubernetesObject>(
  objects: KubernetesObject[],
  key: string,
): T | undefined {
  return objects.find((object) => keyOf(object) === key) as T | undefined;
}

export function podTemplateOf(object: KubernetesObject): V1PodTemplateSpec | undefined {
  if (object.kind === 'Deployment') return (object as V1Deployment).spec?.template;
  if (object.kind === 'StatefulSet') return (object as V1StatefulSet).spec?.template;
  if (object.kind === 'Job') return (object as V1Job).spec?.template;
  return undefined;
}

export function containersOf(template: V1PodTemplateSpec): V1Container[] {
  return [...(template.spec?.initContainers ?? []), ...(template.spec?.containers ?? [])];
}

export function isTrue(conditions: { type: string; status: string }[] | undefined, type: string): boolean {
  return conditions?.some((condition) => condition.type === type && condition.status === 'True') ?? false;
}

/** A fresh store id, as the engine makes them: 12 lowercase hex digits. */
export function newStoreId(): string {
  return randomBytes(6).toString('hex');
}

/** The values the engine sets per store, as helm arguments (host `<id>.localhost`). */
export function storeValues(id: string): string[] {
  return ['--set-string', `store.id=${id}`, '--set-string', `store.host=${id}.localhost`];
}

export function networkPolicies(objects: KubernetesObject[]): V1NetworkPolicy[] {
  return objects.filter((object) => object.kind === 'NetworkPolicy');
}

/** A render's NetworkPolicy specs by policy name. */
export function policySpecsByName(
  objects: KubernetesObject[],
): Record<string, V1NetworkPolicySpec | undefined> {
  return Object.fromEntries(
    networkPolicies(objects).map((policy) => [policy.metadata?.name ?? '', policy.spec]),
  );
}

export function hasInternetEgress(policy: V1NetworkPolicy): boolean {
  return (policy.spec?.egress ?? []).some((rule) =>
    rule.to?.some((peer) => peer.ipBlock?.cidr === '0.0.0.0/0'),
  );
}

/** A render's Ingress as the prod profile writes it: class nginx, a certificate cert-manager issues. */
export function expectIssuedTls(ingress: V1Ingress | undefined, host: string, secretName: string): void {
  expect(ingress?.spec?.ingressClassName).toBe('nginx');
  expect(ingress?.metadata?.annotations).toMatchObject({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
  expect(ingress?.spec?.tls).toEqual([{ hosts: [host], secretName }]);
}

/** A render's Ingress serving an existing certificate Secret, with cert-manager left out. */
export function expectExistingTls(ingress: V1Ingress | undefined, host: string, secretName: string): void {
  expect(ingress?.spec?.tls).toEqual([{ hosts: [host], secretName }]);
  expect(
    Object.keys(ingress?.metadata?.annotations ?? {}).filter((key) => key.startsWith('cert-manager.io/')),
  ).toEqual([]);
}

/** A render has exactly the NetworkPolicies `names` (sorted), and none lets a pod reach the internet. */
export function expectNoInternetEgress(objects: KubernetesObject[], names: string[]): void {
  const policies = networkPolicies(objects);
  expect(policies.map((policy) => policy.metadata?.name).sort()).toEqual(names);
  expect(policies.filter(hasInternetEgress)).toEqual([]);
}

/** Helm arguments that a chart's values schema must refuse, and what the refusal says. */
export interface RefusedValue {
  args: string[];
  error: string;
}

/**
 * Expects `helm template` (as `release`) and `helm lint --strict` alike to refuse each case's
 * arguments on top of `values`, both saying the case's error.
 */
export async function expectRefusedByTemplateAndLint(
  helm: Helm,
  chartDir: string,
  release: string,
  values: string[],
  cases: RefusedValue[],
): Promise<void> {
  for (const { args, error } of cases) {
    const all = [...values, ...args];
    expect(await helm.failure(['template', release, chartDir, ...all]), args.join(' ')).toContain(error);
    const lint = await helm.failure(['lint', '--strict', chartDir, ...all]);
    expect(lint, args.join(' ')).toContain(error);
    expect(lint).toContain('1 chart(s) failed');
  }
}

/**
 * Matchers for the network paths every store chart writes the same way: a peer selected by its
 * `app.kubernetes.io/component` label, DNS egress, and internet egress (http and https, private and
 * link-local ranges excepted).
 */
export const networkPaths = {
  selector: (name: string) => ({
    matchLabels: expect.objectContaining({ 'app.kubernetes.io/component': name }) as unknown,
  }),
  component: (name: string) => ({ podSelector: networkPaths.selector(name) }),
  dns: {
    ports: [
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ],
  },
  toInternet: {
    to: expect.arrayContaining([
      {
        ipBlock: {
          cidr: '0.0.0.0/0',
          except: expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16']) as unknown,
        },
      },
    ]) as unknown,
    ports: [
      { port: 80, protocol: 'TCP' },
      { port: 443, protocol: 'TCP' },
    ],
  },
};

/**
 * Creates what the engine prepares before helm runs, but stricter: a namespace that enforces (and
 * warns about) the restricted Pod Security standard, the engine's own ResourceQuota and LimitRange
 * for the store type (so a chart that outgrows them fails here), and the store type's credential
 * Secrets with random values. Returns the namespace and every secret value.
 */
export async function prepareStoreNamespace(
  prefix: string,
  storeType: Pick<StoreTypeDefinition, 'guardrails' | 'secrets'>,
): Promise<{ namespace: string; secretValues: string[] }> {
  const { core } = kube();
  const namespace = await testNamespace(prefix, {
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/warn': 'restricted',
  });
  const { quota, containerDefaults } = storeType.guardrails;
  await core.createNamespacedResourceQuota({
    namespace,
    body: { metadata: { name: 'store-quota' }, spec: { hard: quota } },
  });
  await core.createNamespacedLimitRange({
    namespace,
    body: {
      metadata: { name: 'store-limits' },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: containerDefaults.request,
            _default: containerDefaults.limit,
            max: containerDefaults.max,
          },
        ],
      },
    },
  });
  const secretValues: string[] = [];
  for (const { name, keys } of storeType.secrets) {
    const stringData = Object.fromEntries(keys.map((key) => [key, randomBytes(24).toString('base64url')]));
    secretValues.push(...Object.values(stringData));
    await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
  }
  return { namespace, secretValues };
}

/**
 * Compares a render with its committed golden file, or rewrites the file when UPDATE_GOLDEN=1
 * (then review the diff before committing it).
 */
export async function expectGolden(file: string, actual: string): Promise<void> {
  if (process.env.UPDATE_GOLDEN === '1') {
    await writeFile(file, actual);
    return;
  }
  const expected = await readFile(file, 'utf8').catch(() => {
    throw new Error(`${file} is missing: create it with UPDATE_GOLDEN=1 and review it`);
  });
  expect(actual, `${file} is stale: rerun with UPDATE_GOLDEN=1 and review the diff`).toBe(expected);
}

/**
 * Submits each workload's pod template in `objects` as a server-side dry-run pod to `namespace`
 * (prepared by prepareStoreNamespace: restricted Pod Security, the engine's quota), as its controller
 * would create it; throws naming the workload and `label` when admission refuses one.
 */
export async function expectPodsAdmitted(
  namespace: string,
  objects: KubernetesObject[],
  label: string,
): Promise<void> {
  const { core } = kube();
  for (const workload of objects.filter((object) => podTemplateOf(object))) {
    const template = podTemplateOf(workload);
    const spec = structuredClone(template?.spec ?? { containers: [] });
    // As the StatefulSet controller does: each claim template becomes the pod's PVC volume.
    for (const claim of (workload as V1StatefulSet).spec?.volumeClaimTemplates ?? []) {
      const name = claim.metadata?.name ?? '';
      spec.volumes = [
        ...(spec.volumes ?? []),
        { name, persistentVolumeClaim: { claimName: `${name}-${workload.metadata?.name}-0` } },
      ];
    }
    const body = {
      metadata: { name: `${workload.metadata?.name}-dry-run`, labels: template?.metadata?.labels },
      spec,
    };
    await core.createNamespacedPod({ namespace, body, dryRun: 'All' }).catch((error: unknown) => {
      const detail = (error as { body?: unknown }).body;
      throw new Error(`${label}: ${keyOf(workload)}'s pod was refused: ${String(detail)}`);
    });
  }
}

/**
 * A store of `storeType` on the real node, up to its release: a namespace prepared as the engine
 * prepares it (prepareStoreNamespace and the engine's network policies), a new store id and its
 * `<id>.localhost` host, and a values file in a folder of the test's own with the store's id and
 * host, the given images built here (chart values key → image name, see realNodeStoreValues) and
 * `store` settings. The folder goes when the test ends.
 */
export async function prepareRealNodeStore(
  prefix: string,
  storeType: Pick<StoreTypeDefinition, 'guardrails' | 'secrets'>,
  images: Record<string, string>,
  store: Record<string, string> = {},
): Promise<{ namespace: string; storeId: string; host: string; valuesFile: string; dir: string }> {
  const { namespace } = await prepareStoreNamespace(prefix, storeType);
  await engineNetworkPolicies(namespace);
  const storeId = randomBytes(6).toString('hex');
  const host = `${storeId}.localhost`;
  const dir = await mkdtemp(join(tmpdir(), `urumi-${prefix}-`));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const valuesFile = join(dir, 'values.json');
  await writeFile(
    valuesFile,
    JSON.stringify({ store: { id: storeId, host, ...store }, ...realNodeStoreValues(images) }),
  );
  return { namespace, storeId, host, valuesFile, dir };
}
