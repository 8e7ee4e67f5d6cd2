import type {
  KubernetesObject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1Deployment,
  V1PolicyRule,
  V1Secret,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { DiscoveryV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../../apps/api/src/config.ts';
import { kube, waitFor } from '../../../tools/cluster/test/kube.ts';
import { expectRefusedByTemplateAndLint, type RefusedValue } from '../../test-support/support.ts';
import {
  chartDir,
  containersOf,
  imageArgs,
  keyOf,
  localValues,
  parseManifests,
  podTemplateOf,
  prodValues,
  releaseNamespace,
  render,
  useHelm,
} from './support.ts';

const helm = useHelm();

const find = <T extends KubernetesObject>(objects: KubernetesObject[], key: string) =>
  objects.find((object) => keyOf(object) === key) as T | undefined;

/** Each rule as "group/resource: verbs" (plus resource names), for readable comparisons. */
const summary = (rules: V1PolicyRule[] | undefined) =>
  (rules ?? []).flatMap((rule) =>
    (rule.resources ?? []).map(
      (resource) =>
        `${rule.apiGroups?.join(',') || 'core'}/${resource}: ${rule.verbs.join(' ')}` +
        (rule.resourceNames ? ` [${rule.resourceNames.join(' ')}]` : ''),
    ),
  );

describe('charts/urumi values', () => {
  it('rejects an unknown value and a value of the wrong type, in helm template and helm lint alike', async () => {
    const cases: RefusedValue[] = [
      { args: ['--set', 'replicas=2'], error: "at '': additional properties 'replicas' not allowed" },
      {
        args: ['--set', 'postgresql.resources.limit.cpu=1'],
        error: "at '/postgresql/resources': additional properties 'limit' not allowed",
      },
      {
        args: ['--set', 'rbac.clusterWide=true'],
        error: "at '/rbac': additional properties 'clusterWide' not allowed",
      },
      {
        args: ['--set-string', 'config.maxStores=many'],
        error: "at '/config/maxStores': got string, want integer",
      },
      { args: ['--set', 'ingress.enabled=yes'], error: "at '/ingress/enabled': got string, want boolean" },
      {
        args: ['--set-string', 'postgresql.image.digest=latest'],
        error: "at '/postgresql/image/digest': 'latest' does not match pattern",
      },
      {
        args: ['--set-string', 'config.storeValuesProfile=staging'],
        error: "at '/config/storeValuesProfile': value must be one of",
      },
    ];
    await expectRefusedByTemplateAndLint(
      helm,
      chartDir,
      'urumi',
      ['--values', localValues, ...imageArgs],
      cases,
    );
  });

  it('refuses to render without an image, a database choice or an ingress host, saying what to set', async () => {
    expect(await helm.failure(['template', 'urumi', chartDir])).toContain(
      "at '/image': missing property 'repository'",
    );
    const failing = [
      {
        args: ['--set', 'postgresql.enabled=false'],
        error: 'no database: keep postgresql.enabled=true',
      },
      {
        args: ['--set-string', 'database.external.url=postgresql://u:p@db:5432/urumi'],
        error: 'set postgresql.enabled=false to use the external one',
      },
      {
        args: [
          '--set',
          'postgresql.enabled=false',
          '--set-string',
          'database.external.url=postgresql://u:p@db:5432/urumi',
          '--set-string',
          'database.external.existingSecret=db',
        ],
        error: 'database.external.url and database.external.existingSecret are exclusive',
      },
      { args: ['--values', prodValues], error: 'ingress.host is required when ingress.enabled' },
    ];
    for (const { args, error } of failing) {
      expect(await helm.failure(['template', 'urumi', chartDir, ...imageArgs, ...args]), error).toContain(
        error,
      );
    }
  });

  it("writes a ConfigMap that is a valid Urumi configuration, naming the chart's ServiceAccount and store role", async () => {
    for (const profile of [localValues, prodValues]) {
      const objects = await render(helm, [
        '--values',
        profile,
        '--set-string',
        'ingress.host=urumi.example.com',
      ]);
      const data = find<V1ConfigMap>(objects, 'ConfigMap/urumi-env')?.data ?? {};
      // apps/api parses it as it would at start-up; every key must be one it knows.
      const config = parseConfig({
        ...data,
        DATABASE_URL: 'postgresql://urumi:x@urumi-postgresql:5432/urumi',
      });
      expect(Object.keys(data).filter((key) => !(key in config))).toEqual([]);
      expect(config.storeGrant).toEqual({
        clusterRole: 'urumi-store',
        serviceAccount: { namespace: 'urumi-system', name: 'urumi' },
      });
      expect(find(objects, 'ClusterRole/urumi-store')).toBeDefined();
      expect(find(objects, 'ServiceAccount/urumi')).toBeDefined();
      // Behind the ingress, the client is whom the ingress controller's X-Forwarded-For names.
      expect(config.TRUSTED_PROXIES).toEqual(['uniquelocal']);
    }
  });

  it('probes /readyz and /livez, never /api/health (a Kubernetes blip must not empty the Service), and sleeps in preStop', async () => {
    const objects = await render(helm, ['--values', localValues]);
    const pod = podTemplateOf(find<V1Deployment>(objects, 'Deployment/urumi')!)!;
    const [urumi] = containersOf(pod);
    expect(urumi?.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(urumi?.livenessProbe?.httpGet?.path).toBe('/livez');
    expect(urumi?.startupProbe?.httpGet?.path).toBe('/livez');
    expect(urumi?.lifecycle?.preStop?.sleep?.seconds).toBe(5);
    expect(pod.spec?.terminationGracePeriodSeconds).toBe(65);
    const without = await render(helm, ['--values', localValues, '--set', 'preStopSleepSeconds=0']);
    const plain = podTemplateOf(find<V1Deployment>(without, 'Deployment/urumi')!)!;
    expect(containersOf(plain)[0]?.lifecycle).toBeUndefined();
  });
});

describe('charts/urumi RBAC', () => {
  it('grants cluster-wide only namespaces, read-only watches and binding the store role; writes and Secrets only per store namespace', async () => {
    const objects = await render(helm, ['--values', localValues]);
    const platform = find<V1ClusterRole>(objects, 'ClusterRole/urumi-platform');
    const store = find<V1ClusterRole>(objects, 'ClusterRole/urumi-store');
    expect(summary(platform?.rules)).toEqual([
      'core/namespaces: get list watch create delete',
      'core/pods: get list watch',
      'core/persistentvolumeclaims: get list watch',
      'apps/deployments: get list watch',
      'apps/statefulsets: get list watch',
      'batch/jobs: get list watch',
      'rbac.authorization.k8s.io/rolebindings: get create',
      'rbac.authorization.k8s.io/clusterroles: bind [urumi-store]',
    ]);
    expect(summary(store?.rules)).toEqual([
      'core/secrets: get list create update delete',
      'core/configmaps: get create patch delete',
      'core/services: get create patch delete',
      'core/persistentvolumeclaims: get create patch delete deletecollection',
      'apps/deployments: get create patch delete',
      'apps/statefulsets: get create patch delete',
      'batch/jobs: get create patch delete',
      'networking.k8s.io/ingresses: get create patch delete',
      'networking.k8s.io/networkpolicies: get create patch update delete',
      'core/resourcequotas: create update',
      'core/limitranges: create update',
      'core/pods: delete',
      'core/events: list',
    ]);

    const rules = [...(platform?.rules ?? []), ...(store?.rules ?? [])];
    for (const rule of rules) {
      for (const field of [
        rule.apiGroups,
        rule.resources,
        rule.verbs,
        rule.resourceNames,
        rule.nonResourceURLs,
      ])
        expect(field ?? []).not.toContain('*');
      expect(rule.verbs).not.toContain('escalate');
      expect(rule.verbs).not.toContain('impersonate');
    }
    // The store role is never bound cluster-wide: only the platform role has a ClusterRoleBinding.
    const clusterBindings = objects.filter((o) => o.kind === 'ClusterRoleBinding') as V1ClusterRoleBinding[];
    expect(clusterBindings.map((b) => b.roleRef.name)).toEqual(['urumi-platform']);
    expect(clusterBindings[0]?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'urumi', namespace: 'urumi-system' },
    ]);
    expect(objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'Role')).toEqual([]);
  });

  it('names every cluster-scoped object after the release, so two releases never share one', async () => {
    const names = (objects: KubernetesObject[]) =>
      objects
        .filter((o) => !o.metadata?.namespace && /^(Cluster|ValidatingAdmission)/.test(o.kind ?? ''))
        .map(keyOf)
        .sort();
    const a = names(
      parseManifests(await helm.run(['template', 'urumi-a', chartDir, '-n', 'a', ...imageArgs])),
    );
    const b = names(
      parseManifests(await helm.run(['template', 'urumi-b', chartDir, '-n', 'b', ...imageArgs])),
    );
    expect(a).toHaveLength(7);
    expect(a.filter((key) => b.includes(key))).toEqual([]);
  });
});

