import { storeNamespace } from '../../domain/store-id.ts';
import type { ReadinessStep } from '../../domain/store-type.ts';
import type { Step, StepContext, StepOutcome } from './step.ts';

/** What the store type's check for `step` says of the namespace's watch cache right now. */
export function checkReadiness(c: StepContext, step: ReadinessStep): StepOutcome {
  const verdict = c.definition.checks[step](c.cluster.snapshot(storeNamespace(c.store.id)));
  if (verdict.kind === 'ready') return { kind: 'done' };
  if (verdict.kind === 'failed') return { kind: 'failed', reason: verdict.reason };
  return { kind: 'wait' };
}

/**
 * Waits, on watch events, until the store type's check for this step passes. A StatefulSet pod
 * stuck on an old revision (Kubernetes does not replace a pod that never became ready) is deleted
 * so that it comes back on the current one.
 */
function readinessStep<Id extends ReadinessStep>(id: Id, budgetMs: number): Step<Id> {
  return {
    id,
    async run(c) {
      const namespace = storeNamespace(c.store.id);
      const snapshot = c.cluster.snapshot(namespace);
      for (const pod of snapshot.statefulSets.flatMap((s) => s.stuckPods))
        await c.cluster.deletePod(namespace, pod);
      return checkReadiness(c, id);
    },
    budgetMs,
    // It makes nothing: what it waits for is the release's, removed by `uninstall` and `volumes`.
    undoneBy: [],
  };
}

/** The database is ready (its volume bound, its pod started). */
export const database = readinessStep('database', 300_000);
/** The store's application is ready (migrations run, pods started). */
export const app = readinessStep('app', 300_000);
/** The store's one-time setup job has finished. */
export const setup = readinessStep('setup', 600_000);
