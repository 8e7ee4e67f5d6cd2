import type { ReasonCode, StoreStatus, StoreStep, StoreType } from '@urumi/contracts';

export const storeTypeLabels: Record<StoreType, string> = { woocommerce: 'WooCommerce', medusa: 'Medusa' };

/** What a store's two addresses are, per type: a WooCommerce store serves a shop, Medusa an API. */
export const storeLinkLabels: Record<StoreType, { url: string; admin: string }> = {
  woocommerce: { url: 'Storefront', admin: 'WordPress admin' },
  medusa: { url: 'Storefront API', admin: 'Medusa admin' },
};

/** What the store is doing during each step, as shown while it runs. */
export const stepInProgress: Record<StoreStep, string> = {
  queued: 'Waiting for a provisioning slot',
  namespace: 'Creating the namespace',
  secrets: 'Creating secrets',
  release: 'Installing the Helm release',
  database: 'Starting the database',
  app: 'Starting the store app',
  setup: 'Setting up the store',
  verify: 'Checking every workload is still ready',
  uninstall: 'Uninstalling the Helm release',
  volumes: 'Deleting volumes',
  'namespace-delete': 'Deleting the namespace',
};

/** A step's short name, for progress lists. */
export const stepNames: Record<StoreStep, string> = {
  queued: 'Queue',
  namespace: 'Namespace',
  secrets: 'Secrets',
  release: 'Helm release',
  database: 'Database',
  app: 'Store app',
  setup: 'Setup',
  verify: 'Final check',
  uninstall: 'Helm release',
  volumes: 'Volumes',
  'namespace-delete': 'Namespace',
};

/** A finished step, as the timeline tells it. */
export const stepDone: Record<StoreStep, string> = {
  queued: 'Left the queue',
  namespace: 'Namespace created',
  secrets: 'Secrets created',
  release: 'Helm release installed',
  database: 'Database ready',
  app: 'Store app ready',
  setup: 'Store set up',
  verify: 'Final check passed',
  uninstall: 'Helm release uninstalled',
  volumes: 'Volumes deleted',
  'namespace-delete': 'Namespace deleted',
};

/**
 * A failure reason code in a few plain words; the API's message and hint follow it. Every code of
 * the contract has one: a new code without a title here does not compile.
 */
const reasonTitles: Record<ReasonCode, string> = {
  TIMEOUT: 'It took longer than allowed',
  SCHEDULING_FAILED: 'The cluster has no room for this store',
  QUOTA_EXCEEDED: "The store's resource quota was too small",
  IMAGE_PULL_FAILED: 'A container image could not be downloaded',
  CRASH_LOOP: 'Part of the store keeps crashing',
  OOM_KILLED: 'Part of the store ran out of memory',
  VOLUME_PENDING: 'Storage for the store could not be created',
  SETUP_FAILED: "The store's setup job failed",
  MIGRATIONS_FAILED: "The store's database migrations failed",
  RELEASE_FAILED: 'Helm could not install the store',
  KUBERNETES_ERROR: 'Kubernetes refused a request',
  NOT_READY: 'Part of the store runs but is not ready',
  PLATFORM_MISCONFIGURED: "Urumi's configuration stops this store",
  SITE_ERROR: 'The store answers with an error',
  SITE_UNREACHABLE: 'The store cannot be reached',
  TEARDOWN_BLOCKED: 'Deleting the store is blocked',
};

export function reasonTitle(code: ReasonCode): string {
  return reasonTitles[code];
}

export const statusTones: Record<StoreStatus, string> = {
  Provisioning: 'bg-blue-100 text-blue-900 ring-blue-300',
  Ready: 'bg-green-100 text-green-900 ring-green-300',
  Degraded: 'bg-amber-100 text-amber-950 ring-amber-400',
  Failed: 'bg-red-100 text-red-900 ring-red-300',
  Deleting: 'bg-slate-200 text-slate-900 ring-slate-400',
  Deleted: 'bg-slate-100 text-slate-700 ring-slate-300',
};
