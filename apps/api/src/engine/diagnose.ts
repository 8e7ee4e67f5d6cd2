import type { NamespaceSnapshot } from '../domain/ports.ts';
import type { Reason } from '../domain/reasons.ts';

/**
 * The most specific reason a namespace's workloads are not ready, from Kubernetes signals, or null
 * when nothing is visibly wrong (then a deadline miss is a plain TIMEOUT). Order matters: a pod that
 * cannot be scheduled also never pulls its image, so scheduling is reported first.
 */
export function diagnose(
  snapshot: NamespaceSnapshot,
  warnings: { reason: string; message: string; object: string }[] = [],
): Reason | null {
  const quota =
    [...snapshot.statefulSets, ...snapshot.deployments].find((w) => w.failure?.includes('exceeded quota'))
      ?.failure ??
    warnings.find((w) => w.reason === 'FailedCreate' && w.message.includes('exceeded quota'))?.message;
  if (quota) return { code: 'QUOTA_EXCEEDED', message: quota };

  for (const pod of snapshot.pods) {
    if (pod.unschedulable)
      return { code: 'SCHEDULING_FAILED', message: `pod ${pod.name}: ${pod.unschedulable}` };
  }
  const pending = snapshot.volumeClaims.find((c) => c.phase === 'Pending');
  if (pending) return { code: 'VOLUME_PENDING', message: `volume claim ${pending.name} is still Pending` };

  for (const pod of snapshot.pods) {
    const oom = pod.terminated.find((t) => t.reason === 'OOMKilled');
    if (oom) return { code: 'OOM_KILLED', message: `pod ${pod.name} was killed for using too much memory` };
    for (const waiting of pod.waiting) {
      if (
        waiting.reason === 'ImagePullBackOff' ||
        waiting.reason === 'ErrImagePull' ||
        waiting.reason === 'InvalidImageName'
      ) {
        return {
          code: 'IMAGE_PULL_FAILED',
          message: `pod ${pod.name}: ${waiting.message || waiting.reason}`,
        };
      }
      if (waiting.reason === 'CrashLoopBackOff') {
        return {
          code: 'CRASH_LOOP',
          message: `pod ${pod.name} keeps crashing (${pod.restarts} restarts): ${waiting.message || waiting.reason}`,
        };
      }
    }
  }
  const failedJob = snapshot.jobs.find((j) => j.failed);
  if (failedJob)
    return {
      code: 'SETUP_FAILED',
      message: `job ${failedJob.name} failed: ${failedJob.message ?? 'no message'}`,
    };

  const unready = snapshot.pods.find((p) => p.phase === 'Running' && !p.ready);
  if (unready) return { code: 'NOT_READY', message: `pod ${unready.name} is running but never became ready` };
  return null;
}
