import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { simulation } from '../src/simulation.ts';
import { container, isPodReady, kube, testNamespace, waitFor } from './kube.ts';

/** Creates a one-replica Deployment whose pod template carries the given annotations. */
async function deployWith(namespace: string, name: string, annotations: Record<string, string>) {
  const { apps } = kube();
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name }, annotations }, spec: { containers: [container()] } },
      },
    },
  });
}

async function podOf(namespace: string, app: string): Promise<V1Pod | undefined> {
  const { core } = kube();
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items[0];
}

function readySince(pod: V1Pod): number {
  const condition = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  return new Date(condition?.lastTransitionTime ?? 0).getTime();
}

describe('KWOK stages choose pod behaviour per pod', () => {
  it('starts a plain pod Running and then Ready', async () => {
    const namespace = await testNamespace('plain');
    await deployWith(namespace, 'plain', {});
    const pod = await waitFor('the pod to be Ready', async () => {
      const p = await podOf(namespace, 'plain');
      return p && isPodReady(p) ? p : undefined;
    });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.podIP).toMatch(/^10\.244\./);
  });

  it('keeps a never-ready pod Running and unready while a plain pod beside it becomes Ready', async () => {
    const namespace = await testNamespace('never');
    await deployWith(namespace, 'stuck', { [simulation.neverReady]: 'true' });
    await deployWith(namespace, 'control', {});
    await waitFor('the control pod to be Ready', async () => {
      const p = await podOf(namespace, 'control');
      return p && isPodReady(p);
    });
    const stuck = await waitFor('the stuck pod to be Running', async () => {
      const p = await podOf(namespace, 'stuck');
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    // Give KWOK time it would need to make the pod Ready (plain pods are Ready in well under 1 s).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const later = await podOf(namespace, 'stuck');
    expect(later?.metadata?.uid).toBe(stuck.metadata?.uid);
    expect(later && isPodReady(later)).toBe(false);
    expect(later?.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
  });

  it('makes a pod with ready-after Ready no sooner than asked', async () => {
    const namespace = await testNamespace('delay');
    await deployWith(namespace, 'slow', { [simulation.readyAfter]: '4s' });
    const pod = await waitFor(
      'the delayed pod to be Ready',
      async () => {
        const p = await podOf(namespace, 'slow');
        return p && isPodReady(p) ? p : undefined;
      },
      30_000,
    );
    const started = new Date(pod.status?.startTime ?? 0).getTime();
    // Condition times have one-second resolution, so allow for the truncation of both stamps.
    expect(readySince(pod) - started).toBeGreaterThanOrEqual(3_000);
    expect(readySince(pod) - started).toBeLessThan(15_000);
  });

  it('spreads ready times between ready-after and ready-before', async () => {
    const namespace = await testNamespace('jitter');
    const { apps } = kube();
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'jitter' },
        spec: {
          replicas: 6,
          selector: { matchLabels: { app: 'jitter' } },
          template: {
            metadata: {
              labels: { app: 'jitter' },
              annotations: { [simulation.readyAfter]: '2s', [simulation.readyBefore]: '8s' },
            },
            spec: { containers: [container()] },
          },
        },
      },
    });
    const { core } = kube();
    const pods = await waitFor(
      'all six pods to be Ready',
      async () => {
        const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=jitter' });
        return list.items.length === 6 && list.items.every(isPodReady) ? list.items : undefined;
      },
      30_000,
    );
    const delays = pods.map((p) => readySince(p) - new Date(p.status?.startTime ?? 0).getTime());
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(1_000);
      expect(delay).toBeLessThanOrEqual(9_000);
    }
    // Six uniform draws over 6 s all landing within the same second is vanishingly unlikely.
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThanOrEqual(1_000);
  });

  it('crash-loops a pod: CrashLoopBackOff with a growing restart count and a BackOff event', async () => {
    const namespace = await testNamespace('crash');
    await deployWith(namespace, 'crash', { [simulation.crashLoop]: '1s' });
    const pod = await waitFor('two restarts', async () => {
      const p = await podOf(namespace, 'crash');
      return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined;
    });
    const status = pod.status?.containerStatuses?.[0];
    expect(status?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(status?.lastState?.terminated?.exitCode).toBe(1);
    expect(isPodReady(pod)).toBe(false);
    const { core } = kube();
    await waitFor('a BackOff event', async () => {
      const events = await core.listNamespacedEvent({ namespace });
      return events.items.some((e) => e.reason === 'BackOff' && e.involvedObject.name === pod.metadata?.name);
    });
  });

  it('leaves a pod with a simulated image pull failure Pending in ImagePullBackOff', async () => {
    const namespace = await testNamespace('pull');
    await deployWith(namespace, 'pull', { [simulation.imagePullFailure]: 'true' });
    const pod = await waitFor('ImagePullBackOff', async () => {
      const p = await podOf(namespace, 'pull');
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? p : undefined;
    });
    expect(pod.status?.phase).toBe('Pending');
  });

  it('fails a Job whose pods carry job-failure (backoffLimit 0)', async () => {
    const { batch } = kube();
    const namespace = await testNamespace('jobfail');
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'setup' },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { annotations: { [simulation.jobFailure]: 'true' } },
            spec: { restartPolicy: 'Never', containers: [container()] },
          },
        },
      },
    });
    const job = await waitFor('the Job to fail', async () => {
      const j = await batch.readNamespacedJob({ name: 'setup', namespace });
      return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? j : undefined;
    });
    expect(job.status?.failed).toBe(1);
    expect(job.status?.succeeded ?? 0).toBe(0);
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed?.reason).toBe('BackoffLimitExceeded');
  });
});
