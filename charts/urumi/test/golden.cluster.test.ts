import { join } from 'node:path';
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Ingress,
  V1NetworkPolicy,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { chartDir, expectGolden, keyOf, parseManifests, secretValue, useHelm } from './support.ts';

// Golden renders: each case is an operator's values file (golden/<case>.values.yaml) on top of a
// profile (values-<profile>.yaml), rendered as
//   helm template urumi charts/urumi --namespace urumi-system \
//     -f charts/urumi/values-<profile>.yaml -f golden/<case>.values.yaml
// and compared with the committed golden/<case>.yaml. The values the chart generates (admin token,
// PostgreSQL password) are random on every render, so they are replaced by <generated> before the
// comparison (their shape is checked instead). After an intended change, regenerate them with
//   UPDATE_GOLDEN=1 npx vitest run --project cluster charts/urumi/test/golden
// and review the diff like code.

const goldenDir = join(import.meta.dirname, 'golden');

interface GoldenCase {
  name: string;
  profile: 'local' | 'prod';
  /** What the case exists to show, checked on the rendered objects (not only through the golden file). */
  check: (objects: KubernetesObject[]) => void;
}

const find = <T extends KubernetesObject>(objects: KubernetesObject[], key: string) =>
  objects.find((object) => keyOf(object) === key) as T | undefined;

const envOf = (objects: KubernetesObject[]) =>
  find<V1Deployment>(objects, 'Deployment/urumi')?.spec?.template.spec?.containers[0]?.env ?? [];

const cases: GoldenCase[] = [
  {
    name: 'local',
    profile: 'local',
    check: (objects) => {
      expect(find<V1Ingress>(objects, 'Ingress/urumi')?.spec?.rules?.[0]?.host).toBe('urumi.localhost');
      expect(find(objects, 'StatefulSet/urumi-postgresql')).toBeDefined();
      const admin = secretValue(find(objects, 'Secret/urumi-admin-token'), 'token');
      expect(admin).toMatch(/^urumi_[A-Za-z0-9]{43}$/);
      const password = secretValue(find(objects, 'Secret/urumi-postgresql'), 'password');
      expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(envOf(objects).find((e) => e.name === 'DATABASE_URL')?.value).toBe(
        'postgresql://urumi:$(DATABASE_PASSWORD)@urumi-postgresql:5432/urumi',
      );
      expect(find<V1ConfigMap>(objects, 'ConfigMap/urumi-env')?.data).toMatchObject({
        STORE_VALUES_PROFILE: 'local',
        STORE_NAMESPACE_CLUSTERROLE: 'urumi-store',
        URUMI_SERVICE_ACCOUNT: 'urumi-system/urumi',
      });
    },
  },
  {
    name: 'prod',
    profile: 'prod',
    check: (objects) => {
      const ingress = find<V1Ingress>(objects, 'Ingress/urumi');
      expect(ingress?.spec?.ingressClassName).toBe('nginx');
      expect(ingress?.metadata?.annotations).toMatchObject({
        'cert-manager.io/cluster-issuer': 'letsencrypt',
      });
      expect(ingress?.spec?.tls).toEqual([{ hosts: ['urumi.example.com'], secretName: 'urumi-tls' }]);
      expect(find<V1Deployment>(objects, 'Deployment/urumi')?.spec?.replicas).toBe(2);
      expect(find<V1ConfigMap>(objects, 'ConfigMap/urumi-store-values')?.data).toEqual({
        'store-values.yaml': 'ingress:\n  className: nginx\n',
        'medusa.yaml':
          'images:\n  medusa:\n    digest: sha256:0000000000000000000000000000000000000000000000000000000000000001\n' +
          '    repository: registry.example.com/medusa-store\n    tag: 0.1.0\n',
      });
      const env = find<V1ConfigMap>(objects, 'ConfigMap/urumi-env')?.data ?? {};
      expect([env.STORE_EXTRA_VALUES_FILE, env.STORE_TYPE_VALUES_DIR]).toEqual([
        '/etc/urumi/store-values.yaml',
        '/etc/urumi',
      ]);
      expect(envOf(objects).find((e) => e.name === 'METRICS_TOKEN')?.valueFrom?.secretKeyRef).toEqual({
        name: 'urumi-metrics',
        key: 'token',
      });
      const policy = find<V1NetworkPolicy>(objects, 'NetworkPolicy/urumi');
      expect(policy?.spec?.ingress?.[0]?._from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ]);
      expect(policy?.spec?.egress?.[1]?.to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }]);
    },
  },
  {
    name: 'external-database',
    profile: 'prod',
    check: (objects) => {
      expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
      expect(objects.filter((object) => object.kind === 'StatefulSet')).toEqual([]);
      expect(envOf(objects).find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: 'urumi-database',
        key: 'database-url',
      });
      const volumes = find<V1Deployment>(objects, 'Deployment/urumi')?.spec?.template.spec?.volumes;
      expect(volumes?.find((v) => v.name === 'admin-token')?.secret).toEqual({
        secretName: 'urumi-admin',
        items: [{ key: 'admin-token', path: 'token' }],
      });
      const egress = find<V1NetworkPolicy>(objects, 'NetworkPolicy/urumi')?.spec?.egress;
      expect(egress?.[2]).toEqual({
        ports: [{ port: 5432, protocol: 'TCP' }],
        to: [{ ipBlock: { cidr: '10.20.0.0/24' } }],
      });
    },
  },
];

