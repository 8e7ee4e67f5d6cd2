import { storeNamespace } from '../../domain/store-id.ts';
import { releaseName } from './release.ts';
import type { Step, StepContext, StepOutcome } from './step.ts';

/** Runs `work` on the store's namespace unless it is gone already (a teardown run again). */
function whileNamespaceExists(work: (c: StepContext, namespace: string) => Promise<unknown>) {
  return async (c: StepContext): Promise<StepOutcome> => {
    const namespace = storeNamespace(c.store.id);
    if (c.cluster.snapshot(namespace).exists) await work(c, namespace);
    return { kind: 'done' };
  };
}

/** Removes the store's Helm release (its workloads, Services, Ingress, jobs). */
export const uninstall: Step<'uninstall'> = {
  id: 'uninstall',
  run: whileNamespaceExists((c, namespace) => c.helm.uninstall(releaseName(c.store), namespace)),
  budgetMs: 180_000,
  undoneBy: [],
};

/** Deletes the store's volume claims, so their volumes and the data on them go too. */
export const volumes: Step<'volumes'> = {
  id: 'volumes',
  run: whileNamespaceExists((c, namespace) => c.cluster.deleteVolumeClaims(namespace)),
  budgetMs: 120_000,
  undoneBy: [],
};

/** Deletes the namespace and waits until it is gone, saying what holds it (finalizers) meanwhile. */
export const namespaceDelete: Step<'namespace-delete'> = {
  id: 'namespace-delete',
  async run(c) {
    const namespace = storeNamespace(c.store.id);
    if ((await c.cluster.deleteNamespace(namespace)) === 'gone') return { kind: 'done' };
    const blockers = await c.cluster.deletionBlockers(namespace);
    return { kind: 'wait', reason: blockers ? { code: 'TEARDOWN_BLOCKED', message: blockers } : null };
  },
  budgetMs: 300_000,
  undoneBy: [],
};