describe('charts/urumi on the test cluster', () => {
  it('installs with the bundled PostgreSQL under restricted Pod Security, egress to the apiserver only at its looked-up addresses, and an upgrade keeps the generated admin token and password', async () => {
    const { core, apps } = kube();
    const { namespace, release } = await releaseNamespace(helm, {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    const install = ['upgrade', '--install', release, chartDir, '--namespace', namespace];
    // Without the real node the test cluster's apiserver advertises 127.0.0.1, for which Kubernetes
    // publishes no endpoint; a real cluster has the `kubernetes` Service's EndpointSlice. Stand one
    // in, with a TEST-NET address and a port of neither default, so the install's lookup has
    // something to find.
    const discovery = kube().kc.makeApiClient(DiscoveryV1Api);
    const sliceName = `${release}-apiserver-test`;
    await discovery.createNamespacedEndpointSlice({
      namespace: 'default',
      body: {
        metadata: { name: sliceName, labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['192.0.2.10'] }],
        ports: [{ name: 'https', port: 16443, protocol: 'TCP' }],
      },
    });
    onTestFinished(async () => {
      await discovery.deleteNamespacedEndpointSlice({ name: sliceName, namespace: 'default' });
    });
    await helm.run([...install, '--values', localValues, ...imageArgs]);
    // With no kubeApiServer.cidrs given, the installed policy allows the control plane's addresses
    // (every `kubernetes` Service EndpointSlice, read at install), not any address.
    const slices = await discovery.listNamespacedEndpointSlice({
      namespace: 'default',
      labelSelector: 'kubernetes.io/service-name=kubernetes',
    });
    const apiserver = slices.items
      .flatMap((slice) => (slice.endpoints ?? []).flatMap((e) => e.addresses))
      .map((address) => `${address}/${address.includes(':') ? 128 : 32}`);
    expect(apiserver).toContain('192.0.2.10/32');
    const policy = await kube()
      .kc.makeApiClient(NetworkingV1Api)
      .readNamespacedNetworkPolicy({ name: release, namespace });
    const toApiserver = policy.spec?.egress?.find((rule) => rule.ports?.some((p) => p.port === 6443));
    expect(toApiserver?.to?.map((peer) => peer.ipBlock?.cidr).sort()).toEqual(apiserver.sort());
    // On the ports the EndpointSlices publish too: policies see the endpoint's port, not 443.
    const published = slices.items.flatMap((slice) => (slice.ports ?? []).map((port) => port.port));
    expect(published).toContain(16443);
    expect(toApiserver?.ports?.map((port) => port.port).sort()).toEqual(
      [...new Set([443, 6443, ...published])].sort(),
    );

    await waitFor('Deployment and StatefulSet ready', async () => {
      const deployment = await apps.readNamespacedDeployment({ name: release, namespace });
      const database = await apps.readNamespacedStatefulSet({ name: `${release}-postgresql`, namespace });
      return deployment.status?.availableReplicas === 1 && database.status?.readyReplicas === 1;
    });
    const events = await core.listNamespacedEvent({ namespace });
    expect(events.items.filter((e) => e.reason === 'FailedCreate').map((e) => e.message)).toEqual([]);

    const secrets = async () =>
      Object.fromEntries(
        await Promise.all(
          [`${release}-admin-token`, `${release}-postgresql`].map(async (name) => {
            const secret: V1Secret = await core.readNamespacedSecret({ name, namespace });
            return [name, secret.data] as const;
          }),
        ),
      );
    const before = await secrets();
    const deployment = async () => apps.readNamespacedDeployment({ name: release, namespace });
    const checksum = (d: V1Deployment) => d.spec?.template.metadata?.annotations?.['checksum/config'];
    const checksumBefore = checksum(await deployment());

    await helm.run([...install, '--values', localValues, ...imageArgs, '--set', 'config.maxStores=7']);
    expect(await secrets()).toEqual(before);
    const after = await deployment();
    expect(checksum(after)).not.toBe(checksumBefore);
    const env = await core.readNamespacedConfigMap({ name: `${release}-env`, namespace });
    expect(env.data?.MAX_STORES).toBe('7');

    // Every container of both workloads is hardened (restricted admitted them; this names why).
    const database: V1StatefulSet = await apps.readNamespacedStatefulSet({
      name: `${release}-postgresql`,
      namespace,
    });
    for (const workload of [after, database]) {
      const template = podTemplateOf({
        ...workload,
        kind: workload === after ? 'Deployment' : 'StatefulSet',
      });
      expect(template?.spec?.securityContext?.runAsNonRoot).toBe(true);
      for (const container of containersOf(template!)) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });
});
