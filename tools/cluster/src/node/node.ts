import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  StorageV1Api,
} from '@kubernetes/client-node';
import type { ToolSet } from '../binaries.ts';
import { isAlive, run } from '../process.ts';
import {
  containerdConfig,
  corefile,
  cniConfig,
  kubeletCgroupRoot,
  kubeletConfig,
  localProvisioner,
  localStorageClass,
  nodePaths,
  pauseImage,
  realNode,
  registryAddress,
  registryConfig,
  registryHost,
  registryHostsToml,
  traefikConfig,
  type NodePaths,
} from './config.ts';
import { ensureNodeNetwork, netnsPath, networkExists, nodeNetwork, removeNodeNetwork } from './network.ts';
import { certificateKubeconfig, clientCertificate } from './pki.ts';
import { pushImage, singleLayerImage } from './registry.ts';

/** A long-running process of the real node: in the node's network namespace, or on the host. */
interface NodeProcess {
  name: string;
  binary: string;
  args: string[];
  where: 'node' | 'host';
  env?: NodeJS.ProcessEnv;
  /** Resolves once it serves (polled after each start). */
  ready?: () => Promise<boolean>;
}

/** Settings the kubelet changes on the host (not namespaced); `down` puts them back. */
const hostSysctls = ['kernel.panic', 'kernel.panic_on_oops', 'vm.overcommit_memory'] as const;

/** Host folders the kubelet or containerd use whatever they are told; removed on `down` if they made them. */
const hostDirs = [
  '/var/log/containers',
  '/var/log/pods',
  '/run/containerd',
  '/var/lib/kubelet',
  '/var/lib/cni',
];

export interface RealNodeOptions {
  stateDir: string;
  /** The control plane's admin kubeconfig and its PKI folder (kwokctl's `pki`). */
  adminKubeconfig: string;
  pkiDir: string;
  nodeTools: ToolSet;
  log: (line: string) => void;
}

/** Whether this machine can run the real node: Linux, root, and the host tools it needs. */
export function realNodeSupport(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: 'the real node needs Linux' };
  if (process.getuid?.() !== 0)
    return { ok: false, why: 'the real node needs root (network namespaces, mounts, cgroups)' };
  for (const tool of [
    '/usr/sbin/runc',
    '/usr/lib/cni/bridge',
    '/usr/sbin/nft',
    '/usr/sbin/ipset',
    '/usr/bin/socat',
    '/usr/bin/curl',
    '/usr/bin/mmdebstrap',
  ]) {
    if (!existsSync(tool))
      return { ok: false, why: `${tool} is missing (npm test installs it; see README "Prerequisites")` };
  }
  return { ok: true };
}

function apiserverPort(adminKubeconfig: string): string {
  const match = /server:\s*https:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(adminKubeconfig, 'utf8'));
  if (!match?.[1]) throw new Error(`no 127.0.0.1 server in ${adminKubeconfig}`);
  return match[1];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The host port the node's ingress answers on (`http://<host>.localhost:<port>/`), kept across restarts. */
export async function ingressPort(p: NodePaths): Promise<number> {
  const saved = await readFile(p.ingressPort, 'utf8').catch(() => '');
  if (/^\d+$/.test(saved.trim())) return Number(saved.trim());
  const port = await freePort();
  await writeFile(p.ingressPort, `${port}\n`);
  return port;
}

