import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { storeTypes, teardownSteps, type StoreStep, type StoreType } from '@urumi/contracts';
import { z } from 'zod';

/** Where each store type's pods run (STORE_PODS). */
export type StorePods = Record<StoreType, 'real' | 'simulated'>;

/** Every type's pods in one place. */
export function podsOfEveryType(mode: 'real' | 'simulated'): StorePods {
  return Object.fromEntries(storeTypes.map((type) => [type, mode])) as StorePods;
}

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** An address, a CIDR, or one of the named ranges `loopback`, `linklocal`, `uniquelocal`. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

const trustedProxiesSchema = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .refine((entries) => entries.every(isProxyAddress), {
    message: 'comma-separated addresses or CIDRs (or loopback, linklocal, uniquelocal), e.g. 10.42.0.0/16',
  });

/**
 * Every setting, from environment variables, validated once at start-up. The README's
 * "Configuration" table lists the same variables.
 */
const envSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: intFrom(0, 65_535).default(8080),
  /** PostgreSQL connection string; unset → embedded PGlite in URUMI_DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  URUMI_DATA_DIR: z.string().optional(),
  URUMI_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  STORE_BASE_DOMAIN: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      'a DNS domain such as localhost or shops.example.com',
    )
    .default('localhost'),
  STORE_URL_SCHEME: z.enum(['http', 'https']).default('http'),
  /** The port in store URLs, when the ingress controller does not listen on the scheme's own port. */
  STORE_URL_PORT: intFrom(1, 65_535).optional(),
  /**
   * How the verify step proves a store answers before calling it Ready: `ingress` requests its URL
   * as a browser would, `service` its Service by cluster DNS (a platform running in the cluster),
   * `off` asks nothing (simulated pods, which serve nothing).
   */
  STORE_SITE_CHECK: z.enum(['ingress', 'service', 'off']).optional(),
  /**
   * Whether store pods really run (`real`) or are simulated (`simulated`: KWOK nodes, where nothing
   * answers), for every store type or per type (`medusa=real,woocommerce=simulated`; a type not
   * named is real). A simulated store is not asked over HTTP and says so.
   */
  STORE_PODS: z
    .string()
    .transform((value, ctx): StorePods => {
      if (value === 'real' || value === 'simulated') return podsOfEveryType(value);
      const modes = podsOfEveryType('real');
      for (const entry of value.split(',')) {
        const [type = '', mode = ''] = entry.split('=');
        if (!(storeTypes as readonly string[]).includes(type) || (mode !== 'real' && mode !== 'simulated')) {
          ctx.addIssue({
            code: 'custom',
            message: `real, simulated, or <type>=real|simulated for each type (${storeTypes.join(', ')}), comma-separated; got ${JSON.stringify(entry)}`,
          });
          return z.NEVER;
        }
        modes[type as StoreType] = mode;
      }
      return modes;
    })
    .default(() => podsOfEveryType('real')),
  /** `host:port` of the ingress controller, for the ingress check when store host names do not resolve. */
  STORE_INGRESS_ADDRESS: z
    .string()
    .regex(/^[a-zA-Z0-9.-]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:8080')
    .optional(),
  MAX_STORES: intFrom(1, 100_000).default(50),
  MAX_CONCURRENT_PROVISIONS: intFrom(1, 1_000).default(3),
  /** Deadline for a whole provision, from leaving the queue to Ready. */
  PROVISION_TIMEOUT_SECONDS: intFrom(10, 86_400).default(300),
  /** Deadline of each teardown step (uninstall, volumes, namespace-delete). */
  DELETE_TIMEOUT_SECONDS: intFrom(10, 86_400).default(300),
  /**
   * How long a Degraded store may take to recover by itself (a restarted pod) before the engine
   * repairs it: its Secrets and release re-applied, then checked like a new store, up to 3 times.
   */
  REPAIR_AFTER_SECONDS: intFrom(1, 86_400).default(120),
  /** How long a store may wait in the queue before it fails. */
  QUEUE_TIMEOUT_SECONDS: intFrom(10, 7 * 86_400).default(3_600),
  URUMI_ADMIN_TOKEN: z.string().min(32, 'at least 32 characters').optional(),
  URUMI_ADMIN_TOKEN_FILE: z.string().optional(),
  HELM_BINARY: z.string().default('helm'),
  STORE_CHARTS_DIR: z.string().optional(),
  /** The built dashboard to serve at `/`; default: the repository's apps/dashboard/dist. */
  DASHBOARD_DIR: z.string().optional(),
  /** Which of a chart's values-<profile>.yaml files every store release uses, if any. */
  STORE_VALUES_PROFILE: z.enum(['local', 'prod', 'none']).optional(),
  /** One more values file for every store release, last (operators' overrides; tests). */
  STORE_EXTRA_VALUES_FILE: z.string().optional(),
  STORE_TYPE_VALUES_DIR: z.string().optional(),
  /** Whether `npm start` may start the local cluster when no Kubernetes API answers. */
  URUMI_LOCAL_CLUSTER: z.enum(['auto', 'never']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_DIR: z.string().optional(),
  BODY_LIMIT_BYTES: intFrom(1_024, 10 * 1_024 * 1_024).default(16 * 1_024),
  /** Dashboard origin allowed by CORS; unset → same origin only. */
  CORS_ORIGIN: z.url().optional(),
  CREATE_RATE_LIMIT_PER_MINUTE: intFrom(1, 100_000).default(60),
  AUTH_FAILURES_PER_MINUTE: intFrom(1, 100_000).default(30),
  /**
   * The proxies in front of the API (an ingress controller), whose X-Forwarded-For names the
   * client for the failed sign-in limit and the logs. Unset: the connection's peer is the client.
   */
  TRUSTED_PROXIES: trustedProxiesSchema.default([]),
  /** When set, /metrics requires `Authorization: Bearer <this>`. */
  METRICS_TOKEN: z.string().min(16).optional(),
  ENGINE_LEASE_SECONDS: intFrom(2, 3_600).default(15),
  /** ClusterRole bound into each store namespace for URUMI_SERVICE_ACCOUNT (least-privilege installs). */
  STORE_NAMESPACE_CLUSTERROLE: z.string().min(1).optional(),
  /** The platform's ServiceAccount as `<namespace>/<name>`; required with STORE_NAMESPACE_CLUSTERROLE. */
  URUMI_SERVICE_ACCOUNT: z
    .string()
    .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'a ServiceAccount as <namespace>/<name>')
    .optional(),
  /** Any value (development, staging, production...): Urumi's behaviour does not depend on it. */
  NODE_ENV: z.string().default('production'),
});

