import type { NamespaceSnapshot, WorkloadView } from '../../domain/ports.ts';
import type { StepCheck, StoreTypeDefinition } from '../../domain/store-type.ts';

/** Secret and object names shared with charts/store-woocommerce. */
export const woocommerceNames = {
  databaseSecret: 'mariadb-credentials',
  wordpressSecret: 'wordpress-credentials',
  database: 'mariadb',
  app: 'wordpress',
  setupJob: 'woocommerce-setup',
} as const;

function workloadReady(kind: string, found: WorkloadView | undefined): StepCheck {
  if (!found) return { kind: 'waiting', detail: `${kind} not created yet` };
  if (found.upToDate && found.ready >= found.desired && found.desired > 0) return { kind: 'ready' };
  return { kind: 'waiting', detail: `${kind} ${found.name}: ${found.ready}/${found.desired} ready` };
}

const checks = {
  database: (s: NamespaceSnapshot) =>
    workloadReady(
      'StatefulSet',
      s.statefulSets.find((w) => w.name === woocommerceNames.database),
    ),
  app: (s: NamespaceSnapshot) => {
    const deployment = s.deployments.find((w) => w.name === woocommerceNames.app);
    if (deployment && deployment.available < deployment.desired) {
      return {
        kind: 'waiting',
        detail: `Deployment wordpress: ${deployment.available}/${deployment.desired} available`,
      } as const;
    }
    return workloadReady('Deployment', deployment);
  },
  setup: (s: NamespaceSnapshot): StepCheck => {
    const job = s.jobs.find((j) => j.name === woocommerceNames.setupJob);
    if (!job) return { kind: 'waiting', detail: 'setup job not created yet' };
    if (job.complete) return { kind: 'ready' };
    if (job.failed) {
      return {
        kind: 'failed',
        reason: { code: 'SETUP_FAILED', message: `WooCommerce setup failed: ${job.message ?? 'no message'}` },
      };
    }
    return { kind: 'waiting', detail: 'setup job running' };
  },
};

/** WooCommerce: WordPress + MariaDB + a WP-CLI setup Job, from charts/store-woocommerce. */
export const woocommerce: StoreTypeDefinition = {
  type: 'woocommerce',
  chart: 'store-woocommerce',
  secrets: [
    { name: woocommerceNames.databaseSecret, keys: ['root-password', 'password'] },
    {
      name: woocommerceNames.wordpressSecret,
      keys: [
        'admin-password',
        'auth-key',
        'secure-auth-key',
        'logged-in-key',
        'nonce-key',
        'auth-salt',
        'secure-auth-salt',
        'logged-in-salt',
        'nonce-salt',
      ],
    },
  ],
  guardrails: {
    quota: {
      'requests.cpu': '2',
      'requests.memory': '4Gi',
      'limits.cpu': '4',
      'limits.memory': '8Gi',
      'requests.storage': '40Gi',
      persistentvolumeclaims: '4',
      pods: '10',
      'services.loadbalancers': '0',
      'services.nodeports': '0',
    },
    containerDefaults: {
      request: { cpu: '100m', memory: '128Mi' },
      limit: { cpu: '1', memory: '512Mi' },
      max: { cpu: '2', memory: '2Gi' },
    },
  },
  values: (store, { host }) => ({
    store: { id: store.id, name: store.name, host },
    database: { existingSecret: woocommerceNames.databaseSecret },
    wordpress: { existingSecret: woocommerceNames.wordpressSecret },
  }),
  rerunJobs: [woocommerceNames.setupJob],
  checks,
  adminPath: '/wp-admin/',
};
