import type { V1Deployment, V1Job, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { JobView, PodView, WorkloadView } from '../../domain/ports.ts';

/**
 * What the engine sees of Kubernetes objects: the few fields its readiness checks and diagnosis
 * read, from the watch caches' objects.
 */

function workloadOf(
  w: V1Deployment | V1StatefulSet,
  ready: number,
  available: number,
  upToDate: boolean,
): WorkloadView {
  const failure = w.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  return {
    name: w.metadata?.name ?? '',
    desired: w.spec?.replicas ?? 1,
    ready,
    available,
    upToDate,
    failure: failure?.message ?? null,
    stuckPods: [],
  };
}

export function deploymentView(d: V1Deployment): WorkloadView {
  const desired = d.spec?.replicas ?? 1;
  const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  return workloadOf(
    d,
    d.status?.readyReplicas ?? 0,
    d.status?.availableReplicas ?? 0,
    observed && (d.status?.updatedReplicas ?? 0) >= desired,
  );
}

export function statefulSetView(s: V1StatefulSet): WorkloadView {
  const observed = (s.status?.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0);
  const rolled =
    s.spec?.updateStrategy?.type === 'OnDelete' || s.status?.currentRevision === s.status?.updateRevision;
  const ready = s.status?.readyReplicas ?? 0;
  return workloadOf(s, ready, s.status?.availableReplicas ?? ready, observed && rolled);
}

export function jobView(j: V1Job): JobView {
  const condition = (type: string) =>
    j.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  const failed = condition('Failed');
  return {
    name: j.metadata?.name ?? '',
    complete: Boolean(condition('Complete')),
    failed: Boolean(failed),
    message: failed ? `${failed.reason ?? ''} ${failed.message ?? ''}`.trim() : null,
  };
}

export function isPodReady(p: V1Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function podView(p: V1Pod): PodView {
  const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return {
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Unknown',
    ready: isPodReady(p),
    unschedulable:
      scheduled?.status === 'False' && scheduled.reason === 'Unschedulable'
        ? (scheduled.message ?? 'unschedulable')
        : null,
    waiting: statuses
      .map((s) => s.state?.waiting)
      .filter((w) => w?.reason)
      .map((w) => ({ reason: w!.reason!, message: w!.message ?? '' })),
    terminated: statuses
      .flatMap((s) => [s.state?.terminated, s.lastState?.terminated])
      .filter((t) => t?.reason)
      .map((t) => ({ reason: t!.reason!, exitCode: t!.exitCode })),
    restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
  };
}
