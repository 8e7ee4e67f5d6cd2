import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  loadYaml,
  type KubernetesObject,
  type V1Container,
  type V1Deployment,
  type V1Job,
  type V1NetworkPolicy,
  type V1PodTemplateSpec,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulation } from '../../../tools/cluster/src/simulation.ts';
import { kube, testNamespace, waitFor } from '../../../tools/cluster/test/kube.ts';

const exec = promisify(execFile);
const chartDir = join(import.meta.dirname, '..');
const localValues = join(chartDir, 'values-local.yaml');
const prodValues = join(chartDir, 'values-prod.yaml');

const componentOf: Record<string, string> = {
  'ConfigMap/mariadb-config': 'database',
  'Service/mariadb': 'database',
  'Service/mariadb-headless': 'database',
  'StatefulSet/mariadb': 'database',
  'NetworkPolicy/mariadb': 'database',
  'ConfigMap/wordpress-config': 'storefront',
  'ConfigMap/wordpress-env': 'storefront',
  'PersistentVolumeClaim/wp-content': 'storefront',
  'Deployment/wordpress': 'storefront',
  'Service/wordpress': 'storefront',
  'Ingress/wordpress': 'storefront',
  'NetworkPolicy/wordpress': 'storefront',
  'ConfigMap/woocommerce-setup': 'setup',
  'ConfigMap/woocommerce-setup-env': 'setup',
  'Job/woocommerce-setup': 'setup',
  'NetworkPolicy/woocommerce-setup': 'setup',
};

let helmHome = '';
beforeAll(async () => {
  helmHome = await mkdtemp(join(tmpdir(), 'urumi-chart-helm-'));
});
afterAll(async () => {
  await rm(helmHome, { recursive: true, force: true });
});

/** Runs the pinned helm against the test cluster and returns its stdout. */
async function helm(args: string[]): Promise<string> {
  const { stdout } = await exec(
    join(inject('binDir'), 'helm'),
    [...args, '--kubeconfig', inject('kubeconfig')],
    {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(helmHome, 'cache'),
        HELM_CONFIG_HOME: join(helmHome, 'config'),
        HELM_DATA_HOME: join(helmHome, 'data'),
      },
      maxBuffer: 32 * 1024 * 1024,
    },
  );
  return stdout;
}

/** Runs helm expecting it to fail; returns its stderr. */
async function helmFailure(args: string[]): Promise<string> {
  try {
    await helm(args);
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr);
  }
  throw new Error(`expected helm ${args.join(' ')} to fail, but it succeeded`);
}

function newStoreId(): string {
  return randomBytes(6).toString('hex');
}

/** The values the engine sets per store. */
function storeValues(id: string): string[] {
  return ['--set-string', `store.id=${id}`, '--set-string', `store.host=${id}.localhost`];
}

/** `helm template` output as objects; documents holding only comments are skipped. */
async function render(args: string[]): Promise<KubernetesObject[]> {
  const output = await helm(['template', 'store-release', chartDir, '--namespace', 'store-ns', ...args]);
  return output
    .split(/^---$/m)
    .filter((document) => /^kind:/m.test(document))
    .map((document) => loadYaml<KubernetesObject>(document));
}

