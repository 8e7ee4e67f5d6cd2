// The real node's volume provisioner, run by `cluster:up` as a process of its own:
//   node provisioner.ts <kubeconfig> <volumes folder>
// For every claim of the `urumi-local` StorageClass that the scheduler placed on the real node
// (WaitForFirstConsumer), it makes a folder under the volumes folder and a `local` PersistentVolume
// bound to the claim; when such a volume is released (its claim deleted) it removes the folder,
// data included, and the volume. Level-triggered: it lists everything again every few seconds, so
// a restart or a missed watch event loses nothing.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
} from '@kubernetes/client-node';
import { localStorageClass, localProvisioner, realNode } from './config.ts';

const [kubeconfig, volumesDir] = process.argv.slice(2);
if (!kubeconfig || !volumesDir) {
  console.error('usage: provisioner.ts <kubeconfig> <volumes folder>');
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const log = (message: string) => console.log(`${new Date().toISOString()} ${message}`);

function volumeName(claim: V1PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid ?? ''}`;
}

async function provision(claim: V1PersistentVolumeClaim): Promise<void> {
  const name = volumeName(claim);
  const path = join(volumesDir!, name);
  await mkdir(path, { recursive: true, mode: 0o770 });
  const volume: V1PersistentVolume = {
    metadata: {
      name,
      annotations: { 'pv.kubernetes.io/provisioned-by': localProvisioner },
      labels: { 'urumi.io/node': 'real' },
    },
    spec: {
      storageClassName: localStorageClass,
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      volumeMode: 'Filesystem',
      local: { path },
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: claim.metadata?.namespace,
        name: claim.metadata?.name,
        uid: claim.metadata?.uid,
      },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            {
              matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [realNode.name] }],
            },
          ],
        },
      },
    },
  };
  await core.createPersistentVolume({ body: volume }).then(
    () => log(`provisioned ${name} for ${claim.metadata?.namespace}/${claim.metadata?.name} at ${path}`),
    (error: unknown) => {
      if ((error as { code?: number }).code !== 409) throw error;
    },
  );
}

async function reclaim(volume: V1PersistentVolume): Promise<void> {
  const path = volume.spec?.local?.path;
  if (path?.startsWith(`${volumesDir}/`) && existsSync(path))
    await rm(path, { recursive: true, force: true });
  await core.deletePersistentVolume({ name: volume.metadata!.name! }).catch(() => undefined);
  log(`reclaimed ${volume.metadata?.name}: its folder and data are gone`);
}

async function pass(): Promise<void> {
  const claims = await core.listPersistentVolumeClaimForAllNamespaces();
  for (const claim of claims.items) {
    const annotations = claim.metadata?.annotations ?? {};
    if (claim.spec?.storageClassName !== localStorageClass || claim.status?.phase !== 'Pending') continue;
    if (annotations['volume.kubernetes.io/selected-node'] !== realNode.name) continue;
    await provision(claim);
  }
  const volumes = await core.listPersistentVolume();
  for (const volume of volumes.items) {
    if (volume.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] !== localProvisioner) continue;
    if (volume.status?.phase === 'Released' || volume.status?.phase === 'Failed') await reclaim(volume);
  }
}

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
log(`provisioning ${localStorageClass} volumes under ${volumesDir}`);
while (!stopping) {
  await pass().catch((error: unknown) =>
    log(`pass failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
