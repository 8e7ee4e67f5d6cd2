import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { HelmCli } from './adapters/helm/helm-cli.ts';
import { KubernetesCluster } from './adapters/kubernetes/cluster.ts';
import {
  kubeconfigForHelm,
  loadKubeConfig,
  type LoadedKubeConfig,
} from './adapters/kubernetes/kubeconfig.ts';
import { createMetrics } from './adapters/metrics/prometheus.ts';
import { listenForStoreChanges } from './adapters/postgres/change-feed.ts';
import { isDatabaseUnavailable, openDatabase } from './adapters/postgres/database.ts';
import { PostgresStoreRepository } from './adapters/postgres/store-repository.ts';
import { PostgresTokenRepository } from './adapters/postgres/token-repository.ts';
import { HttpSite } from './adapters/site/http-site.ts';
import {
  ConfigError,
  simulatedTypes,
  siteCheckOf,
  stepBudgetOverrides,
  unaskedTypes,
  type Config,
} from './config.ts';
import { systemClock } from './domain/ports.ts';
import { StoreService } from './domain/store-service.ts';
import { ensureAdminToken } from './domain/tokens.ts';
import { Engine } from './engine/engine.ts';
import { stepBudgets } from './engine/steps/index.ts';
import { buildServer } from './http/server.ts';
import { adminPaths, storeTypes } from './store-types/index.ts';

export interface AppOptions {
  config: Config;
  log: Logger;
  /** The kubeconfig file to use; unset → the standard loading order (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfigPath?: string | undefined;
  /** The admin token to register (from URUMI_ADMIN_TOKEN or its file). */
  adminToken?: string | undefined;
  /** Chart values profile when STORE_VALUES_PROFILE is unset (`local` on the local cluster). */
  valuesProfile?: 'local' | 'prod' | 'none';
  /** The environment Kubernetes access is loaded from and helm runs in; default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The composition root: the one place that builds adapters and hands them to the engine and the
 * HTTP server. `role` decides what runs: the API, the engine, or both.
 */
export async function createApp(o: AppOptions) {
  const { config, log } = o;
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: join(config.dataDir, 'pglite') });
  const repository = new PostgresStoreRepository({ db: database.db });
  const tokens = new PostgresTokenRepository({ db: database.db });
  const { created: newAdminToken } = await ensureAdminToken(tokens, o.adminToken);

  const runsEngine = config.URUMI_ROLE !== 'api';
  let loaded: LoadedKubeConfig | null = null;
  try {
    loaded = loadKubeConfig({ file: o.kubeconfigPath, env: o.env });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (runsEngine) throw new ConfigError(`Kubernetes: ${why}`);
    // The API alone needs Kubernetes only for /api/health, which then says so.
    log.warn(`Kubernetes: ${why}; /api/health reports kubernetes and helm down`);
  }
  const kubeConfig = loaded?.kubeConfig ?? unreachableCluster();
  const cluster = new KubernetesCluster({ kubeConfig, log: log.child({ component: 'kubernetes' }) });
  if (runsEngine) await cluster.start();

  const helmHome = join(config.dataDir, 'helm');
  const helm = new HelmCli({
    binary: config.HELM_BINARY,
    // The very configuration the API loaded, written out for helm (undefined in a pod: helm reads
    // the same ServiceAccount itself).
    kubeconfig: loaded ? await kubeconfigForHelm(loaded, join(helmHome, 'kubeconfig')) : undefined,
    homeDir: helmHome,
    env: o.env,
  });
  const metrics = createMetrics({ repository, watchCount: () => cluster.watchCount() });
  const profile = o.valuesProfile ?? config.STORE_VALUES_PROFILE ?? 'none';
  const siteCheck = siteCheckOf(config);
  const budgets = stepBudgets(stepBudgetOverrides(config));

  const engine = runsEngine
    ? new Engine({
        repository,
        cluster,
        helm,
        storeTypes,
        clock: systemClock,
        log: log.child({ component: 'engine' }),
        metrics: metrics.engine,
        chartsDir: config.chartsDir,
        valuesProfile: profile === 'none' ? null : profile,
        extraValuesFiles: config.STORE_EXTRA_VALUES_FILE ? [config.STORE_EXTRA_VALUES_FILE] : [],
        typeValuesDir: config.STORE_TYPE_VALUES_DIR ?? null,
        baseDomain: config.STORE_BASE_DOMAIN,
        maxInFlight: config.MAX_CONCURRENT_PROVISIONS,
        leaseMs: config.ENGINE_LEASE_SECONDS * 1000,
        provisionTimeoutMs: config.PROVISION_TIMEOUT_SECONDS * 1000,
        grant: config.storeGrant,
        unaskedTypes: unaskedTypes(config),
        site:
          siteCheck === 'off'
            ? null
            : new HttpSite({
                mode: siteCheck,
                scheme: config.STORE_URL_SCHEME,
                urlPort: config.STORE_URL_PORT,
                ingressAddress: config.ingressAddress,
              }),
        budgets,
        repairAfterMs: config.REPAIR_AFTER_SECONDS * 1000,
      })
    : null;

  const changes = await listenForStoreChanges(database);
  const stores = new StoreService({
    repository,
    clock: systemClock,
    baseDomain: config.STORE_BASE_DOMAIN,
    urlScheme: config.STORE_URL_SCHEME,
    urlPort: config.STORE_URL_PORT,
    simulatedTypes: simulatedTypes(config),
    adminPaths,
    maxStores: config.MAX_STORES,
    budgets,
    onChange: () => engine?.poke(),
  });

  // Health answers from a cache refreshed at most every 2 s, so probes cannot hammer Kubernetes.
  let cached: { at: number; checks: { database: boolean; kubernetes: boolean; helm: boolean } } | null = null;
  const health = async () => {
    if (cached && Date.now() - cached.at < 2_000) return cached.checks;
    const [db, kube, helmOk] = await Promise.all([
      database.ping(),
      loaded ? cluster.ping() : false,
      loaded ? helm.reachesCluster() : false,
    ]);
    cached = { at: Date.now(), checks: { database: db, kubernetes: kube, helm: helmOk } };
    return cached.checks;
  };

  const server = await buildServer({
    logger: log,
    stores,
    tokens,
    changes,
    health,
    ready: () => database.ping(),
    metrics: metrics.registry,
    bodyLimit: config.BODY_LIMIT_BYTES,
    corsOrigin: config.CORS_ORIGIN,
    createRateLimitPerMinute: config.CREATE_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
    metricsToken: config.METRICS_TOKEN,
    dashboardDir: config.dashboardDir,
    isUnavailable: isDatabaseUnavailable,
    trustedProxies: config.TRUSTED_PROXIES,
    // A worker serves no API, only its probes, health and metrics on its own port.
    routes: config.URUMI_ROLE === 'worker' ? 'operations' : 'all',
  });

  return {
    server,
    engine,
    newAdminToken,
    repository,
    async start(): Promise<string> {
      engine?.start();
      return server.listen({ host: config.HOST, port: config.PORT });
    },
    /** Graceful: stop taking requests, let the engine reach a safe point and free its leases. */
    async close(): Promise<void> {
      await server.close();
      await engine?.stop();
      await cluster.stop();
      await changes.close();
      await database.close();
    },
  };
}

/** A client configuration that reaches nothing, for an API-only process without Kubernetes access. */
function unreachableCluster(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: 'none', server: 'https://127.0.0.1:1', skipTLSVerify: false },
    { name: 'none' },
  );
  return kubeConfig;
}

export type App = Awaited<ReturnType<typeof createApp>>;
