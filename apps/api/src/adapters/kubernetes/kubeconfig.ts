import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';

/** Where the cluster configuration came from. */
export type KubeConfigSource = 'file' | 'KUBECONFIG' | '~/.kube/config' | 'in-cluster';

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  source: KubeConfigSource;
  /** The files read, in order (none for in-cluster). */
  files: string[];
}

/**
 * The one loading order for Kubernetes access, kubectl's: an explicit file; else every file of
 * `KUBECONFIG` merged (the first file to name a cluster, user or context wins, and so does the first
 * non-empty current-context; missing files are skipped); else `~/.kube/config`; else the pod's
 * ServiceAccount (in-cluster). The API's client and helm both use its result, so they can never
 * talk to two different clusters.
 */
export function loadKubeConfig(
  o: { file?: string | undefined; env?: NodeJS.ProcessEnv; home?: string } = {},
): LoadedKubeConfig {
  const env = o.env ?? process.env;
  const home = o.home ?? env.HOME ?? homedir();
  if (o.file) return { kubeConfig: merged([o.file]), source: 'file', files: [o.file] };
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length > 0) {
    const files = listed.filter((file) => existsSync(file));
    if (files.length === 0) {
      throw new Error(`KUBECONFIG names no file that exists (${listed.join(delimiter)})`);
    }
    return { kubeConfig: merged(files), source: 'KUBECONFIG', files };
  }
  const homeConfig = join(home, '.kube', 'config');
  if (existsSync(homeConfig)) {
    return { kubeConfig: merged([homeConfig]), source: '~/.kube/config', files: [homeConfig] };
  }
  if (env.KUBERNETES_SERVICE_HOST) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromCluster();
    return { kubeConfig, source: 'in-cluster', files: [] };
  }
  throw new Error('no Kubernetes configuration: set KUBECONFIG, create ~/.kube/config, or run in a pod');
}

function merged(files: string[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const file of files) {
    const one = new KubeConfig();
    // Reads the file and makes its certificate paths absolute (relative to the file's folder).
    one.loadFromFile(file);
    for (const c of one.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    currentContext ||= one.getCurrentContext();
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  if (!currentContext || !contexts.has(currentContext)) {
    throw new Error(
      currentContext
        ? `the current context "${currentContext}" is not defined in ${files.join(delimiter)}`
        : `no current context is set in ${files.join(delimiter)}`,
    );
  }
  return kubeConfig;
}

/**
 * The kubeconfig file helm is given: the loaded configuration written out whole (0600, it holds
 * credentials), so helm reaches exactly the cluster the API reaches, with the same user. Exec
 * credential plugins (aws, gke-gcloud-auth-plugin, kubelogin) stay as they are: helm runs them with
 * Urumi's environment. In a pod it is undefined: helm loads the same ServiceAccount itself.
 */
export async function kubeconfigForHelm(loaded: LoadedKubeConfig, file: string): Promise<string | undefined> {
  if (loaded.source === 'in-cluster') return undefined;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, loaded.kubeConfig.exportConfig(), { mode: 0o600 });
  await rename(partial, file);
  return file;
}
