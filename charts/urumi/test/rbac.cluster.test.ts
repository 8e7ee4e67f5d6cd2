import { AuthenticationV1Api } from '@kubernetes/client-node';
import { storeTypes, type Store } from '@urumi/contracts';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freshPostgresUrl } from '../../../apps/api/test/support/databases.ts';
import { sharedSetup, startUrumi, waitForStore } from '../../../apps/api/test/support/urumi-process.ts';
import { kube, rejectionOf, testNamespace, waitFor } from '../../../tools/cluster/test/kube.ts';
import {
  chartDir,
  imageArgs,
  localValues,
  refusal,
  releaseNamespace,
  serviceAccountKubeconfig,
  useHelm,
} from './support.ts';

// The least-privilege proof: the chart's RBAC objects and admission policies, installed from the
// chart on the test cluster, are enough for Urumi to run a store's whole lifecycle as the chart's
// ServiceAccount, and refuse that same ServiceAccount everything outside store namespaces.

const helm = useHelm();

describe("charts/urumi RBAC on the test cluster, as the chart's ServiceAccount", () => {
  it('provisions and deletes a store with only the chart-granted rights, and is refused everything else', async () => {
    const { core, rbac } = kube();
    const { namespace, release } = await releaseNamespace(helm);
    const databaseUrl = await freshPostgresUrl();
    // The chart's RBAC, admission policies, ServiceAccount and ConfigMap; no Urumi pod (this test
    // runs Urumi as a process) and no bundled PostgreSQL (the test server's database instead).
    await helm.run([
      'upgrade',
      '--install',
      release,
      chartDir,
      '--namespace',
      namespace,
      '--values',
      localValues,
      ...imageArgs,
      '--set',
      'replicaCount=0',
      '--set',
      'postgresql.enabled=false',
      '--set-string',
      `database.external.url=${databaseUrl}`,
    ]);
    // What the chart tells Urumi, read back from the installed ConfigMap.
    const env = (await core.readNamespacedConfigMap({ name: `${release}-env`, namespace })).data ?? {};
    expect(env.STORE_NAMESPACE_CLUSTERROLE).toBe(`${release}-store`);
    expect(env.URUMI_SERVICE_ACCOUNT).toBe(`${namespace}/${release}`);
    const serviceAccount = release;

    const { kc, inCluster } = await serviceAccountKubeconfig(namespace, serviceAccount);
    const asUrumi = kube(kc);
    const selfReview = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(selfReview.status?.userInfo?.username).toBe(
      `system:serviceaccount:${namespace}:${serviceAccount}`,
    );

    // A RoleBinding in a namespace Urumi does not own: RBAC allows it (create rolebindings + bind),
    // only the admission policy refuses it. Wait until the policy is in force (dry run: nothing is
    // written even before that).
    const bindingIn = (target: string, subject = serviceAccount, role = `${release}-store`) => ({
      namespace: target,
      body: {
        metadata: { name: 'urumi-store' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: subject, namespace }],
      },
    });
    await waitFor('the admission policies to be in force', async () => {
      const error = await asUrumi.rbac
        .createNamespacedRoleBinding({ ...bindingIn('default'), dryRun: 'All' })
        .then(() => undefined, refusal);
      return error?.message.includes(`ValidatingAdmissionPolicy '${release}-rolebindings'`);
    });

    // The whole lifecycle as the chart's pod runs it: no kubeconfig anywhere, only the
    // ServiceAccount's in-cluster configuration, which the engine and helm must both load.
    const shared = await sharedSetup(databaseUrl);
    const urumi = await startUrumi(
      shared,
      {
        STORE_NAMESPACE_CLUSTERROLE: env.STORE_NAMESPACE_CLUSTERROLE ?? '',
        URUMI_SERVICE_ACCOUNT: env.URUMI_SERVICE_ACCOUNT ?? '',
      },
      { inCluster },
    );
    const health = await urumi.api<{ checks: Record<string, boolean> }>('GET', '/api/health');
    expect(health.body.checks).toEqual({ database: true, kubernetes: true, helm: true });

    // Every store type's chart, installed and removed with these rights alone.
    for (const type of storeTypes) {
      const created = await urumi.api<Store>('POST', '/api/stores', { type, name: `rbac-proof-${type}` });
      expect(created.status, created.text).toBe(202);
      const id = created.body.id;
      const ready = await waitForStore(urumi, id, (s) => s.status !== 'Provisioning', 90_000);
      expect(ready.status, `${type}: ${JSON.stringify(ready.reason)}`).toBe('Ready');

      // The engine bound the store role into the store's namespace, and only there.
      const storeNamespace = `store-${id}`;
      const binding = await rbac.readNamespacedRoleBinding({
        name: 'urumi-store',
        namespace: storeNamespace,
      });
      expect(binding.roleRef.name).toBe(`${release}-store`);
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: serviceAccount, namespace }]);

      expect((await urumi.api('DELETE', `/api/stores/${id}`)).status).toBe(202);
      await waitForStore(urumi, id, (s) => s.status === 'Deleted', 90_000);
      const gone = await core.readNamespace({ name: storeNamespace }).then(
        () => false,
        (error: unknown) => refusal(error).status === 404,
      );
      expect(gone).toBe(true);
    }
    // Not one request of the run was refused (a retried 403 would otherwise pass unnoticed).
    expect(urumi.output()).not.toMatch(/forbidden|HTTP-Code: 403/i);

    // The same token, refused outside store namespaces: by RBAC ...
    const refused = async (call: Promise<unknown>, why: string) => {
      const { status, message } = refusal(await rejectionOf(call));
      expect(message).toContain(why);
      expect(status, message).toBe(403);
    };
    const user = `User "system:serviceaccount:${namespace}:${serviceAccount}"`;
    await refused(
      asUrumi.core.listNamespacedSecret({ namespace: 'kube-system' }),
      `${user} cannot list resource "secrets" in API group "" in the namespace "kube-system"`,
    );
    await refused(
      asUrumi.rbac.createClusterRoleBinding({
        body: {
          metadata: { name: `${release}-escalation` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
        },
      }),
      `${user} cannot create resource "clusterrolebindings"`,
    );
    await refused(
      asUrumi.core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: `${release}-probe` }, data: { a: 'b' } },
      }),
      `${user} cannot create resource "configmaps" in API group "" in the namespace "default"`,
    );
    await refused(
      asUrumi.core.patchNamespace({
        name: 'default',
        body: [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1managed-by', value: 'urumi' }],
      }),
      `${user} cannot patch resource "namespaces"`,
    );
    // Binding any role but the store role needs rights the platform does not hold (RBAC escalation check).
    await refused(
      asUrumi.rbac.createNamespacedRoleBinding(bindingIn('default', serviceAccount, 'admin')),
      'is attempting to grant RBAC permissions not currently held',
    );
    // Built in: nobody deletes default.
    await refused(asUrumi.core.deleteNamespace({ name: 'default' }), 'namespaces "default" is forbidden');

    // ... and by the admission policies, where RBAC alone would allow it.
    const rolebindingPolicy = `ValidatingAdmissionPolicy '${release}-rolebindings' with binding '${release}-rolebindings' denied request`;
    const namespacePolicy = `ValidatingAdmissionPolicy '${release}-namespaces' with binding '${release}-namespaces' denied request`;
    await refused(
      asUrumi.rbac.createNamespacedRoleBinding(bindingIn('default')),
      `${rolebindingPolicy}: the Urumi platform may create RoleBindings only in namespaces labelled app.kubernetes.io/managed-by=urumi, and default is not`,
    );
    const unowned = await testNamespace('unowned');
    await refused(
      asUrumi.core.deleteNamespace({ name: unowned }),
      `${namespacePolicy}: the Urumi platform may delete only namespaces labelled app.kubernetes.io/managed-by=urumi, and ${unowned} is not`,
    );
    await refused(
      asUrumi.core.createNamespace({
        body: { metadata: { name: `${release}-x`, labels: { 'app.kubernetes.io/managed-by': 'urumi' } } },
      }),
      `${namespacePolicy}: the Urumi platform may create only store namespaces`,
    );

    // Even in a namespace Urumi owns, it may grant the store role to no one but itself.
    const owned = await asUrumi.core.createNamespace({
      body: {
        metadata: {
          name: `store-rbac${release.slice(-6)}`,
          labels: { 'app.kubernetes.io/managed-by': 'urumi' },
        },
      },
    });
    const ownedName = owned.metadata?.name ?? '';
    onTestFinished(() =>
      core.deleteNamespace({ name: ownedName }).then(
        () => undefined,
        () => undefined,
      ),
    );
    await refused(
      asUrumi.rbac.createNamespacedRoleBinding(bindingIn(ownedName, 'default')),
      `${rolebindingPolicy}: the Urumi platform may only bind ClusterRole ${release}-store to its own ServiceAccount`,
    );
    await asUrumi.core.deleteNamespace({ name: ownedName });
  });
});
