import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig, type V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { storageClassName } from '../src/baseline.ts';
import { versions } from '../src/versions.ts';
import {
  container,
  isPodReady,
  kube,
  kubeConfig,
  rejectionOf,
  statusOf,
  testNamespace,
  waitFor,
} from './kube.ts';

const exec = promisify(execFile);

/** A one-replica StatefulSet with a 1 GiB volumeClaimTemplate on the default StorageClass. */
function databaseWithVolume(): V1StatefulSet {
  return {
    metadata: { name: 'db' },
    spec: {
      replicas: 1,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ ...container('db'), volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
}

describe('the test cluster behaves like a real one', () => {
  it('serves the pinned Kubernetes version on /version', async () => {
    const { kc } = kube();
    const kubectl = join(inject('binDir'), 'kubectl');
    const { stdout } = await exec(kubectl, ['--kubeconfig', inject('kubeconfig'), 'version', '-o', 'json']);
    const reported = JSON.parse(stdout) as { serverVersion: { gitVersion: string } };
    expect(reported.serverVersion.gitVersion).toBe(`v${versions.kubernetes}`);
    expect(kc.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('rolls a Deployment out until it is Available', async () => {
    const { apps } = kube();
    const namespace = await testNamespace('deploy');
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container()] } },
        },
      },
    });
    const deployment = await waitFor('the Deployment to be Available', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      const available = d.status?.conditions?.find((c) => c.type === 'Available')?.status === 'True';
      return available && d.status?.availableReplicas === 3 ? d : undefined;
    });
    expect(deployment.status?.readyReplicas).toBe(3);
    expect(deployment.status?.updatedReplicas).toBe(3);
  });

  it('makes a StatefulSet Ready with its volumeClaimTemplate PVC Bound on the default StorageClass', async () => {
    const { apps, core } = kube();
    const namespace = await testNamespace('sts');
    await apps.createNamespacedStatefulSet({ namespace, body: databaseWithVolume() });
    await waitFor('the StatefulSet to be Ready', async () => {
      const s = await apps.readNamespacedStatefulSet({ name: 'db', namespace });
      return s.status?.readyReplicas === 1;
    });
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'data-db-0', namespace });
    expect(pvc.status?.phase).toBe('Bound');
    // No class was named: the DefaultStorageClass admission plugin chose ours.
    expect(pvc.spec?.storageClassName).toBe(storageClassName);
    const pv = await core.readPersistentVolume({ name: pvc.spec?.volumeName ?? '' });
    expect(pv.status?.phase).toBe('Bound');
  });

  it('runs a Job to completion', async () => {
    const { batch } = kube();
    const namespace = await testNamespace('job');
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'setup' },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [container()] } } },
      },
    });
    const job = await waitFor('the Job to complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'setup', namespace });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    expect(job.status?.succeeded).toBe(1);
  });

  it('refuses a pod that would exceed the namespace ResourceQuota', async () => {
    const { core } = kube();
    const namespace = await testNamespace('quota');
    await core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'store' }, spec: { hard: { 'requests.cpu': '100m', pods: '5' } } },
    });
    await waitFor('the quota to be counted', async () => {
      const q = await core.readNamespacedResourceQuota({ name: 'store', namespace });
      return q.status?.hard?.['requests.cpu'] !== undefined;
    });
    const small = { metadata: { name: 'small' }, spec: { containers: [container()] } };
    await core.createNamespacedPod({ namespace, body: small });
    const big = {
      metadata: { name: 'big' },
      spec: {
        containers: [{ ...container(), resources: { requests: { cpu: '500m' }, limits: { cpu: '1' } } }],
      },
    };
    const error = await rejectionOf(core.createNamespacedPod({ namespace, body: big }));
    expect(statusOf(error)).toBe(403);
    expect(String((error as { body?: unknown }).body)).toContain('exceeded quota');
  });

  it('enforces Pod Security admission on a namespace labelled restricted', async () => {
    const { core } = kube();
    const namespace = await testNamespace('psa', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const privileged = {
      metadata: { name: 'root' },
      spec: { containers: [{ ...container(), securityContext: { privileged: true } }] },
    };
    const error = await rejectionOf(core.createNamespacedPod({ namespace, body: privileged }));
    expect(statusOf(error)).toBe(403);
    expect(String((error as { body?: unknown }).body)).toContain('violates PodSecurity');
  });

  it('denies a ServiceAccount what its Role does not grant (RBAC)', async () => {
    const { core, rbac } = kube();
    const namespace = await testNamespace('rbac');
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    const request = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const admin = kubeConfig();
    const asReader = new KubeConfig();
    asReader.loadFromOptions({
      clusters: [admin.getCurrentCluster()!],
      users: [{ name: 'reader', token: request.status?.token ?? '' }],
      contexts: [{ name: 'reader', cluster: admin.getCurrentCluster()!.name, user: 'reader' }],
      currentContext: 'reader',
    });
    const reader = kube(asReader);
    const pods = await reader.core.listNamespacedPod({ namespace });
    expect(pods.items).toEqual([]);
    expect(statusOf(await rejectionOf(reader.core.listNamespacedSecret({ namespace })))).toBe(403);
    expect(statusOf(await rejectionOf(reader.core.listNamespacedPod({ namespace: 'kube-system' })))).toBe(
      403,
    );
  });

  it('finalizes a deleted namespace completely, volumes included', async () => {
    const { apps, core } = kube();
    const namespace = await testNamespace('nsdel');
    await apps.createNamespacedStatefulSet({ namespace, body: databaseWithVolume() });
    const pvc = await waitFor('the PVC to bind', async () => {
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'data-db-0', namespace });
      return claim.status?.phase === 'Bound' ? claim : undefined;
    });
    await waitFor('the StatefulSet pod to be Ready', async () => {
      const pod = await core.readNamespacedPod({ name: 'db-0', namespace });
      return isPodReady(pod);
    });
    await core.deleteNamespace({ name: namespace });
    await waitFor('the namespace to disappear', async () => {
      const status = await core.readNamespace({ name: namespace }).then(
        () => 200,
        (error: unknown) => statusOf(error),
      );
      return status === 404;
    });
    // The PV had reclaimPolicy Delete: it goes with its claim.
    await waitFor('the PersistentVolume to be deleted', async () => {
      const status = await core.readPersistentVolume({ name: pvc.spec?.volumeName ?? '' }).then(
        () => 200,
        (error: unknown) => statusOf(error),
      );
      return status === 404;
    });
  });
});
