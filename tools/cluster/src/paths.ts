import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `tools/cluster` folder of the checkout this code runs from. */
export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const goModulesDir = join(packageDir, 'go');
export const stagesSourceDir = join(packageDir, 'stages');

/**
 * Built binaries are cached outside the repository: `$URUMI_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/urumi`, else `~/.cache/urumi`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.URUMI_CACHE_DIR) return resolve(env.URUMI_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'urumi');
}

/**
 * A running cluster's state (certificates, etcd data, logs, kubeconfig) lives in
 * `$URUMI_CLUSTER_DIR`, else `$XDG_STATE_HOME/urumi/cluster`, else `~/.local/state/urumi/cluster`.
 * `cluster:down` removes it.
 */
export function clusterStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.URUMI_CLUSTER_DIR) return resolve(env.URUMI_CLUSTER_DIR);
  const stateHome = env.XDG_STATE_HOME ? resolve(env.XDG_STATE_HOME) : join(homedir(), '.local', 'state');
  return join(stateHome, 'urumi', 'cluster');
}
