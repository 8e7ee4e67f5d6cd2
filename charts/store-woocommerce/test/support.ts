// WooCommerce specifics for the chart's cluster-tier tests: the chart as the shared store chart
// checks (charts/test-support/conformance.ts) see it, and the engine's readiness checks by its names.
import { join } from 'node:path';
import type { StoreChart } from '../../test-support/conformance.ts';
import { isTrue } from '../../test-support/support.ts';
import { woocommerce } from '../../../apps/api/src/store-types/woocommerce/index.ts';
import { kube, waitFor } from '../../../tools/cluster/test/kube.ts';

export const chartDir = join(import.meta.dirname, '..');
export const localValues = join(chartDir, 'values-local.yaml');
export const prodValues = join(chartDir, 'values-prod.yaml');

/** The engine's readiness checks, by the chart's fixed names. */
export async function waitForStore(namespace: string): Promise<void> {
  const { apps, batch, core } = kube();
  await waitFor('StatefulSet mariadb to have 1 ready replica', async () => {
    const statefulSet = await apps.readNamespacedStatefulSet({ name: 'mariadb', namespace });
    return statefulSet.status?.readyReplicas === 1;
  });
  await waitFor('Deployment wordpress to be Available', async () => {
    const deployment = await apps.readNamespacedDeployment({ name: 'wordpress', namespace });
    return deployment.status?.availableReplicas === 1 && isTrue(deployment.status.conditions, 'Available');
  });
  await waitFor('Job woocommerce-setup to be Complete', async () => {
    const job = await batch.readNamespacedJob({ name: 'woocommerce-setup', namespace });
    return isTrue(job.status?.conditions, 'Complete');
  });
  for (const claim of ['data-mariadb-0', 'wp-content']) {
    await waitFor(`PVC ${claim} to be Bound`, async () => {
      const pvc = await core.readNamespacedPersistentVolumeClaim({ name: claim, namespace });
      return pvc.status?.phase === 'Bound';
    });
  }
}

/** charts/store-woocommerce for the checks every store chart must pass. */
export const woocommerceChart: StoreChart = {
  storeType: woocommerce,
  namespacePrefix: 'woo',
  componentOf: {
    'ConfigMap/mariadb-config': 'database',
    'Service/mariadb': 'database',
    'Service/mariadb-headless': 'database',
    'StatefulSet/mariadb': 'database',
    'NetworkPolicy/mariadb': 'database',
    'ConfigMap/wordpress-config': 'storefront',
    'ConfigMap/wordpress-env': 'storefront',
    'PersistentVolumeClaim/wp-content': 'storefront',
    'Deployment/wordpress': 'storefront',
    'Service/wordpress': 'storefront',
    'Ingress/wordpress': 'storefront',
    'NetworkPolicy/wordpress': 'storefront',
    'ConfigMap/woocommerce-setup': 'setup',
    'ConfigMap/woocommerce-setup-env': 'setup',
    'Job/woocommerce-setup': 'setup',
    'NetworkPolicy/woocommerce-setup': 'setup',
  },
  imagePattern: /^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/,
  secretEnvPattern: /(PASSWORD|_KEY|_SALT)$/,
  waitForStore,
  failingJob: { name: 'woocommerce-setup', valuesKey: 'setup', what: 'setup' },
  changedSettings: { 'store.name': 'Renamed Store', 'woocommerce.currency': 'EUR' },
  generatedSecretCount: 11,
};
