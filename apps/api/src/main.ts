import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VersionApi } from '@kubernetes/client-node';
import { clusterUp, realNodeSupport, writeRealNodeStoreValues } from '@urumi/cluster';
import { storeTypes } from '@urumi/contracts';
import { loadKubeConfig } from './adapters/kubernetes/kubeconfig.ts';
import { createLogger } from './adapters/logger.ts';
import { createApp } from './app.ts';
import { ConfigError, parseConfig, podsOfEveryType, simulatedTypes, type Config } from './config.ts';

/** Whether the standard kubeconfig loading order reaches an API server within a few seconds. */
async function defaultClusterAnswers(): Promise<boolean> {
  let kc;
  try {
    kc = loadKubeConfig().kubeConfig;
  } catch {
    return false;
  }
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000).unref());
  const answer = kc
    .makeApiClient(VersionApi)
    .getCode()
    .then(
      () => true,
      () => false,
    );
  return Promise.race([answer, timeout]);
}

async function adminTokenFrom(config: Config): Promise<string | undefined> {
  if (config.URUMI_ADMIN_TOKEN) return config.URUMI_ADMIN_TOKEN;
  if (!config.URUMI_ADMIN_TOKEN_FILE) return undefined;
  const token = (await readFile(config.URUMI_ADMIN_TOKEN_FILE, 'utf8')).trim();
  if (token.length < 32)
    throw new ConfigError('URUMI_ADMIN_TOKEN_FILE: the token must have at least 32 characters');
  return token;
}

async function main(): Promise<void> {
  const config = parseConfig();
  const log = createLogger({ level: config.LOG_LEVEL, dir: config.LOG_DIR });

  let kubeconfigPath: string | undefined;
  let helmBinary = config.HELM_BINARY;
  let valuesProfile: 'local' | undefined;
  let storePods = config.STORE_PODS;
  let typeValuesDir = config.STORE_TYPE_VALUES_DIR;
  let urlPort = config.STORE_URL_PORT;
  const startLines: string[] = [];
  if (config.URUMI_ROLE !== 'api' && !(await defaultClusterAnswers())) {
    if (config.URUMI_LOCAL_CLUSTER === 'never') {
      throw new ConfigError(
        'no Kubernetes API answers (KUBECONFIG, ~/.kube/config, in-cluster) and URUMI_LOCAL_CLUSTER=never',
      );
    }
    log.info('no Kubernetes cluster answers; starting the local one (tools/cluster)');
    const progress = (line: string) => log.info({ component: 'cluster' }, line);
    // Stores run on the real node where this machine can run one (root on Linux), unless
    // URUMI_REAL_NODE=0 or STORE_PODS=simulated says otherwise.
    const support = realNodeSupport();
    const why = !support.ok
      ? support.why
      : process.env.URUMI_REAL_NODE === '0'
        ? 'URUMI_REAL_NODE=0'
        : simulatedTypes(config).length === storeTypes.length
          ? 'STORE_PODS=simulated'
          : null;
    const local = await clusterUp({ log: progress, realNode: why === null });
    kubeconfigPath = local.kubeconfig;
    if (!process.env.HELM_BINARY) helmBinary = local.tools.bin('helm');
    valuesProfile = 'local';
    if (why === null && local.ingressPort) {
      urlPort ??= local.ingressPort;
      startLines.push(
        `Stores open at http://<id>.localhost:${local.ingressPort}/ (the local cluster's ingress).`,
      );
      if (typeValuesDir) {
        // The operator's own values decide where each type's pods run; they are never overwritten.
        startLines.push(`  store values from STORE_TYPE_VALUES_DIR=${typeValuesDir}`);
      } else {
        log.info('building the store images for the real node (the first start takes several minutes)');
        typeValuesDir = join(config.dataDir, 'real-node-values');
        const real = await writeRealNodeStoreValues(typeValuesDir, progress);
        if (!process.env.STORE_PODS) {
          storePods = podsOfEveryType('simulated');
          for (const type of storeTypes) if (real.includes(type)) storePods[type] = 'real';
        }
        startLines.push(
          ...storeTypes.map((type) =>
            real.includes(type)
              ? `  ${type}: real pods on the local cluster's node, images built here`
              : `  ${type}: simulated pods (its setup needs downloads this machine cannot make; README "Local cluster")`,
          ),
        );
      }
    } else {
      // Simulated nodes only: said on every store, and nothing to ask.
      if (!process.env.STORE_PODS) storePods = podsOfEveryType('simulated');
      startLines.push(`Stores are simulated (no real node: ${why ?? 'its ingress did not start'}).`);
    }
  }

  const app = await createApp({
    config: {
      ...config,
      HELM_BINARY: helmBinary,
      STORE_PODS: storePods,
      STORE_TYPE_VALUES_DIR: typeValuesDir,
      STORE_URL_PORT: urlPort,
    },
    log,
    kubeconfigPath,
    adminToken: await adminTokenFrom(config),
    valuesProfile,
  });
  const address = await app.start();

  const lines = [''];
  if (config.URUMI_ROLE === 'worker') {
    lines.push(
      `Urumi worker (engine only): probes and metrics listening on ${address}  (/livez, /readyz, /metrics)`,
    );
  } else {
    lines.push(`Urumi API listening on ${address}  (docs: ${address}/api/docs)`);
  }
  if (kubeconfigPath) lines.push(`Local cluster: export KUBECONFIG=${kubeconfigPath}`, ...startLines);
  if (app.newAdminToken) {
    lines.push(`Admin API token (shown once, store it now):`, `  ${app.newAdminToken}`);
    lines.push(
      `Try: curl -H "Authorization: Bearer <token>" ${address || 'http://127.0.0.1:8080'}/api/stores`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      log.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal }, 'shutting down');
    app.close().then(
      async () => {
        log.info('stopped');
        await log.close();
        process.exit(0);
      },
      async (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        await log.close();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Urumi failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
});