function keyOf(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata?.name}`;
}

function podTemplateOf(object: KubernetesObject): V1PodTemplateSpec | undefined {
  if (object.kind === 'Deployment') return (object as V1Deployment).spec?.template;
  if (object.kind === 'StatefulSet') return (object as V1StatefulSet).spec?.template;
  if (object.kind === 'Job') return (object as V1Job).spec?.template;
  return undefined;
}

function containersOf(template: V1PodTemplateSpec): V1Container[] {
  return [...(template.spec?.initContainers ?? []), ...(template.spec?.containers ?? [])];
}

function isTrue(conditions: { type: string; status: string }[] | undefined, type: string): boolean {
  return conditions?.some((condition) => condition.type === type && condition.status === 'True') ?? false;
}

/**
 * Creates what the engine prepares before helm runs: a namespace that enforces the restricted Pod
 * Security standard and a quota (so containers without requests and limits are refused), and the
 * two credential Secrets with random values. Returns the namespace and every secret value.
 */
async function prepareStoreNamespace(prefix: string): Promise<{ namespace: string; secretValues: string[] }> {
  const { core } = kube();
  const namespace = await testNamespace(prefix, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  await core.createNamespacedResourceQuota({
    namespace,
    body: {
      metadata: { name: 'store' },
      spec: {
        hard: {
          'requests.cpu': '2',
          'requests.memory': '4Gi',
          'limits.cpu': '4',
          'limits.memory': '8Gi',
          persistentvolumeclaims: '4',
        },
      },
    },
  });
  const secret = () => randomBytes(24).toString('base64url');
  const database = { 'root-password': secret(), password: secret() };
  const wordpressKeys = [
    'admin-password',
    'auth-key',
    'secure-auth-key',
    'logged-in-key',
    'nonce-key',
    'auth-salt',
    'secure-auth-salt',
    'logged-in-salt',
    'nonce-salt',
  ];
  const wordpress = Object.fromEntries(wordpressKeys.map((key) => [key, secret()]));
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'mariadb-credentials' }, stringData: database },
  });
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'wordpress-credentials' }, stringData: wordpress },
  });
  return { namespace, secretValues: [...Object.values(database), ...Object.values(wordpress)] };
}

/** The engine's readiness checks, by the chart's fixed names. */
async function waitForStore(namespace: string): Promise<void> {
  const { apps, batch, core } = kube();
  await waitFor('StatefulSet mariadb to have 1 ready replica', async () => {
    const statefulSet = await apps.readNamespacedStatefulSet({ name: 'mariadb', namespace });
    return statefulSet.status?.readyReplicas === 1;
  });
  await waitFor('Deployment wordpress to be Available', async () => {
    const deployment = await apps.readNamespacedDeployment({ name: 'wordpress', namespace });
    return deployment.status?.availableReplicas === 1 && isTrue(deployment.status.conditions, 'Available');
  });
  await waitFor('Job woocommerce-setup to be Complete', async () => {
    const job = await batch.readNamespacedJob({ name: 'woocommerce-setup', namespace });
    return isTrue(job.status?.conditions, 'Complete');
  });
  for (const claim of ['data-mariadb-0', 'wp-content']) {
    await waitFor(`PVC ${claim} to be Bound`, async () => {
      const pvc = await core.readNamespacedPersistentVolumeClaim({ name: claim, namespace });
      return pvc.status?.phase === 'Bound';
    });
  }
}

describe('charts/store-woocommerce', () => {
  it('passes helm lint --strict with the local and the production values', async () => {
    const id = newStoreId();
    for (const values of [localValues, prodValues]) {
      const output = await helm(['lint', '--strict', chartDir, '--values', values, ...storeValues(id)]);
      expect(output).toContain('0 chart(s) failed');
    }
  });

  it('refuses to render without a valid store id or host, saying which value is wrong', async () => {
    expect(
      await helmFailure(['template', 'store-x', chartDir, '--set-string', 'store.host=a.localhost']),
    ).toContain('store.id is required');
    expect(await helmFailure(['template', 'store-x', chartDir, ...storeValues('0123456789AB')])).toContain(
      'must be exactly 12 lowercase hex characters',
    );
    expect(
      await helmFailure(['template', 'store-x', chartDir, '--set-string', 'store.id=0123456789ab']),
    ).toContain('store.host is required');
  });

  it('renders the fixed names, the Urumi labels, pinned images, hardened containers and no Secret', async () => {
    const id = newStoreId();
    const objects = await render(['--values', localValues, ...storeValues(id)]);

    expect(objects.map(keyOf).sort()).toEqual(Object.keys(componentOf).sort());
    expect(objects.map((object) => object.kind)).not.toContain('Secret');

    const common = {
      'app.kubernetes.io/name': 'store-woocommerce',
      'app.kubernetes.io/instance': 'store-release',
      'app.kubernetes.io/part-of': 'urumi',
      'app.kubernetes.io/managed-by': 'Helm',
      'urumi.io/store-id': id,
    };
    for (const object of objects) {
      const component = componentOf[keyOf(object)];
      expect(object.metadata?.labels, keyOf(object)).toEqual(
        expect.objectContaining({ ...common, 'app.kubernetes.io/component': component }),
      );
      const template = podTemplateOf(object);
      if (!template) continue;
      expect(template.metadata?.labels, `${keyOf(object)} pod template`).toEqual(
        expect.objectContaining({ ...common, 'app.kubernetes.io/component': component }),
      );
      expect(template.spec?.automountServiceAccountToken).toBe(false);
      expect(template.spec?.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const volume of template.spec?.volumes ?? []) {
        if (volume.secret) {
          expect(['mariadb-credentials', 'wordpress-credentials']).toContain(volume.secret.secretName);
        }
      }
      for (const container of containersOf(template)) {
        const where = `${keyOf(object)} container ${container.name}`;
        expect(container.image, where).toMatch(/^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
        for (const bound of ['requests', 'limits'] as const) {
          for (const resource of ['cpu', 'memory']) {
            expect(container.resources?.[bound]?.[resource], `${where} ${bound}.${resource}`).toBeTruthy();
          }
        }
        expect(container.securityContext, where).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        // Secrets reach containers only by reference to the engine's Secrets.
        for (const variable of container.env ?? []) {
          if (/(PASSWORD|_KEY|_SALT)$/.test(variable.name)) {
            expect(variable.value, `${where} ${variable.name}`).toBeUndefined();
            expect(['mariadb-credentials', 'wordpress-credentials']).toContain(
              variable.valueFrom?.secretKeyRef?.name,
            );
          }
        }
      }
    }

    const statefulSet = objects.find((o) => keyOf(o) === 'StatefulSet/mariadb') as V1StatefulSet;
    expect(statefulSet.spec?.volumeClaimTemplates?.map((claim) => claim.metadata?.name)).toEqual(['data']);
    const job = objects.find((o) => keyOf(o) === 'Job/woocommerce-setup') as V1Job;
    expect(Object.keys(job.metadata?.annotations ?? {})).not.toContain('helm.sh/hook');
    const ingress = objects.find((o) => keyOf(o) === 'Ingress/wordpress');
    expect(ingress).toMatchObject({ spec: { rules: [{ host: `${id}.localhost` }] } });
  });

  it('serves the store over https at its host with the production values', async () => {
    const id = newStoreId();
    const objects = await render(['--values', prodValues, ...storeValues(id)]);
    expect(objects.find((o) => keyOf(o) === 'Ingress/wordpress')).toMatchObject({
      spec: { tls: [{ hosts: [`${id}.localhost`], secretName: 'wordpress-tls' }] },
    });
    expect(objects.find((o) => keyOf(o) === 'ConfigMap/wordpress-env')).toMatchObject({
      data: { WP_HOME: `https://${id}.localhost` },
    });
  });

  it('opens only the documented network paths, internet egress only while allowInternetEgress is on', async () => {
    const id = newStoreId();
    const policies = async (args: string[]) => {
      const objects = await render([...storeValues(id), ...args]);
      const found = objects.filter((o) => o.kind === 'NetworkPolicy') as V1NetworkPolicy[];
      return Object.fromEntries(found.map((policy) => [policy.metadata?.name ?? '', policy.spec]));
    };
    const selector = (name: string) => ({
      matchLabels: expect.objectContaining({ 'app.kubernetes.io/component': name }) as unknown,
    });
    const component = (name: string) => ({ podSelector: selector(name) });
    const dns = {
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    };
    const toDatabase = { to: [component('database')], ports: [{ port: 3306, protocol: 'TCP' }] };
    const toInternet = {
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
    };

    const open = await policies([]);
    expect(Object.keys(open).sort()).toEqual(['mariadb', 'woocommerce-setup', 'wordpress']);
    expect(open.mariadb).toMatchObject({
      podSelector: selector('database'),
      policyTypes: ['Ingress', 'Egress'],
      // client-node names the `from` field `_from`.
      ingress: [{ _from: [component('storefront'), component('setup')], ports: [{ port: 3306 }] }],
      egress: [dns],
    });
    expect(open.wordpress?.ingress).toEqual([{ ports: [{ port: 80, protocol: 'TCP' }] }]);
    expect(open.wordpress?.egress).toEqual([dns, toDatabase, toInternet]);
    expect(open['woocommerce-setup']).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    expect(open['woocommerce-setup']?.ingress ?? []).toEqual([]);
    expect(open['woocommerce-setup']?.egress).toEqual([dns, toDatabase, toInternet]);

    const closed = await policies(['--set', 'networkPolicy.allowInternetEgress=false']);
    expect(closed.wordpress?.egress).toEqual([dns, toDatabase]);
    expect(closed['woocommerce-setup']?.egress).toEqual([dns, toDatabase]);

    expect(await policies(['--set', 'networkPolicy.enabled=false'])).toEqual({});
  });

  it('installs without --wait under restricted Pod Security and a quota, becomes ready, and keeps secrets out of helm', async () => {
    const { namespace, secretValues } = await prepareStoreNamespace('woo');
    const id = newStoreId();
    const install = ['upgrade', '--install', `store-${id}`, chartDir, '--namespace', namespace];
    await helm([...install, '--values', localValues, ...storeValues(id)]);

    await waitForStore(namespace);

    const values = await helm(['get', 'values', `store-${id}`, '--namespace', namespace, '--all']);
    const manifest = await helm(['get', 'manifest', `store-${id}`, '--namespace', namespace]);
    expect(values).toContain(id);
    for (const secret of secretValues) {
      expect(values).not.toContain(secret);
      expect(manifest).not.toContain(secret);
    }

    // The engine re-runs the same command, with changed store settings: the setup Job's pod
    // template (immutable) must not change, or the upgrade would fail.
    await helm([
      ...install,
      '--values',
      localValues,
      ...storeValues(id),
      '--set-string',
      'store.name=Renamed Store',
      '--set-string',
      'woocommerce.currency=EUR',
    ]);
    const releases = JSON.parse(await helm(['list', '--namespace', namespace, '--output', 'json'])) as {
      status: string;
      revision: string;
    }[];
    expect(releases).toMatchObject([{ status: 'deployed', revision: '2' }]);
    await waitForStore(namespace);
  });

  it('reports a failing setup as Job woocommerce-setup Failed', async () => {
    const { namespace } = await prepareStoreNamespace('woo-fail');
    const id = newStoreId();
    const annotation = `setup.podAnnotations.${simulation.jobFailure.replaceAll('.', '\\.')}`;
    await helm([
      'upgrade',
      '--install',
      `store-${id}`,
      chartDir,
      '--namespace',
      namespace,
      '--values',
      localValues,
      ...storeValues(id),
      '--set',
      `${annotation}=true`,
      '--set',
      'setup.backoffLimit=0',
    ]);

    const { batch } = kube();
    const job = await waitFor('Job woocommerce-setup to fail', async () => {
      const current = await batch.readNamespacedJob({ name: 'woocommerce-setup', namespace });
      return isTrue(current.status?.conditions, 'Failed') ? current : undefined;
    });
    expect(job.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
    expect(isTrue(job.status?.conditions, 'Complete')).toBe(false);
  });
});
