// Medusa specifics for the chart's cluster-tier tests; the chart-independent helpers (helm, golden
// files, manifests, the prepared namespace) are shared with charts/store-woocommerce.
import { join } from 'node:path';
import { medusa } from '../../../apps/api/src/store-types/medusa/index.ts';
import { kube, waitFor } from '../../../tools/cluster/test/kube.ts';
import { isTrue, prepareStoreNamespace } from '../../store-woocommerce/test/support.ts';

export const chartDir = join(import.meta.dirname, '..');
export const localValues = join(chartDir, 'values-local.yaml');
export const prodValues = join(chartDir, 'values-prod.yaml');

/** The Secrets the engine creates before install (the chart's contract), from the store type. */
export const medusaSecrets = medusa.secrets;

/**
 * A prepared store namespace as the engine prepares it for a Medusa store (restricted Pod Security,
 * the Medusa quota and LimitRange) with the Medusa Secrets.
 */
export function prepareMedusaNamespace(
  prefix: string,
): Promise<{ namespace: string; secretValues: string[] }> {
  return prepareStoreNamespace(prefix, medusa);
}

/** The readiness the engine needs, by the chart's fixed names. */
export async function waitForMedusaStore(namespace: string): Promise<void> {
  const { apps, batch, core } = kube();
  for (const name of ['postgres', 'redis']) {
    await waitFor(`StatefulSet ${name} to have 1 ready replica`, async () => {
      const statefulSet = await apps.readNamespacedStatefulSet({ name, namespace });
      return statefulSet.status?.readyReplicas === 1;
    });
  }
  for (const name of ['medusa-migrations', 'medusa-admin']) {
    await waitFor(`Job ${name} to be Complete`, async () => {
      const job = await batch.readNamespacedJob({ name, namespace });
      return isTrue(job.status?.conditions, 'Complete');
    });
  }
  for (const name of ['medusa-server', 'medusa-worker']) {
    await waitFor(`Deployment ${name} to be Available`, async () => {
      const deployment = await apps.readNamespacedDeployment({ name, namespace });
      return deployment.status?.availableReplicas === 1 && isTrue(deployment.status.conditions, 'Available');
    });
  }
  for (const claim of ['data-postgres-0', 'data-redis-0']) {
    await waitFor(`PVC ${claim} to be Bound`, async () => {
      const pvc = await core.readNamespacedPersistentVolumeClaim({ name: claim, namespace });
      return pvc.status?.phase === 'Bound';
    });
  }
}
