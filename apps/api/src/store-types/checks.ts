import type { JobView, NamespaceSnapshot, WorkloadView } from '../domain/ports.ts';
import type { ReasonCode } from '../domain/reasons.ts';
import type { StepCheck } from '../domain/store-type.ts';

/** Readiness checks every store type builds its steps from. */

/** A StatefulSet or Deployment whose desired replicas are all ready on the current template. */
export function workloadReady(kind: string, found: WorkloadView | undefined): StepCheck {
  if (!found) return { kind: 'waiting', detail: `${kind} not created yet` };
  if (found.upToDate && found.ready >= found.desired && found.desired > 0) return { kind: 'ready' };
  return { kind: 'waiting', detail: `${kind} ${found.name}: ${found.ready}/${found.desired} ready` };
}

export function statefulSetReady(snapshot: NamespaceSnapshot, name: string): StepCheck {
  return workloadReady(
    'StatefulSet',
    snapshot.statefulSets.find((w) => w.name === name),
  );
}

/** A Deployment that is ready and also Available (ready for its minReadySeconds). */
export function deploymentAvailable(snapshot: NamespaceSnapshot, name: string): StepCheck {
  const deployment = snapshot.deployments.find((w) => w.name === name);
  if (deployment && deployment.available < deployment.desired) {
    return {
      kind: 'waiting',
      detail: `Deployment ${name}: ${deployment.available}/${deployment.desired} available`,
    };
  }
  return workloadReady('Deployment', deployment);
}

/** A run-to-completion Job: ready once Complete, failed with `code` once it has given up. */
export function jobDone(
  snapshot: NamespaceSnapshot,
  job: { name: string; what: string; failure: ReasonCode },
): StepCheck {
  const found: JobView | undefined = snapshot.jobs.find((j) => j.name === job.name);
  if (!found) return { kind: 'waiting', detail: `${job.what} job not created yet` };
  if (found.complete) return { kind: 'ready' };
  if (found.failed) {
    return {
      kind: 'failed',
      reason: { code: job.failure, message: `${job.what} failed: ${found.message ?? 'no message'}` },
    };
  }
  return { kind: 'waiting', detail: `${job.what} job running` };
}

/** The first check that is not ready, or ready when all are. */
export function allReady(...checks: StepCheck[]): StepCheck {
  return checks.find((check) => check.kind !== 'ready') ?? { kind: 'ready' };
}
