// Medusa specifics for the chart's cluster-tier tests: the chart as the shared store chart checks
// (charts/test-support/conformance.ts) see it, and the engine's readiness checks by its names.
import { join } from 'node:path';
import type { StoreChart } from '../../test-support/conformance.ts';
import { isTrue } from '../../test-support/support.ts';
import { medusa } from '../../../apps/api/src/store-types/medusa/index.ts';
import { kube, waitFor } from '../../../tools/cluster/test/kube.ts';

export const chartDir = join(import.meta.dirname, '..');
export const localValues = join(chartDir, 'values-local.yaml');
export const prodValues = join(chartDir, 'values-prod.yaml');

/**
 * The readiness the engine needs, by the chart's fixed names; each wait up to `timeoutMs` (real
 * pods take longer than simulated ones).
 */
export async function waitForMedusaStore(namespace: string, timeoutMs = 60_000): Promise<void> {
  const { apps, batch, core } = kube();
  for (const name of ['postgres', 'redis']) {
    await waitFor(
      `StatefulSet ${name} to have 1 ready replica`,
      async () => {
        const statefulSet = await apps.readNamespacedStatefulSet({ name, namespace });
        return statefulSet.status?.readyReplicas === 1;
      },
      timeoutMs,
    );
  }
  for (const name of ['medusa-migrations', 'medusa-admin']) {
    await waitFor(
      `Job ${name} to be Complete`,
      async () => {
        const job = await batch.readNamespacedJob({ name, namespace });
        return isTrue(job.status?.conditions, 'Complete');
      },
      timeoutMs,
    );
  }
  for (const name of ['medusa-server', 'medusa-worker']) {
    await waitFor(
      `Deployment ${name} to be Available`,
      async () => {
        const deployment = await apps.readNamespacedDeployment({ name, namespace });
        return (
          deployment.status?.availableReplicas === 1 && isTrue(deployment.status.conditions, 'Available')
        );
      },
      timeoutMs,
    );
  }
  for (const claim of ['data-postgres-0', 'data-redis-0']) {
    await waitFor(
      `PVC ${claim} to be Bound`,
      async () => {
        const pvc = await core.readNamespacedPersistentVolumeClaim({ name: claim, namespace });
        return pvc.status?.phase === 'Bound';
      },
      timeoutMs,
    );
  }
}

/** charts/store-medusa for the checks every store chart must pass. */
export const medusaChart: StoreChart = {
  storeType: medusa,
  namespacePrefix: 'medusa',
  componentOf: {
    'Service/postgres': 'database',
    'Service/postgres-headless': 'database',
    'StatefulSet/postgres': 'database',
    'NetworkPolicy/postgres': 'database',
    'Service/redis': 'cache',
    'Service/redis-headless': 'cache',
    'StatefulSet/redis': 'cache',
    'NetworkPolicy/redis': 'cache',
    'ConfigMap/medusa-env': 'server',
    'Service/medusa-server': 'server',
    'Deployment/medusa-server': 'server',
    'Ingress/medusa': 'server',
    'NetworkPolicy/medusa-server': 'server',
    'Deployment/medusa-worker': 'worker',
    'NetworkPolicy/medusa-worker': 'worker',
    'ConfigMap/medusa-scripts': 'migrations',
    'Job/medusa-migrations': 'migrations',
    'NetworkPolicy/medusa-migrations': 'migrations',
    'ConfigMap/medusa-admin-env': 'admin',
    'Job/medusa-admin': 'admin',
    'NetworkPolicy/medusa-admin': 'admin',
  },
  // Official images by digest; Urumi's Medusa image by tag until the operator sets its digest.
  imagePattern:
    /^(docker\.io\/library\/(postgres|redis):[\w.-]+@sha256:[0-9a-f]{64}|ghcr\.io\/urumi\/medusa-store:[\w.-]+)$/,
  secretEnvPattern: /(PASSWORD|SECRET|AUTH)$/,
  waitForStore: waitForMedusaStore,
  failingJob: { name: 'medusa-migrations', valuesKey: 'migrations', what: 'migrations run' },
  // Store settings live in ConfigMaps, so the Jobs' immutable pod templates do not change.
  changedSettings: { 'store.name': 'Renamed Store', 'store.adminEmail': 'new-owner@example.com' },
  generatedSecretCount: 5,
};
