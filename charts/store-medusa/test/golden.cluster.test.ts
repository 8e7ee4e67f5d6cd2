import { join } from 'node:path';
import type {
  CoreV1Event,
  KubernetesObject,
  V1ConfigMap,
  V1Ingress,
  V1NetworkPolicy,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kube, rejectionOf, waitFor } from '../../../tools/cluster/test/kube.ts';
import {
  expectGolden,
  expectPodsAdmitted,
  keyOf,
  parseManifests,
  podTemplateOf,
  useHelm,
} from '../../store-woocommerce/test/support.ts';
import { chartDir, prepareMedusaNamespace, waitForMedusaStore } from './support.ts';

// Golden renders: each case is the engine's per-store values file (golden/<case>.values.yaml) on top
// of the profile the engine would add (values-<profile>.yaml), rendered as
//   helm template store-0123456789ab charts/store-medusa --namespace store-0123456789ab \
//     -f charts/store-medusa/values-<profile>.yaml -f golden/<case>.values.yaml
// and compared with the committed golden/<case>.yaml. After an intended change, regenerate them with
//   UPDATE_GOLDEN=1 npx vitest run --project cluster charts/store-medusa/test/golden
// and review the diff like code.

const goldenDir = join(import.meta.dirname, 'golden');
const release = 'store-0123456789ab';

interface GoldenCase {
  name: string;
  profile: 'local' | 'prod';
  /** What the case exists to show, checked on the rendered objects (not only through the golden file). */
  check: (objects: KubernetesObject[]) => void;
}

const find = <T extends KubernetesObject>(objects: KubernetesObject[], key: string) =>
  objects.find((object) => keyOf(object) === key) as T | undefined;
const networkPolicies = (objects: KubernetesObject[]) =>
  objects.filter((object) => object.kind === 'NetworkPolicy') as V1NetworkPolicy[];
const hasInternetEgress = (policy: V1NetworkPolicy) =>
  (policy.spec?.egress ?? []).some((rule) => rule.to?.some((peer) => peer.ipBlock?.cidr === '0.0.0.0/0'));
const medusaEnv = (objects: KubernetesObject[]) => find<V1ConfigMap>(objects, 'ConfigMap/medusa-env')?.data;

const cases: GoldenCase[] = [
  {
    name: 'local',
    profile: 'local',
    check: (objects) => {
      const ingress = find<V1Ingress>(objects, 'Ingress/medusa');
      expect(ingress?.spec?.tls).toBeUndefined();
      expect(ingress?.spec?.rules?.[0]?.host).toBe('0123456789ab.localhost');
      expect(medusaEnv(objects)).toMatchObject({
        MEDUSA_BACKEND_URL: 'http://0123456789ab.localhost',
        STORE_CORS: 'http://0123456789ab.localhost',
        STORE_NAME: 'corner-shop',
      });
      expect(find(objects, 'ConfigMap/medusa-admin-env')).toMatchObject({
        data: { ADMIN_EMAIL: 'owner@example.com' },
      });
    },
  },
  {
    name: 'prod',
    profile: 'prod',
    check: (objects) => {
      const ingress = find<V1Ingress>(objects, 'Ingress/medusa');
      expect(ingress?.spec?.ingressClassName).toBe('nginx');
      expect(ingress?.metadata?.annotations).toMatchObject({
        'cert-manager.io/cluster-issuer': 'letsencrypt',
      });
      expect(ingress?.spec?.tls).toEqual([
        { hosts: ['0123456789ab.shops.example.com'], secretName: 'medusa-tls' },
      ]);
      const server = find<V1NetworkPolicy>(objects, 'NetworkPolicy/medusa-server');
      expect(server?.spec?.ingress?.[0]?._from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ]);
      const url = 'https://0123456789ab.shops.example.com';
      expect(medusaEnv(objects)).toMatchObject({
        MEDUSA_BACKEND_URL: url,
        STORE_CORS: `${url},https://corner-shop.example.com`,
        ADMIN_CORS: url,
        AUTH_CORS: `${url},https://corner-shop.example.com`,
      });
    },
  },
  {
    name: 'no-networkpolicy',
    profile: 'local',
    check: (objects) => expect(networkPolicies(objects)).toEqual([]),
  },
  {
    name: 'tls-existing-secret',
    profile: 'local',
    check: (objects) => {
      const ingress = find<V1Ingress>(objects, 'Ingress/medusa');
      expect(ingress?.spec?.tls).toEqual([
        { hosts: ['0123456789ab.shops.example.com'], secretName: 'wildcard-shops-example-com' },
      ]);
      expect(
        Object.keys(ingress?.metadata?.annotations ?? {}).filter((key) => key.startsWith('cert-manager.io/')),
      ).toEqual([]);
      expect(medusaEnv(objects)).toMatchObject({
        MEDUSA_BACKEND_URL: 'https://0123456789ab.shops.example.com',
        ADMIN_CORS: 'https://0123456789ab.shops.example.com',
      });
    },
  },
  {
    name: 'internet-egress-off',
    profile: 'local',
    check: (objects) => {
      const policies = networkPolicies(objects);
      expect(policies.map((policy) => policy.metadata?.name).sort()).toEqual([
        'medusa-admin',
        'medusa-migrations',
        'medusa-server',
        'medusa-worker',
        'postgres',
        'redis',
      ]);
      expect(policies.filter(hasInternetEgress)).toEqual([]);
    },
  },
];