export type Config = ReturnType<typeof parseConfig>;

/** The store types whose pods are simulated (STORE_PODS). */
/** The step budgets set by configuration; every other step keeps its own (engine/steps). */
export function stepBudgetOverrides(
  c: Pick<Config, 'QUEUE_TIMEOUT_SECONDS' | 'DELETE_TIMEOUT_SECONDS'>,
): Partial<Record<StoreStep, number>> {
  return {
    queued: c.QUEUE_TIMEOUT_SECONDS * 1000,
    ...Object.fromEntries(teardownSteps.map((step) => [step, c.DELETE_TIMEOUT_SECONDS * 1000])),
  };
}

export function simulatedTypes(c: Pick<Config, 'STORE_PODS'>): StoreType[] {
  return storeTypes.filter((type) => c.STORE_PODS[type] === 'simulated');
}

/**
 * How the verify step asks stores: STORE_SITE_CHECK, else nothing when every type's pods are
 * simulated, else their URL.
 */
export function siteCheckOf(
  c: Pick<Config, 'STORE_SITE_CHECK' | 'STORE_PODS'>,
): 'ingress' | 'service' | 'off' {
  return c.STORE_SITE_CHECK ?? (simulatedTypes(c).length === storeTypes.length ? 'off' : 'ingress');
}

/**
 * The store types the verify step does not ask: the simulated ones (nothing answers there), unless
 * STORE_SITE_CHECK was set, which asks every store (e.g. a stand-in ingress in front of simulated pods).
 */
export function unaskedTypes(c: Pick<Config, 'STORE_SITE_CHECK' | 'STORE_PODS'>): StoreType[] {
  return c.STORE_SITE_CHECK ? [] : simulatedTypes(c);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (Boolean(c.STORE_NAMESPACE_CLUSTERROLE) !== Boolean(c.URUMI_SERVICE_ACCOUNT)) {
    throw new ConfigError(
      'Invalid configuration:\n  STORE_NAMESPACE_CLUSTERROLE and URUMI_SERVICE_ACCOUNT go together',
    );
  }
  const [saNamespace, saName] = (c.URUMI_SERVICE_ACCOUNT ?? '').split('/');
  const [ingressHost, ingressPort] = (c.STORE_INGRESS_ADDRESS ?? '').split(':');
  const dataHome = env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), '.local', 'share');
  return {
    ...c,
    storeGrant:
      c.STORE_NAMESPACE_CLUSTERROLE && saNamespace && saName
        ? {
            clusterRole: c.STORE_NAMESPACE_CLUSTERROLE,
            serviceAccount: { namespace: saNamespace, name: saName },
          }
        : undefined,
    ingressAddress: ingressHost && ingressPort ? { host: ingressHost, port: Number(ingressPort) } : undefined,
    dataDir: resolve(c.URUMI_DATA_DIR ?? join(dataHome, 'urumi')),
    chartsDir: resolve(c.STORE_CHARTS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'charts')),
    dashboardDir: resolve(c.DASHBOARD_DIR ?? join(import.meta.dirname, '..', '..', 'dashboard', 'dist')),
  };
}
