import type { NamespaceSnapshot } from '../../domain/ports.ts';
import type { StoreTypeDefinition } from '../../domain/store-type.ts';
import { deploymentAvailable, jobDone, statefulSetReady } from '../checks.ts';
import { storeGuardrails } from '../guardrails.ts';

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
  // Sized for values-prod.yaml with the setup Job running (charts/store-woocommerce/README.md).
  guardrails: storeGuardrails({ pods: 10 }),
  values: (store, { host }) => ({
    store: { id: store.id, name: store.name, host },
    database: { existingSecret: woocommerceNames.databaseSecret },
    wordpress: { existingSecret: woocommerceNames.wordpressSecret },
  }),
  rerunJobs: [woocommerceNames.setupJob],
  checks,
  adminPath: '/wp-admin/',
  site: {
    service: woocommerceNames.app,
    port: 80,
    pages: [
      { what: 'the storefront', path: '/' },
      { what: 'the admin sign-in page', path: '/wp-login.php' },
    ],
  },
};
