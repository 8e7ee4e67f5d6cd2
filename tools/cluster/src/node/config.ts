import { join } from 'node:path';
import { nodeNetwork } from './network.ts';

/** The real node's name, labels and taint: only pods that tolerate the taint run on it. */
export const realNode = {
  name: 'urumi-real-node',
  labels: { 'urumi.io/node': 'real' },
  taint: { key: 'urumi.io/real-node', value: 'true', effect: 'NoSchedule' },
} as const;

/** Every path of the real node's state, under `<cluster state>/node`. */
export function nodePaths(stateDir: string) {
  const dir = join(stateDir, 'node');
  return {
    dir,
    pids: join(dir, 'pids'),
    logs: join(dir, 'logs'),
    pki: join(dir, 'pki'),
    config: join(dir, 'config'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    registryHosts: join(dir, 'containerd', 'certs.d'),
    runcRoot: join(dir, 'runc'),
    kubeletRoot: join(dir, 'kubelet'),
    podLogs: join(dir, 'pod-logs'),
    cniConf: join(dir, 'cni', 'net.d'),
    cniIpam: join(dir, 'cni', 'ipam'),
    registryData: join(dir, 'registry'),
    volumes: join(dir, 'volumes'),
    sysctls: join(dir, 'host-sysctls.json'),
    createdHostDirs: join(dir, 'created-host-dirs.json'),
    ingressPort: join(dir, 'ingress-port'),
  };
}

export type NodePaths = ReturnType<typeof nodePaths>;

/**
 * The real node's StorageClass: claims are bound once a pod using them is scheduled on the node,
 * each to a folder of its own under `<node>/volumes` (provisioner.ts), removed with its claim.
 */
export const localStorageClass = 'urumi-local';
export const localProvisioner = 'urumi.io/local-volume';

/** The cgroup under which the kubelet puts every pod (in each cgroup v1 hierarchy). */
export const kubeletCgroupRoot = '/urumi-node';

/** How images are named for the node: the local registry, which containerd reaches over HTTP. */
export const registryHost = 'registry.urumi.test';
export const registryAddress = `${nodeNetwork.nodeIp}:5000`;
export const pauseImage = `${registryHost}/pause:urumi`;

export function containerdConfig(p: NodePaths): string {
  // containerd 2.x configuration, version 3.
  return `version = 3
root = "${p.containerdRoot}"
state = "${p.containerdState}"

[grpc]
  address = "${p.containerdSocket}"

[ttrpc]
  address = "${p.containerdSocket}.ttrpc"

[plugins."io.containerd.nri.v1.nri"]
  disable = true

[plugins."io.containerd.cri.v1.runtime"]
  enable_selinux = false
  # This VM's bounding set lacks CAP_SYS_RESOURCE: a negative oom_score_adj is refused.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "${p.runcRoot}"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "${p.cniConf}"

[plugins."io.containerd.cri.v1.images"]
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "${pauseImage}"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "${p.registryHosts}"
`;
}

/** containerd's hosts.toml for the local registry: plain HTTP on the node's address. */
export function registryHostsToml(): string {
  return `server = "http://${registryAddress}"

[host."http://${registryAddress}"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
`;
}

export function cniConfig(p: NodePaths): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'urumi-pods',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          // Pod traffic to the host's end of the veth (the apiserver's forwarder) leaves with the
          // node's address, so the host can answer it; nothing routes further.
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: p.cniIpam,
            ranges: [[{ subnet: nodeNetwork.podCidr, gateway: nodeNetwork.bridgeIp }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  )}\n`;
}

export function kubeletConfig(p: NodePaths, caFile: string): string {
  return `${JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // This VM mounts cgroup v1, which kubelet 1.36 refuses unless told otherwise.
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      cgroupRoot: kubeletCgroupRoot,
      // A negative score needs CAP_SYS_RESOURCE, which this VM withholds.
      oomScoreAdj: 0,
      address: nodeNetwork.nodeIp,
      port: 10250,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: 10248,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: caFile },
      },
      authorization: { mode: 'Webhook' },
      clusterDomain: 'cluster.local',
      clusterDNS: [nodeNetwork.dnsServiceIp],
      // No upstream resolver: names outside the cluster do not resolve on this node.
      resolvConf: join(p.config, 'resolv.conf'),
      containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
      podLogsDir: p.podLogs,
      registerNode: true,
      registerWithTaints: [realNode.taint],
      failSwapOn: false,
      serializeImagePulls: false,
      // The disk is shared with everything else on this machine: evict only when it is nearly full.
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '2%', 'imagefs.available': '2%' },
      imageGCHighThresholdPercent: 98,
      imageGCLowThresholdPercent: 95,
      maxPods: 110,
    },
    null,
    2,
  )}\n`;
}

/** CoreDNS: cluster names only (no forward plugin: nothing beyond the cluster resolves). */
export function corefile(kubeconfig: string): string {
  return `.:53 {
    bind ${nodeNetwork.nodeIp}
    errors
    health 127.0.0.1:8080
    ready 127.0.0.1:8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
    loop
    reload
    loadbalance
}
`;
}

export function registryConfig(p: NodePaths): string {
  return `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${p.registryData}
  delete:
    enabled: true
http:
  addr: ${registryAddress}
`;
}

/** Traefik's static configuration: the Ingress provider against the apiserver, HTTP on the node. */
export function traefikConfig(o: { server: string; caFile: string; token: string }): string {
  return `${JSON.stringify(
    {
      entryPoints: { web: { address: `${nodeNetwork.nodeIp}:80` }, traefik: { address: '127.0.0.1:9000' } },
      ping: {},
      providers: {
        kubernetesIngress: { endpoint: o.server, token: o.token, certAuthFilePath: o.caFile },
      },
      global: { checkNewVersion: false, sendAnonymousUsage: false },
      log: { level: 'INFO' },
    },
    null,
    2,
  )}\n`;
}