function valuesArgs(golden: GoldenCase): string[] {
  return [
    '--values',
    join(chartDir, `values-${golden.profile}.yaml`),
    '--values',
    join(goldenDir, `${golden.name}.values.yaml`),
  ];
}

const helm = useHelm();
const renderCase = async (golden: GoldenCase) =>
  helm.run(['template', release, chartDir, '--namespace', release, ...valuesArgs(golden)]);

describe('charts/store-medusa golden renders', () => {
  it.each(cases)('renders case $name exactly as the committed golden/$name.yaml', async (golden) => {
    const output = await renderCase(golden);
    golden.check(parseManifests(output));

    await expectGolden(join(goldenDir, `${golden.name}.yaml`), output);
  });

  it.each(cases)('passes helm lint --strict with case $name', async (golden) => {
    const output = await helm.run(['lint', '--strict', chartDir, ...valuesArgs(golden)]);
    expect(output).toContain('1 chart(s) linted, 0 chart(s) failed');
  });
});

describe('charts/store-medusa on the test cluster, per golden case', () => {
  it('admits every pod of every case under restricted Pod Security and the engine quota (server-side dry run)', async () => {
    const { core } = kube();
    const { namespace } = await prepareMedusaNamespace('medusa-psa');

    // The control: this namespace really refuses a pod that only meets baseline.
    const baselineOnly = {
      metadata: { name: 'baseline-only' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'registry.example/urumi/test:1',
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '10m', memory: '16Mi' } },
          },
        ],
      },
    };
    const refusal = await rejectionOf(
      core.createNamespacedPod({ namespace, body: baselineOnly, dryRun: 'All' }),
    );
    const status = JSON.parse(String((refusal as { body?: unknown }).body)) as { message?: string };
    expect(status.message).toContain('violates PodSecurity "restricted:latest"');

    for (const golden of cases) {
      const objects = parseManifests(await renderCase(golden));
      expect(
        objects
          .filter((object) => podTemplateOf(object))
          .map(keyOf)
          .sort(),
      ).toEqual([
        'Deployment/medusa-server',
        'Deployment/medusa-worker',
        'Job/medusa-admin',
        'Job/medusa-migrations',
        'StatefulSet/postgres',
        'StatefulSet/redis',
      ]);
      await expectPodsAdmitted(namespace, objects, `case ${golden.name}`);
    }
  });

  it.each(cases)(
    'installs case $name under restricted Pod Security and the engine quota, and becomes ready',
    async (golden) => {
      const { namespace } = await prepareMedusaNamespace(`medusa-${golden.name}`);
      await helm.run([
        'upgrade',
        '--install',
        release,
        chartDir,
        '--namespace',
        namespace,
        ...valuesArgs(golden),
      ]);
      await waitForMedusaStore(namespace);

      // Every component's pod was created by its controller (admission refused none of them).
      const { core } = kube();
      const components = ['database', 'cache', 'migrations', 'admin', 'server', 'worker'];
      const pods = await waitFor('one pod per component', async () => {
        const list = await core.listNamespacedPod({ namespace });
        const found = new Set(list.items.map((pod) => pod.metadata?.labels?.['app.kubernetes.io/component']));
        return found.size === components.length ? list.items : undefined;
      });
      expect(new Set(pods.map((pod) => pod.metadata?.labels?.['app.kubernetes.io/component']))).toEqual(
        new Set(components),
      );
      const events = await core.listNamespacedEvent({ namespace });
      const refusals = events.items.filter((event: CoreV1Event) => event.reason === 'FailedCreate');
      expect(refusals.map((event) => event.message)).toEqual([]);
    },
  );
});