/** Replaces every value of the Secrets the chart generates (they carry resource-policy keep). */
function maskGenerated(output: string): string {
  return output
    .split(/^(?=---$)/m)
    .map((document) =>
      /^kind: Secret$/m.test(document) && document.includes('helm.sh/resource-policy: keep')
        ? document.replace(
            /^(data:\n(?:\s+#.*\n)*)((?:\s+[-._A-Za-z0-9]+: \S+\n?)+)/m,
            (_, head, lines) => head + String(lines).replace(/^(\s+[-._A-Za-z0-9]+: )\S+/gm, '$1<generated>'),
          )
        : document,
    )
    .join('');
}

function valuesArgs(golden: GoldenCase): string[] {
  return [
    '--values',
    join(chartDir, `values-${golden.profile}.yaml`),
    '--values',
    join(goldenDir, `${golden.name}.values.yaml`),
  ];
}

const helm = useHelm();

describe('charts/urumi golden renders', () => {
  it.each(cases)('renders case $name exactly as the committed golden/$name.yaml', async (golden) => {
    const output = await helm.run([
      'template',
      'urumi',
      chartDir,
      '--namespace',
      'urumi-system',
      ...valuesArgs(golden),
    ]);
    golden.check(parseManifests(output));

    const masked = maskGenerated(output);
    await expectGolden(join(goldenDir, `${golden.name}.yaml`), masked);
  });

  it.each(cases)('passes helm lint --strict with case $name', async (golden) => {
    const output = await helm.run(['lint', '--strict', chartDir, ...valuesArgs(golden)]);
    expect(output).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('generates a new admin token and database password on each fresh render (no fixed default)', async () => {
    const renders = await Promise.all(
      [1, 2].map(async () =>
        parseManifests(
          await helm.run([
            'template',
            'urumi',
            chartDir,
            '--namespace',
            'urumi-system',
            ...valuesArgs(cases[0]!),
          ]),
        ),
      ),
    );
    const [first, second] = renders.map((objects) => ({
      token: secretValue(find(objects, 'Secret/urumi-admin-token'), 'token'),
      password: secretValue(find(objects, 'Secret/urumi-postgresql'), 'password'),
    }));
    expect(first?.token).not.toBe(second?.token);
    expect(first?.password).not.toBe(second?.password);
  });
});
