import {
  CoreV1Api,
  KubeConfig,
  StorageV1Api,
  type V1Node,
  type V1StorageClass,
} from '@kubernetes/client-node';
import { versions } from './versions.ts';

/** The default StorageClass; kwok's volume stages provision and bind PVCs of this class. */
export const storageClassName = 'kwok-volume';

/** Size of each simulated node: a typical 8 CPU / 32 GiB worker. */
export const nodeSize = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '200Gi' } as const;

export function nodeName(index: number): string {
  return `urumi-node-${index}`;
}

function nodeManifest(index: number): V1Node {
  const name = nodeName(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    // kwok hands out pod IPs from the node's pod CIDR.
    spec: { podCIDR: `10.244.${index}.0/24`, podCIDRs: [`10.244.${index}.0/24`] },
    status: {
      allocatable: { ...nodeSize },
      capacity: { ...nodeSize },
      addresses: [{ type: 'InternalIP', address: `10.0.0.${index + 10}` }],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: `v${versions.kubernetes}`,
        kubeProxyVersion: '',
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        machineID: '',
        osImage: 'kwok',
        systemUUID: '',
      },
    },
  };
}

const storageClass: V1StorageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: {
    name: storageClassName,
    annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
  },
  provisioner: 'kwok.x-k8s.io/volume',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
  allowVolumeExpansion: true,
};

function isConflict(error: unknown): boolean {
  return (error as { code?: number }).code === 409;
}

function clients(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { core: kc.makeApiClient(CoreV1Api), storage: kc.makeApiClient(StorageV1Api) };
}

/** Creates the nodes and the default StorageClass if they are missing. Safe to repeat. */
export async function applyBaseline(kubeconfig: string, nodes: number): Promise<void> {
  const { core, storage } = clients(kubeconfig);
  const ignoreConflict = (error: unknown) => {
    if (!isConflict(error)) throw error;
  };
  await storage.createStorageClass({ body: storageClass }).catch(ignoreConflict);
  for (let index = 0; index < nodes; index += 1) {
    await core.createNode({ body: nodeManifest(index) }).catch(ignoreConflict);
  }
}

async function poll(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await check().catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until every node is Ready and the `default` ServiceAccount exists, so pods can be created. */
export async function waitForBaseline(kubeconfig: string, nodes: number, timeoutMs = 60_000): Promise<void> {
  const { core } = clients(kubeconfig);
  await poll(`${nodes} Ready node(s)`, timeoutMs, async () => {
    const list = await core.listNode({ labelSelector: 'type=kwok' });
    const ready = list.items.filter((node) =>
      node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    return ready.length >= nodes;
  });
  await poll('the default ServiceAccount', timeoutMs, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
    return true;
  });
}