async function readPid(p: NodePaths, name: string): Promise<number | null> {
  const text = await readFile(join(p.pids, `${name}.pid`), 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

async function isRunning(p: NodePaths, proc: NodeProcess): Promise<boolean> {
  const pid = await readPid(p, proc.name);
  return pid !== null && isAlive(pid, basename(proc.binary));
}

async function start(p: NodePaths, proc: NodeProcess): Promise<void> {
  const logFile = openSync(join(p.logs, `${proc.name}.log`), 'a');
  const [command, args] =
    proc.where === 'node'
      ? ['nsenter', [`--net=${netnsPath}`, '--', proc.binary, ...proc.args]]
      : [proc.binary, proc.args];
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', logFile, logFile],
    env: { ...process.env, ...proc.env },
  });
  closeSync(logFile);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  child.unref();
  await writeFile(join(p.pids, `${proc.name}.pid`), `${child.pid}\n`);
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, logFile?: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      const tail = logFile
        ? (await readFile(logFile, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-15).join('\n')
        : '';
      throw new Error(
        `Timed out after ${timeoutMs / 1000}s waiting for ${what}${tail ? `; its log ends:\n${tail}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function clients(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    core: kc.makeApiClient(CoreV1Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    storage: kc.makeApiClient(StorageV1Api),
  };
}

const ignoreConflict = (error: unknown) => {
  if ((error as { code?: number }).code !== 409) throw error;
};

/** The cluster objects the node's add-ons need: DNS Service, the ingress controller's identity and class. */
async function applyAddonObjects(adminKubeconfig: string): Promise<string> {
  const { core, discovery, networking, rbac, storage } = clients(adminKubeconfig);
  await storage
    .createStorageClass({
      body: {
        metadata: { name: localStorageClass },
        provisioner: localProvisioner,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'WaitForFirstConsumer',
      },
    })
    .catch(ignoreConflict);
  // Read first: creating a Service whose fixed clusterIP is taken answers 422, not 409.
  const dnsService = await core
    .readNamespacedService({ name: 'kube-dns', namespace: 'kube-system' })
    .catch(() => null);
  if (!dnsService)
    await core
      .createNamespacedService({
        namespace: 'kube-system',
        body: {
          metadata: { name: 'kube-dns', labels: { 'k8s-app': 'kube-dns' } },
          spec: {
            clusterIP: nodeNetwork.dnsServiceIp,
            ports: [
              { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
              { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
            ],
          },
        },
      })
      .catch(ignoreConflict);
  // CoreDNS runs as a process of the node (on its address), not as a pod: its endpoint is set here.
  await discovery
    .createNamespacedEndpointSlice({
      namespace: 'kube-system',
      body: {
        metadata: {
          name: 'kube-dns-real-node',
          labels: {
            'kubernetes.io/service-name': 'kube-dns',
            'endpointslice.kubernetes.io/managed-by': 'cluster.urumi.io',
          },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: [nodeNetwork.nodeIp], conditions: { ready: true } }],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      },
    })
    .catch(ignoreConflict);
  await networking
    .createIngressClass({
      body: {
        metadata: { name: 'traefik', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
        spec: { controller: 'traefik.io/ingress-controller' },
      },
    })
    .catch(ignoreConflict);
  await core
    .createNamespacedServiceAccount({
      namespace: 'kube-system',
      body: { metadata: { name: 'urumi-ingress' } },
    })
    .catch(ignoreConflict);
  await rbac
    .createClusterRole({
      body: {
        metadata: { name: 'urumi-ingress' },
        rules: [
          { apiGroups: [''], resources: ['services', 'secrets', 'nodes'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
          {
            apiGroups: ['networking.k8s.io'],
            resources: ['ingresses', 'ingressclasses'],
            verbs: ['get', 'list', 'watch'],
          },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
        ],
      },
    })
    .catch(ignoreConflict);
  await rbac
    .createClusterRoleBinding({
      body: {
        metadata: { name: 'urumi-ingress' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'urumi-ingress' },
        subjects: [{ kind: 'ServiceAccount', name: 'urumi-ingress', namespace: 'kube-system' }],
      },
    })
    .catch(ignoreConflict);
  const token = await core.createNamespacedServiceAccountToken({
    name: 'urumi-ingress',
    namespace: 'kube-system',
    body: { spec: { audiences: [], expirationSeconds: 30 * 86_400 } },
  });
  if (!token.status?.token) throw new Error('no token was issued for the ingress controller');
  return token.status.token;
}

async function readyz(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );
}

/** Runs a health URL inside the node's namespace (its listeners are on its own loopback). */
async function readyInNode(url: string): Promise<boolean> {
  return run('nsenter', [`--net=${netnsPath}`, '--', 'curl', '-fsS', '--max-time', '2', url], {
    timeoutMs: 5_000,
  }).then(
    () => true,
    () => false,
  );
}

async function recordHostState(p: NodePaths): Promise<void> {
  if (!existsSync(p.sysctls)) {
    const values: Record<string, string> = {};
    for (const key of hostSysctls) values[key] = (await run('sysctl', ['-n', key])).stdout.trim();
    await writeFile(p.sysctls, `${JSON.stringify(values)}\n`);
  }
  if (!existsSync(p.createdHostDirs)) {
    await writeFile(p.createdHostDirs, `${JSON.stringify(hostDirs.filter((d) => !existsSync(d)))}\n`);
  }
}

/**
 * Starts the real node beside the control plane, or restarts what of it is not running. Safe to
 * repeat. Returns the host port its ingress answers on.
 */
export async function realNodeUp(o: RealNodeOptions): Promise<{ ingressPort: number }> {
  const support = realNodeSupport();
  if (!support.ok) throw new Error(`cannot start the real node: ${support.why}`);
  const p = nodePaths(o.stateDir);
  if (networkExists() && !existsSync(p.dir)) {
    throw new Error(
      `the real node's network namespace ${nodeNetwork.namespace} belongs to another cluster (one real node per machine): ` +
        `stop that cluster with cluster:down, or remove a leftover with: ip netns delete ${nodeNetwork.namespace}`,
    );
  }
  for (const dir of [
    p.dir,
    p.pids,
    p.logs,
    p.pki,
    p.config,
    p.cniConf,
    p.cniIpam,
    p.registryData,
    p.volumes,
    p.podLogs,
  ]) {
    await mkdir(dir, { recursive: true });
  }
  await mkdir(join(p.registryHosts, registryHost), { recursive: true });
  await recordHostState(p);
  await ensureNodeNetwork();
  await ensureCgroupRoot();

  const port = apiserverPort(o.adminKubeconfig);
  const caFile = join(o.pkiDir, 'ca.crt');
  const server = `https://${nodeNetwork.hostIp}:${port}`;
  const kubelet = await clientCertificate({
    caDir: o.pkiDir,
    dir: p.pki,
    name: 'kubelet',
    commonName: `system:node:${realNode.name}`,
    organization: 'system:nodes',
  });
  const components = await clientCertificate({
    caDir: o.pkiDir,
    dir: p.pki,
    name: 'node-components',
    commonName: 'urumi:node-components',
    organization: 'system:masters',
  });
  const kubeletKubeconfig = join(p.config, 'kubelet.kubeconfig');
  const componentsKubeconfig = join(p.config, 'components.kubeconfig');
  await writeFile(kubeletKubeconfig, certificateKubeconfig({ server, caFile, ...kubelet }), { mode: 0o600 });
  await writeFile(componentsKubeconfig, certificateKubeconfig({ server, caFile, ...components }), {
    mode: 0o600,
  });
  await writeFile(join(p.config, 'containerd.toml'), containerdConfig(p));
  await writeFile(join(p.registryHosts, registryHost, 'hosts.toml'), registryHostsToml());
  await writeFile(join(p.cniConf, '10-urumi.conflist'), cniConfig(p));
  await writeFile(join(p.config, 'kubelet.json'), kubeletConfig(p, caFile));
  await writeFile(join(p.config, 'resolv.conf'), '# no upstream resolver on the test node\n');
  await writeFile(join(p.config, 'Corefile'), corefile(componentsKubeconfig));
  await writeFile(join(p.config, 'registry.yml'), registryConfig(p));
  const ingress = await ingressPort(p);
  const ingressToken = await applyAddonObjects(o.adminKubeconfig);
  await writeFile(join(p.config, 'traefik.yml'), traefikConfig({ server, caFile, token: ingressToken }), {
    mode: 0o600,
  });

  const bin = (name: string) => o.nodeTools.bin(name);
  const path = `${o.nodeTools.binDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;
  const processes: NodeProcess[] = [
    {
      name: 'apiserver-forwarder',
      binary: '/usr/bin/socat',
      args: [`TCP-LISTEN:${port},bind=${nodeNetwork.hostIp},reuseaddr,fork`, `TCP:127.0.0.1:${port}`],
      where: 'host',
    },
    {
      name: 'registry',
      binary: bin('registry'),
      args: ['serve', join(p.config, 'registry.yml')],
      where: 'node',
      // Else it keeps trying to send traces to localhost:4318.
      env: { OTEL_TRACES_EXPORTER: 'none' },
      ready: () => readyz(`http://${registryAddress}/v2/`),
    },
    {
      name: 'containerd',
      binary: bin('containerd'),
      args: ['--config', join(p.config, 'containerd.toml')],
      where: 'node',
      env: { PATH: path },
      ready: () => Promise.resolve(existsSync(p.containerdSocket)),
    },
    {
      name: 'kubelet',
      binary: bin('kubelet'),
      args: [
        `--config=${join(p.config, 'kubelet.json')}`,
        `--kubeconfig=${kubeletKubeconfig}`,
        `--hostname-override=${realNode.name}`,
        `--node-ip=${nodeNetwork.nodeIp}`,
        `--root-dir=${p.kubeletRoot}`,
        `--cert-dir=${join(p.pki, 'kubelet-serving')}`,
        `--node-labels=${Object.entries(realNode.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`,
        '--v=1',
      ],
      where: 'node',
      env: { PATH: path },
      ready: () => readyInNode('http://127.0.0.1:10248/healthz'),
    },
    {
      name: 'kube-proxy',
      binary: bin('kube-proxy'),
      args: [
        `--kubeconfig=${componentsKubeconfig}`,
        '--proxy-mode=nftables',
        `--hostname-override=${realNode.name}`,
        `--cluster-cidr=${nodeNetwork.podCidr}`,
        `--bind-address=${nodeNetwork.nodeIp}`,
        '--metrics-bind-address=127.0.0.1:10249',
        '--healthz-bind-address=127.0.0.1:10256',
        // The conntrack table is the host's: leave its size alone.
        '--conntrack-max-per-core=0',
      ],
      where: 'node',
      env: { PATH: path },
    },
    {
      name: 'coredns',
      binary: bin('coredns'),
      args: ['-conf', join(p.config, 'Corefile')],
      where: 'node',
      ready: () => readyInNode('http://127.0.0.1:8181/ready'),
    },
    {
      name: 'kube-router',
      binary: bin('kube-router'),
      args: [
        `--kubeconfig=${componentsKubeconfig}`,
        '--run-firewall=true',
        '--run-router=false',
        '--run-service-proxy=false',
        `--hostname-override=${realNode.name}`,
        '--metrics-port=0',
        '--health-port=20244',
      ],
      where: 'node',
      env: { PATH: path },
    },
    {
      name: 'traefik',
      binary: bin('traefik'),
      // One source of static configuration (Traefik takes a file, flags or environment, never a
      // mix): a file, 0600, because it holds the token.
      args: [`--configfile=${join(p.config, 'traefik.yml')}`],
      where: 'node',
      ready: () => readyInNode('http://127.0.0.1:9000/ping'),
    },
    {
      name: 'provisioner',
      binary: process.execPath,
      args: [join(import.meta.dirname, 'provisioner.ts'), componentsKubeconfig, p.volumes],
      where: 'host',
    },
    {
      name: 'ingress-forwarder',
      binary: '/usr/bin/socat',
      args: [`TCP-LISTEN:${ingress},bind=127.0.0.1,reuseaddr,fork`, `TCP:${nodeNetwork.nodeIp}:80`],
      where: 'host',
    },
  ];

  for (const proc of processes) {
    if (await isRunning(p, proc)) continue;
    o.log(`real node: starting ${proc.name}`);
    await start(p, proc);
    if (proc.ready) await waitFor(proc.name, 60_000, proc.ready, join(p.logs, `${proc.name}.log`));
    if (proc.name === 'registry') await pushPause(o.nodeTools);
  }
  await waitFor(
    'the real node to be Ready',
    90_000,
    () => nodeReady(o.adminKubeconfig),
    join(p.logs, 'kubelet.log'),
  );
  return { ingressPort: ingress };
}

async function pushPause(nodeTools: ToolSet): Promise<void> {
  const image = await singleLayerImage({
    dir: nodeTools.binDir,
    files: ['pause'],
    entrypoint: ['/pause'],
    user: '65535',
  });
  const [repository = 'pause', tag = 'urumi'] = pauseImage.slice(registryHost.length + 1).split(':');
  await pushImage(registryAddress, repository, tag, image);
}

async function nodeReady(adminKubeconfig: string): Promise<boolean> {
  const { core } = clients(adminKubeconfig);
  const node = await core.readNode({ name: realNode.name });
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export interface RealNodeStatus {
  present: boolean;
  processes: { name: string; pid: number | null; running: boolean }[];
  ingressPort: number | null;
}

const processNames = [
  'apiserver-forwarder',
  'registry',
  'containerd',
  'kubelet',
  'kube-proxy',
  'coredns',
  'kube-router',
  'traefik',
  'provisioner',
  'ingress-forwarder',
] as const;

export async function realNodeStatus(stateDir: string): Promise<RealNodeStatus> {
  const p = nodePaths(stateDir);
  if (!existsSync(p.dir)) return { present: false, processes: [], ingressPort: null };
  const processes = await Promise.all(
    processNames.map(async (name) => {
      const pid = await readPid(p, name);
      return { name, pid, running: pid !== null && isAlive(pid) };
    }),
  );
  const port = await readFile(p.ingressPort, 'utf8').catch(() => '');
  return { present: true, processes, ingressPort: /^\d+$/.test(port.trim()) ? Number(port.trim()) : null };
}

/** Every process whose command line names the node's state folder (containerd's shims, mostly). */
async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Every process in the given process groups. Each node process leads a group of its own (started
 * detached), and what it forks stays in it: socat's forwarders fork a child per connection, and
 * those children outlive their parent, still holding long-lived watch connections.
 */
async function groupMembers(leaders: number[]): Promise<number[]> {
  const groups = new Set(leaders);
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command, which is in parentheses and may hold spaces: state ppid pgrp ...
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    if (groups.has(pgrp)) pids.push(Number(entry));
  }
  return pids;
}

/** Every process in the pods' cgroups (each cgroup v1 hierarchy holds them all). */
async function cgroupProcesses(): Promise<number[]> {
  const pids = new Set<number>();
  const walk = async (dir: string): Promise<void> => {
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const line of procs.split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
    }
  };
  await walk(join('/sys/fs/cgroup/pids', kubeletCgroupRoot));
  await walk(join('/sys/fs/cgroup/memory', kubeletCgroupRoot));
  return [...pids];
}

async function killAll(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some((pid) => isAlive(pid)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
}

/** The kubelet's cgroupRoot, in every cgroup v1 hierarchy (the kubelet requires it to exist). */
async function ensureCgroupRoot(): Promise<void> {
  for (const entry of await readdir('/sys/fs/cgroup', { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'unified') continue;
    const dir = join('/sys/fs/cgroup', entry.name, kubeletCgroupRoot);
    await mkdir(dir, { recursive: true });
    if (entry.name === 'cpuset') {
      // A new cpuset has no CPUs or memory nodes until given its parent's.
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        const current = (await readFile(join(dir, file), 'utf8')).trim();
        if (!current)
          await writeFile(join(dir, file), await readFile(join('/sys/fs/cgroup/cpuset', file), 'utf8'));
      }
    }
  }
}

async function removeCgroups(): Promise<void> {
  const removeTree = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await removeTree(join(dir, entry.name));
    }
    await rmdir(dir).catch(() => undefined);
  };
  for (const hierarchy of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    await removeTree(join('/sys/fs/cgroup', hierarchy, kubeletCgroupRoot));
  }
}

async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) {
    await run('umount', [mountPoint]).catch(() => run('umount', ['-l', mountPoint]).catch(() => undefined));
  }
}

