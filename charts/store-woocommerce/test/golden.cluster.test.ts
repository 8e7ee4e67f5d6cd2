import { join } from 'node:path';
import type {
  CoreV1Event,
  KubernetesObject,
  V1Ingress,
  V1NetworkPolicy,
  V1Pod,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kube, rejectionOf, waitFor } from '../../../tools/cluster/test/kube.ts';
import {
  chartDir,
  expectGolden,
  keyOf,
  parseManifests,
  podTemplateOf,
  prepareStoreNamespace,
  useHelm,
  waitForStore,
} from './support.ts';

// Golden renders: each case is the engine's per-store values file (golden/<case>.values.yaml) on top
// of the profile the engine would add (values-<profile>.yaml), rendered as
//   helm template store-0123456789ab charts/store-woocommerce --namespace store-0123456789ab \
//     -f charts/store-woocommerce/values-<profile>.yaml -f golden/<case>.values.yaml
// and compared with the committed golden/<case>.yaml. After an intended change, regenerate them with
//   UPDATE_GOLDEN=1 npx vitest run --project cluster charts/store-woocommerce/test/golden
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

const cases: GoldenCase[] = [
  {
    name: 'local',
    profile: 'local',
    check: (objects) => {
      const ingress = find<V1Ingress>(objects, 'Ingress/wordpress');
      expect(ingress?.spec?.tls).toBeUndefined();
      expect(ingress?.spec?.rules?.[0]?.host).toBe('0123456789ab.localhost');
    },
  },
  {
    name: 'prod',
    profile: 'prod',
    check: (objects) => {
      const ingress = find<V1Ingress>(objects, 'Ingress/wordpress');
      expect(ingress?.spec?.ingressClassName).toBe('nginx');
      expect(ingress?.metadata?.annotations).toMatchObject({
        'cert-manager.io/cluster-issuer': 'letsencrypt',
      });
      expect(ingress?.spec?.tls).toEqual([
        { hosts: ['0123456789ab.shops.example.com'], secretName: 'wordpress-tls' },
      ]);
      const wordpress = find<V1NetworkPolicy>(objects, 'NetworkPolicy/wordpress');
      expect(wordpress?.spec?.ingress?.[0]?._from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ]);
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
      const ingress = find<V1Ingress>(objects, 'Ingress/wordpress');
      expect(ingress?.spec?.tls).toEqual([
        { hosts: ['0123456789ab.shops.example.com'], secretName: 'wildcard-shops-example-com' },
      ]);
      expect(
        Object.keys(ingress?.metadata?.annotations ?? {}).filter((key) => key.startsWith('cert-manager.io/')),
      ).toEqual([]);
      expect(find(objects, 'ConfigMap/wordpress-env')).toMatchObject({
        data: { WP_HOME: 'https://0123456789ab.shops.example.com' },
      });
    },
  },
  {
    name: 'internet-egress-off',
    profile: 'local',
    check: (objects) => {
      const policies = networkPolicies(objects);
      expect(policies.map((policy) => policy.metadata?.name).sort()).toEqual([
        'mariadb',
        'woocommerce-setup',
        'wordpress',
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

describe('charts/store-woocommerce golden renders', () => {
  it.each(cases)('renders case $name exactly as the committed golden/$name.yaml', async (golden) => {
    const output = await helm.run([
      'template',
      release,
      chartDir,
      '--namespace',
      release,
      ...valuesArgs(golden),
    ]);
    golden.check(parseManifests(output));

    await expectGolden(join(goldenDir, `${golden.name}.yaml`), output);
  });

  it.each(cases)('passes helm lint --strict with case $name', async (golden) => {
    const output = await helm.run(['lint', '--strict', chartDir, ...valuesArgs(golden)]);
    expect(output).toContain('1 chart(s) linted, 0 chart(s) failed');
  });
});

describe('charts/store-woocommerce on the test cluster, per golden case', () => {
  it('admits every pod of every case under restricted Pod Security and the engine quota (server-side dry run)', async () => {
    const { core } = kube();
    const { namespace } = await prepareStoreNamespace('woo-psa');

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
      const output = await helm.run([
        'template',
        release,
        chartDir,
        '--namespace',
        release,
        ...valuesArgs(golden),
      ]);
      const workloads = parseManifests(output).filter((object) => podTemplateOf(object));
      expect(workloads.map(keyOf).sort()).toEqual([
        'Deployment/wordpress',
        'Job/woocommerce-setup',
        'StatefulSet/mariadb',
      ]);
      for (const workload of workloads) {
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
        const pod: V1Pod = {
          metadata: { name: `${workload.metadata?.name}-dry-run`, labels: template?.metadata?.labels },
          spec,
        };
        await core.createNamespacedPod({ namespace, body: pod, dryRun: 'All' }).catch((error: unknown) => {
          const body = (error as { body?: unknown }).body;
          throw new Error(`case ${golden.name}: ${keyOf(workload)}'s pod was refused: ${String(body)}`);
        });
      }
    }
  });

  it.each(cases)(
    'installs case $name under restricted Pod Security and the engine quota, and becomes ready',
    async (golden) => {
      const { namespace } = await prepareStoreNamespace(`woo-${golden.name}`);
      await helm.run([
        'upgrade',
        '--install',
        release,
        chartDir,
        '--namespace',
        namespace,
        ...valuesArgs(golden),
      ]);
      await waitForStore(namespace);

      // Every component's pod was created by its controller (admission refused none of them).
      const { core } = kube();
      const pods = await waitFor('one pod per component', async () => {
        const list = await core.listNamespacedPod({ namespace });
        const components = new Set(
          list.items.map((pod) => pod.metadata?.labels?.['app.kubernetes.io/component']),
        );
        return components.size === 3 ? list.items : undefined;
      });
      expect(new Set(pods.map((pod) => pod.metadata?.labels?.['app.kubernetes.io/component']))).toEqual(
        new Set(['database', 'storefront', 'setup']),
      );
      const events = await core.listNamespacedEvent({ namespace });
      const refusals = events.items.filter((event: CoreV1Event) => event.reason === 'FailedCreate');
      expect(refusals.map((event) => event.message)).toEqual([]);
    },
  );
});
