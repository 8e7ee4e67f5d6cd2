import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedToolSet, ensureToolSet, upstreamStageFiles, type ToolSet } from './binaries.ts';
import { applyBaseline, waitForBaseline } from './baseline.ts';
import { clusterStateDir, stagesSourceDir } from './paths.ts';
import { nodeNetwork } from './node/network.ts';
import { realNodeDown, realNodeUp } from './node/node.ts';
import { formatDuration, isAlive, run } from './process.ts';

export { isAlive } from './process.ts';
import { versions } from './versions.ts';

export const clusterName = 'urumi';

/** The component processes kwokctl starts for a binary-runtime cluster. */
export const componentNames = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok-controller',
] as const;

export interface ClusterPaths {
  stateDir: string;
  workDir: string;
  clusterDir: string;
  kubeconfig: string;
  configFile: string;
}

export function clusterPaths(env: NodeJS.ProcessEnv = process.env): ClusterPaths {
  const stateDir = clusterStateDir(env);
  const workDir = join(stateDir, 'kwok');
  const clusterDir = join(workDir, 'clusters', clusterName);
  return {
    stateDir,
    workDir,
    clusterDir,
    kubeconfig: join(clusterDir, 'kubeconfig.yaml'),
    configFile: join(stateDir, 'kwokctl.yaml'),
  };
}

export interface ComponentState {
  name: string;
  pid: number | null;
  running: boolean;
}

export interface ClusterStatus {
  state: 'running' | 'degraded' | 'stopped' | 'absent';
  kubeconfig: string;
  components: ComponentState[];
  apiserverReady: boolean;
}

async function readPid(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  const pid = text === null ? NaN : Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

async function componentStates(paths: ClusterPaths): Promise<ComponentState[]> {
  return Promise.all(
    componentNames.map(async (name) => {
      const pid = await readPid(join(paths.clusterDir, 'pids', `${name}.pid`));
      return { name, pid, running: pid !== null && isAlive(pid, name) };
    }),
  );
}

async function apiserverReady(tools: ToolSet | null, paths: ClusterPaths): Promise<boolean> {
  if (!existsSync(paths.kubeconfig)) return false;
  const kubectl = tools?.bin('kubectl') ?? 'kubectl';
  return run(kubectl, ['--kubeconfig', paths.kubeconfig, 'get', '--raw', '/readyz'], {
    timeoutMs: 5_000,
  }).then(
    ({ stdout }) => stdout.trim() === 'ok',
    () => false,
  );
}

export async function clusterStatus(
  tools: ToolSet | null = null,
  paths = clusterPaths(),
): Promise<ClusterStatus> {
  if (!existsSync(paths.clusterDir)) {
    return { state: 'absent', kubeconfig: paths.kubeconfig, components: [], apiserverReady: false };
  }
  const components = await componentStates(paths);
  const ready = await apiserverReady(tools, paths);
  const running = components.filter((c) => c.running).length;
  const state =
    running === components.length && ready ? 'running' : running === 0 && !ready ? 'stopped' : 'degraded';
  return { state, kubeconfig: paths.kubeconfig, components, apiserverReady: ready };
}

function kwokctlEnv(tools: ToolSet, paths: ClusterPaths): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KWOK_WORKDIR: paths.workDir,
    // kwokctl looks kubectl up on PATH before it would ever think of downloading one.
    PATH: `${tools.binDir}:${process.env.PATH ?? ''}`,
    KUBECONFIG: paths.kubeconfig,
  };
}

