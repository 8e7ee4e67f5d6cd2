import type { NamespaceSnapshot } from '../../domain/ports.ts';
import type { StoreTypeDefinition } from '../../domain/store-type.ts';
import { deploymentAvailable, jobDone, statefulSetReady } from '../checks.ts';

/** Secret and object names shared with charts/store-woocommerce. */
export const woocommerceNames = {
  databaseSecret: 'mariadb-credentials',
  wordpressSecret: 'wordpress-credentials',
  database: 'mariadb',
  app: 'wordpress',
  setupJob: 'woocommerce-setup',
} as const;

const checks = {
  database: (s: NamespaceSnapshot) => statefulSetReady(s, woocommerceNames.database),
  app: (s: NamespaceSnapshot) => deploymentAvailable(s, woocommerceNames.app),
  setup: (s: NamespaceSnapshot) =>
    jobDone(s, { name: woocommerceNames.setupJob, what: 'WooCommerce setup', failure: 'SETUP_FAILED' }),
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
