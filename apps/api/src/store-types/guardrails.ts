import type { StoreTypeDefinition } from '../domain/store-type.ts';

/**
 * The namespace guardrails every store type starts from: room for a store's workloads and Jobs
 * under 4 CPU / 8 GiB of limits, no LoadBalancer or NodePort Services, and container defaults for
 * anything a chart leaves without resources. A type overrides what its chart needs differently.
 */
export function storeGuardrails(overrides: { pods: number }): StoreTypeDefinition['guardrails'] {
  return {
    quota: {
      'requests.cpu': '2',
      'requests.memory': '4Gi',
      'limits.cpu': '4',
      'limits.memory': '8Gi',
      'requests.storage': '40Gi',
      persistentvolumeclaims: '4',
      pods: String(overrides.pods),
      'services.loadbalancers': '0',
      'services.nodeports': '0',
    },
    containerDefaults: {
      request: { cpu: '100m', memory: '128Mi' },
      limit: { cpu: '1', memory: '512Mi' },
      max: { cpu: '2', memory: '2Gi' },
    },
  };
}
