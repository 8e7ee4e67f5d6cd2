import type { NamespacePolicy, NamespaceSpec } from '../domain/ports.ts';
import { storeNamespace } from '../domain/store-id.ts';
import type { StoreTypeDefinition } from '../domain/store-type.ts';
import type { StoreRecord } from '../domain/store.ts';

/**
 * The platform's policy for a store's namespace, as data: what the engine decides and the cluster
 * adapter only applies. A chart cannot loosen any of it; it adds only the flows its workloads need.
 */
export function storeNamespaceSpec(
  store: Pick<StoreRecord, 'id' | 'type'>,
  definition: Pick<StoreTypeDefinition, 'guardrails'>,
  grant?: NamespaceSpec['grant'],
): NamespaceSpec {
  return {
    name: storeNamespace(store.id),
    labels: {
      'app.kubernetes.io/managed-by': 'urumi',
      'urumi.io/store-id': store.id,
      'urumi.io/store-type': store.type,
      // Merchants run plugins, i.e. untrusted code. Every store workload meets the restricted
      // profile (charts/store-woocommerce/README.md, "Pod Security"), so that is what is enforced.
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    },
    policy: storePolicy(definition.guardrails),
    grant,
  };
}

/** The guardrails of one store type as the objects that carry them. */
export function storePolicy(guardrails: StoreTypeDefinition['guardrails']): NamespacePolicy {
  return {
    quota: { name: 'store-quota', hard: guardrails.quota },
    limitRange: { name: 'store-limits', container: guardrails.containerDefaults },
    networkPolicies: [
      // Deny everything by default; the store's chart adds the few flows it needs.
      { name: 'default-deny', policyTypes: ['Ingress', 'Egress'], egress: [] },
      // Name lookups: every store pod may ask the cluster's DNS in kube-system.
      {
        name: 'allow-dns',
        policyTypes: ['Egress'],
        egress: [
          {
            toNamespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    ],
  };
}
