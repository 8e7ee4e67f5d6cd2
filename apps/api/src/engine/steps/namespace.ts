import { ClusterConflict } from '../../domain/errors.ts';
import { storeNamespaceSpec } from '../policy.ts';
import type { Step } from './step.ts';

/** The store's namespace, with the platform's policy for it (engine/policy.ts) and grant. */
export const namespace: Step<'namespace'> = {
  id: 'namespace',
  async run(c) {
    try {
      await c.cluster.ensureNamespace(storeNamespaceSpec(c.store, c.definition, c.grant));
    } catch (error) {
      if (error instanceof ClusterConflict)
        return { kind: 'failed', reason: { code: 'KUBERNETES_ERROR', message: error.message } };
      throw error;
    }
    return { kind: 'done' };
  },
  // A quick step, but a control plane that stops answering for a minute or two must not fail it.
  budgetMs: 180_000,
  undoneBy: ['namespace-delete'],
};
