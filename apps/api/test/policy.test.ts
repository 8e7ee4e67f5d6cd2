import { describe, expect, it } from 'vitest';
import { storeNamespaceSpec } from '../src/engine/policy.ts';
import { storeTypes } from '../src/store-types/index.ts';

describe("the platform's policy for a store namespace", () => {
  it.each([...storeTypes.values()])(
    'enforces restricted Pod Security and denies all traffic but DNS for $type',
    (definition) => {
      const spec = storeNamespaceSpec({ id: 'abc123def456', type: definition.type }, definition);
      expect(spec.name).toBe('store-abc123def456');
      expect(spec.labels).toMatchObject({
        'urumi.io/store-id': 'abc123def456',
        'urumi.io/store-type': definition.type,
        'pod-security.kubernetes.io/enforce': 'restricted',
      });
      const deny = spec.policy.networkPolicies.find((p) => p.name === 'default-deny');
      expect(deny).toEqual({ name: 'default-deny', policyTypes: ['Ingress', 'Egress'], egress: [] });
      // Whatever else the platform allows is egress to DNS in kube-system, nothing more.
      const allowed = spec.policy.networkPolicies.flatMap((p) => p.egress);
      expect(allowed).toEqual([
        {
          toNamespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ]);
      expect(spec.policy.quota.hard).toEqual(definition.guardrails.quota);
      expect(spec.policy.quota.hard['services.loadbalancers']).toBe('0');
    },
  );
});
