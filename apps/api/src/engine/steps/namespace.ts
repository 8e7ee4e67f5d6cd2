import { ClusterConflict } from '../../domain/errors.ts';
import { storeNamespace } from '../../domain/store-id.ts';
import type { Step } from './step.ts';

/** The store's namespace, with its guardrails (quota, limits, default-deny policies) and grant. */
export const namespace: Step<'namespace'> = {
  id: 'namespace',
  async run(c) {
    try {
      await c.cluster.ensureNamespace({
        name: storeNamespace(c.store.id),
        labels: {
          'app.kubernetes.io/managed-by': 'urumi',
          'urumi.io/store-id': c.store.id,
          'urumi.io/store-type': c.store.type,
          // Merchants run plugins, i.e. untrusted code. Every store workload meets the restricted
          // profile (charts/store-woocommerce/README.md, "Pod Security"), so that is what is enforced.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
        ...c.definition.guardrails,
        grant: c.grant,
      });
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