/**
 * Stops the real node and removes everything it made: its processes, the pods' containers, mounts
 * and cgroups, the network namespace and veth, the host folders it created, and the host sysctls
 * the kubelet changed (put back to what they were).
 */
export async function realNodeDown(stateDir: string, log: (line: string) => void): Promise<void> {
  const p = nodePaths(stateDir);
  // The namespace, the veth and the pods' cgroups are the machine's, not this state folder's: only
  // the cluster that started the node (its folder holds the node's state) may take them down. A
  // private test cluster's `down` must leave the shared cluster's node alone.
  if (!existsSync(p.dir)) return;
  const recorded = (await Promise.all(processNames.map((name) => readPid(p, name)))).filter(
    (pid): pid is number => pid !== null,
  );
  const daemons = recorded.filter((pid) => isAlive(pid));
  for (const pid of daemons) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 10_000;
  while (daemons.some((pid) => isAlive(pid)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await killAll([
    ...daemons,
    ...(await groupMembers(recorded)),
    ...(await cgroupProcesses()),
    ...(await processesUnder(p.dir)),
  ]);
  await unmountUnder(p.dir);
  await removeCgroups();
  await removeNodeNetwork();
  const sysctls = JSON.parse(await readFile(p.sysctls, 'utf8').catch(() => '{}')) as Record<string, string>;
  for (const [key, value] of Object.entries(sysctls))
    await run('sysctl', ['-q', '-w', `${key}=${value}`]).catch(() => undefined);
  const created = JSON.parse(await readFile(p.createdHostDirs, 'utf8').catch(() => '[]')) as string[];
  for (const dir of created) await rm(dir, { recursive: true, force: true });
  await rm(p.dir, { recursive: true, force: true });
  log('real node stopped; its processes, pods, mounts, cgroups, network namespace and host changes are gone');
}
