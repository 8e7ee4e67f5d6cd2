import { storeNamespace } from '../../domain/store-id.ts';
import { releaseName } from './release.ts';
import type { Step } from './step.ts';

/** Removes the store's Helm release (its workloads, Services, Ingress, jobs). */
export const uninstall: Step<'uninstall'> = {
  id: 'uninstall',
  async run(c) {
    const namespace = storeNamespace(c.store.id);
    if (!c.cluster.snapshot(namespace).exists) return { kind: 'done' };
    await c.helm.uninstall(releaseName(c.store), namespace);
    return { kind: 'done' };
  },
  budgetMs: 180_000,
  undoneBy: [],
};

/** Deletes the store's volume claims, so their volumes and the data on them go too. */
export const volumes: Step<'volumes'> = {
  id: 'volumes',
  async run(c) {
    const namespace = storeNamespace(c.store.id);
    if (!c.cluster.snapshot(namespace).exists) return { kind: 'done' };
    await c.cluster.deleteVolumeClaims(namespace);
    return { kind: 'done' };
  },
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