function kwokctlConfig(tools: ToolSet, paths: ClusterPaths, withRealNode: boolean): string {
  // JSON is YAML; kwokctl reads the first KwokctlConfiguration document of each --config file.
  const config = {
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    kind: 'KwokctlConfiguration',
    options: {
      runtime: 'binary',
      kubeVersion: `v${versions.kubernetes}`,
      kwokVersion: `v${versions.kwok}`,
      etcdBinary: tools.bin('etcd'),
      kubeApiserverBinary: tools.bin('kube-apiserver'),
      kubeControllerManagerBinary: tools.bin('kube-controller-manager'),
      kubeSchedulerBinary: tools.bin('kube-scheduler'),
      kubectlBinary: tools.bin('kubectl'),
      kwokControllerBinary: tools.bin('kwok'),
      bindAddress: '127.0.0.1',
      quietPull: true,
      // Pods of the real node reach the apiserver as the kubernetes Service (its first address) or,
      // the node itself, at the host's end of its veth.
      kubeApiserverCertSANs: [nodeNetwork.kubernetesServiceIp, nodeNetwork.hostIp],
    },
    componentsPatches: [
      {
        name: 'kube-apiserver',
        extraArgs: [
          // Without a default route the apiserver cannot choose an address to advertise. With the
          // real node it advertises the host's end of the node's veth, where a forwarder answers,
          // so the kubernetes Service leads pods to it.
          { key: 'advertise-address', value: withRealNode ? nodeNetwork.hostIp : '127.0.0.1' },
          { key: 'service-cluster-ip-range', value: nodeNetwork.serviceCidr },
          // Logs and exec reach the kubelet by its address, not by a node name nothing resolves.
          { key: 'kubelet-preferred-address-types', value: 'InternalIP,Hostname' },
          { key: 'kubelet-client-certificate', value: join(paths.clusterDir, 'pki', 'admin.crt') },
          { key: 'kubelet-client-key', value: join(paths.clusterDir, 'pki', 'admin.key') },
        ],
      },
      // One instance of each, and no supervisor to restart them: with leader election on, an
      // apiserver that stops answering for longer than the lease makes both exit for good.
      { name: 'kube-controller-manager', extraArgs: [{ key: 'leader-elect', value: 'false' }] },
      { name: 'kube-scheduler', extraArgs: [{ key: 'leader-elect', value: 'false' }] },
      {
        name: 'kwok-controller',
        // Only the simulated nodes (baseline.ts annotates them): by default kwok manages every node,
        // and it would mark the real node's pods Running and Ready with made-up addresses before
        // its kubelet had started a container.
        extraArgs: [
          { key: 'manage-all-nodes', value: 'false' },
          { key: 'manage-nodes-with-annotation-selector', value: 'kwok.x-k8s.io/node=fake' },
        ],
      },
      {
        name: 'etcd',
        // The test cluster's data is disposable; skipping fsync keeps etcd fast on a busy disk.
        extraArgs: [{ key: 'unsafe-no-fsync', value: 'true' }],
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export interface UpOptions {
  log?: (line: string) => void;
  /**
   * Whether the cluster runs the real node (kubelet, containerd, real pods) beside its simulated
   * ones; a cluster made the other way is recreated. Default: `URUMI_REAL_NODE` (`1` or `0`), and
   * when that is unset too, whatever the existing cluster was made with (without, for a new one),
   * so `npm start` after `npm test` reuses the test cluster and its node instead of remaking it.
   */
  realNode?: boolean;
  /** Number of simulated nodes (8 CPU, 32 GiB, 110 pods each). Default: `URUMI_CLUSTER_NODES` or 4. */
  nodes?: number;
  /** Where the cluster's state lives; default from `clusterPaths()`. */
  paths?: ClusterPaths;
}

export interface UpResult {
  kubeconfig: string;
  tools: ToolSet;
  started: 'created' | 'restarted' | 'reused';
  /** With the real node: the host port its ingress answers on, as `http://<host>.localhost:<port>/`. */
  ingressPort: number | null;
}

/**
 * Starts the cluster, or reuses it when it is already running. A cluster whose processes died is
 * restarted from its state; one that cannot be restarted is recreated.
 */
export async function clusterUp(options: UpOptions = {}): Promise<UpResult> {
  const log = options.log ?? console.log;
  const nodes = options.nodes ?? Number.parseInt(process.env.URUMI_CLUSTER_NODES ?? '4', 10);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 50) {
    throw new Error(`URUMI_CLUSTER_NODES must be an integer from 1 to 50, got ${String(nodes)}`);
  }
  const tools = await ensureToolSet(log);
  const paths = options.paths ?? clusterPaths();
  const started = Date.now();
  let status = await clusterStatus(tools, paths);
  const made = await readFile(paths.configFile, 'utf8').catch(() => null);
  const asked = options.realNode ?? { '1': true, '0': false }[process.env.URUMI_REAL_NODE ?? ''];
  const withRealNode = asked ?? (status.state !== 'absent' && made === kwokctlConfig(tools, paths, true));
  const nodeTools = withRealNode ? await ensureToolSet(log, 'node') : null;
  const wanted = kwokctlConfig(tools, paths, withRealNode);
  if (status.state !== 'absent' && made !== null && made !== wanted) {
    log(
      `The cluster was made ${withRealNode ? 'without' : 'with'} the real node or other settings; recreating it`,
    );
    await realNodeDown(paths.stateDir, log);
    await destroyCluster(tools, paths, log);
    status = await clusterStatus(tools, paths);
  }
  let how: UpResult['started'];
  if (status.state === 'running') {
    how = 'reused';
  } else if (status.state === 'absent') {
    await createCluster(tools, paths, log, wanted);
    how = 'created';
  } else {
    const dead = status.components.filter((c) => !c.running).map((c) => c.name);
    log(
      `The cluster is ${status.state} (not running: ${dead.join(', ') || 'apiserver not ready'}); restarting it`,
    );
    try {
      // kwokctl trusts any pid file whose process answers signal 0, zombies and reused pids included.
      await Promise.all(
        status.components
          .filter((c) => !c.running)
          .map((c) => rm(join(paths.clusterDir, 'pids', `${c.name}.pid`), { force: true })),
      );
      await run(tools.bin('kwokctl'), ['start', 'cluster', '--name', clusterName, '--wait', '2m'], {
        env: kwokctlEnv(tools, paths),
        timeoutMs: 180_000,
      });
      how = 'restarted';
    } catch (error) {
      log(`Restarting failed, recreating the cluster: ${String(error)}`);
      await realNodeDown(paths.stateDir, log);
      await destroyCluster(tools, paths, log);
      await createCluster(tools, paths, log, wanted);
      how = 'created';
    }
  }
  await applyBaseline(paths.kubeconfig, nodes);
  await waitForBaseline(paths.kubeconfig, nodes);
  const ingress = nodeTools
    ? await realNodeUp({
        stateDir: paths.stateDir,
        adminKubeconfig: paths.kubeconfig,
        pkiDir: join(paths.clusterDir, 'pki'),
        nodeTools,
        log,
      })
    : null;
  log(`Cluster ${how} in ${formatDuration(Date.now() - started)}; kubeconfig: ${paths.kubeconfig}`);
  return { kubeconfig: paths.kubeconfig, tools, started: how, ingressPort: ingress?.ingressPort ?? null };
}

async function createCluster(
  tools: ToolSet,
  paths: ClusterPaths,
  log: (line: string) => void,
  config: string,
): Promise<void> {
  await mkdir(paths.stateDir, { recursive: true });
  await writeFile(paths.configFile, config);
  log('Creating the cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)…');
  const args = ['create', 'cluster', '--name', clusterName, '--config', paths.configFile];
  args.push('--config', join(stagesSourceDir, 'pods.yaml'));
  for (const file of await upstreamStageFiles(tools)) args.push('--config', file);
  // An empty --kubeconfig keeps kwokctl from merging a context into ~/.kube/config.
  args.push('--kubeconfig', '', '--wait', '2m', '--timeout', '4m');
  await run(tools.bin('kwokctl'), args, { env: kwokctlEnv(tools, paths), timeoutMs: 300_000 });
}

async function destroyCluster(tools: ToolSet | null, paths: ClusterPaths, log: (line: string) => void) {
  // Note the processes first: kwokctl removes each pid file as soon as it has signalled the process,
  // and a process still shutting down may write into the state folder after it has been removed.
  const processes = (await componentStates(paths)).filter((c) => c.running);
  if (tools && existsSync(paths.clusterDir)) {
    // kwokctl delete refuses an empty --kubeconfig; name the cluster's own file, which goes with it.
    await run(
      tools.bin('kwokctl'),
      ['delete', 'cluster', '--name', clusterName, '--kubeconfig', paths.kubeconfig],
      {
        env: kwokctlEnv(tools, paths),
        timeoutMs: 120_000,
      },
    ).catch((error: unknown) =>
      log(`kwokctl delete failed, stopping the processes directly: ${String(error)}`),
    );
  }
  await terminate(processes);
  await rm(paths.stateDir, { recursive: true, force: true });
}

/** Ends the given component processes: SIGTERM, up to 10 s to exit, then SIGKILL. */
async function terminate(processes: ComponentState[]): Promise<void> {
  const stillAlive = () => processes.filter((c) => isAlive(c.pid!, c.name));
  for (const c of stillAlive()) process.kill(c.pid!, 'SIGTERM');
  await poll(() => stillAlive().length === 0, 10_000);
  for (const c of stillAlive()) process.kill(c.pid!, 'SIGKILL');
  await poll(() => stillAlive().length === 0, 5_000);
}

async function poll(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** Stops every component process and removes the cluster's state folder. */
export async function clusterDown(
  log: (line: string) => void = console.log,
  paths: ClusterPaths = clusterPaths(),
): Promise<void> {
  if (!existsSync(paths.stateDir)) {
    log('No cluster to stop.');
    return;
  }
  const tools = await cachedToolSet().catch(() => null);
  await realNodeDown(paths.stateDir, log);
  await destroyCluster(tools, paths, log);
  log(`Cluster stopped; removed ${paths.stateDir}`);
}
