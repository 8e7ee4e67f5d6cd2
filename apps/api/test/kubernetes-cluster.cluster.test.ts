import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { kube, kubeConfig, rejectionOf } from '../../../tools/cluster/test/kube.ts';
import { KubernetesCluster } from '../src/adapters/kubernetes/cluster.ts';
import { ClusterConflict } from '../src/domain/errors.ts';
import type { NamespaceSpec } from '../src/domain/ports.ts';
import { storePolicy } from '../src/engine/policy.ts';

// The Kubernetes adapter's namespace preparation against the real API server: what it does when
// the cluster already holds something in a store's way.

const grant = {
  clusterRole: 'urumi-test-store',
  serviceAccount: { namespace: 'urumi-system', name: 'urumi' },
};

/** A store namespace name for the test, created up front with `labels(id)` when given. */
async function storeNamespace(
  labels?: (id: string) => Record<string, string>,
): Promise<{ id: string; name: string }> {
  const { core } = kube();
  const id = randomBytes(6).toString('hex');
  const name = `store-${id}`;
  onTestFinished(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  if (labels) await core.createNamespace({ body: { metadata: { name, labels: labels(id) } } });
  return { id, name };
}

function spec(id: string, name: string): NamespaceSpec {
  return {
    name,
    labels: { 'app.kubernetes.io/managed-by': 'urumi', 'urumi.io/store-id': id },
    policy: storePolicy({
      quota: { pods: '5' },
      containerDefaults: {
        request: { cpu: '50m', memory: '64Mi' },
        limit: { cpu: '500m', memory: '256Mi' },
        max: { cpu: '1', memory: '1Gi' },
      },
    }),
    grant,
  };
}

const adapter = () => new KubernetesCluster({ kubeConfig: kubeConfig(), log: pino({ level: 'silent' }) });

describe('KubernetesCluster.ensureNamespace', () => {
  it('refuses with ClusterConflict a namespace of the same name that is not the store’s', async () => {
    const { id, name } = await storeNamespace(() => ({ team: 'someone-else' }));
    const error = await rejectionOf(adapter().ensureNamespace(spec(id, name)));
    expect(error).toBeInstanceOf(ClusterConflict);
    expect((error as Error).message).toBe(
      `namespace ${name} already exists and does not belong to this store`,
    );
  });

  it('refuses with ClusterConflict an existing urumi-store RoleBinding that grants another role, and leaves it alone', async () => {
    const { id, name } = await storeNamespace((id) => spec(id, `store-${id}`).labels);
    const { rbac } = kube();
    await rbac.createNamespacedRoleBinding({
      namespace: name,
      body: {
        metadata: { name: 'urumi-store' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'urumi', namespace: 'urumi-system' }],
      },
    });
    const error = await rejectionOf(adapter().ensureNamespace(spec(id, name)));
    expect(error).toBeInstanceOf(ClusterConflict);
    expect((error as Error).message).toContain(
      `RoleBinding urumi-store in namespace ${name} exists but does not bind ClusterRole urumi-test-store`,
    );
    const binding = await rbac.readNamespacedRoleBinding({ name: 'urumi-store', namespace: name });
    expect(binding.roleRef.name).toBe('view');
  });

  it('accepts its own earlier work: a second call on a prepared namespace changes nothing and succeeds', async () => {
    const { id, name } = await storeNamespace();
    const cluster = adapter();
    await cluster.ensureNamespace(spec(id, name));
    const { rbac, core } = kube();
    const before = await rbac.readNamespacedRoleBinding({ name: 'urumi-store', namespace: name });
    await cluster.ensureNamespace(spec(id, name));
    const after = await rbac.readNamespacedRoleBinding({ name: 'urumi-store', namespace: name });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.roleRef.name).toBe('urumi-test-store');
    const quotas = await core.listNamespacedResourceQuota({ namespace: name });
    expect(quotas.items.map((q) => q.spec?.hard?.pods)).toEqual(['5']);
  });
});
