import { existsSync } from 'node:fs';
import { run } from '../process.ts';

/**
 * The real node's network: a network namespace of its own joined to the host by one veth pair, so
 * its bridges, routes and nftables rules never touch the host's. It has no default route and the
 * host does no NAT for it: nothing in it can reach beyond this machine.
 */
export const nodeNetwork = {
  namespace: 'urumi-node',
  hostInterface: 'urumi-node-h',
  nodeInterface: 'eth0',
  /** The host's end of the veth: the node reaches the apiserver (through a forwarder) here. */
  hostIp: '10.250.0.1',
  /** The node's address: kubelet, the ingress controller, CoreDNS and the registry listen here. */
  nodeIp: '10.250.0.2',
  prefix: 30,
  /** Pods of the real node (KWOK's simulated nodes use 10.244.<n>.0/24). */
  podCidr: '10.245.0.0/24',
  bridgeIp: '10.245.0.1',
  /** Services of the whole cluster; the apiserver's certificate names the first address. */
  serviceCidr: '10.96.0.0/16',
  kubernetesServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
} as const;

export const netnsPath = `/run/netns/${nodeNetwork.namespace}`;

async function ip(args: string[]): Promise<string> {
  return (await run('ip', args, { timeoutMs: 10_000 })).stdout;
}

/** Runs a command inside the node's network namespace (`nsenter`, which keeps /sys and cgroups). */
export function inNode(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('nsenter', [`--net=${netnsPath}`, '--', command, ...args], { timeoutMs: 30_000 });
}

export function networkExists(): boolean {
  return existsSync(netnsPath);
}

/** Creates the namespace and its veth pair, or leaves them as they are. Safe to repeat. */
export async function ensureNodeNetwork(): Promise<void> {
  const n = nodeNetwork;
  if (!networkExists()) await ip(['netns', 'add', n.namespace]);
  const links = await ip(['-o', 'link', 'show']);
  if (!links.includes(`${n.hostInterface}@`) && !links.includes(`${n.hostInterface}:`)) {
    await ip([
      'link',
      'add',
      n.hostInterface,
      'type',
      'veth',
      'peer',
      'name',
      n.nodeInterface,
      'netns',
      n.namespace,
    ]);
  }
  const hostAddresses = await ip(['-o', 'addr', 'show', 'dev', n.hostInterface]);
  if (!hostAddresses.includes(`${n.hostIp}/`)) {
    await ip(['addr', 'add', `${n.hostIp}/${n.prefix}`, 'dev', n.hostInterface]);
  }
  await ip(['link', 'set', n.hostInterface, 'up']);
  const nodeAddresses = (await inNode('ip', ['-o', 'addr', 'show', 'dev', n.nodeInterface])).stdout;
  if (!nodeAddresses.includes(`${n.nodeIp}/`)) {
    await inNode('ip', ['addr', 'add', `${n.nodeIp}/${n.prefix}`, 'dev', n.nodeInterface]);
  }
  await inNode('ip', ['link', 'set', n.nodeInterface, 'up']);
  await inNode('ip', ['link', 'set', 'lo', 'up']);
  // The node forwards between its pods' bridge and itself; bridged pod traffic passes netfilter so
  // NetworkPolicies and Services apply to it. These sysctls belong to the namespace, not the host.
  await run('modprobe', ['br_netfilter']).catch(() => undefined);
  for (const setting of [
    'net.ipv4.ip_forward=1',
    'net.bridge.bridge-nf-call-iptables=1',
    'net.ipv4.conf.all.route_localnet=1',
  ]) {
    await inNode('sysctl', ['-q', '-w', setting]).catch(() => undefined);
  }
}

/** Removes the veth pair (both ends, and the host routes through it) and the namespace. */
export async function removeNodeNetwork(): Promise<void> {
  await ip(['link', 'delete', nodeNetwork.hostInterface]).catch(() => undefined);
  if (networkExists()) await ip(['netns', 'delete', nodeNetwork.namespace]).catch(() => undefined);
}
