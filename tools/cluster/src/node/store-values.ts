import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localStorageClass, realNode } from './config.ts';

/** What puts a pod on the real node: its label as node selector, and a toleration of its taint. */
export const realNodeScheduling = {
  nodeSelector: { ...realNode.labels },
  tolerations: [{ key: realNode.taint.key, operator: 'Exists', effect: 'NoSchedule' }],
};

/** An image reference `<repository>:<tag>@<digest>` as the store charts' `images.<name>` value. */
export function chartImageValue(ref: string): { repository: string; tag: string; digest: string } {
  const match = /^(.+):([^:@]+)@(sha256:[0-9a-f]{64})$/.exec(ref);
  if (!match) throw new Error(`not an image reference with a tag and a digest: ${ref}`);
  return { repository: match[1]!, tag: match[2]!, digest: match[3]! };
}

/**
 * Store chart values that put a store on the real node: the given images (chart values key → image
 * reference), the node's StorageClass and its scheduling.
 */
export function realNodeValues(images: Record<string, string>) {
  return {
    images: Object.fromEntries(Object.entries(images).map(([key, ref]) => [key, chartImageValue(ref)])),
    persistence: { storageClass: localStorageClass },
    scheduling: realNodeScheduling,
  };
}

/**
 * What `npm start` on the local cluster's real node gives the store types that really run there:
 * the images they need, built here (or taken from the cache) and pushed to the node's registry, and
 * a values file per type in `dir` (STORE_TYPE_VALUES_DIR) naming them, the node's StorageClass and
 * its scheduling. Returns the types written.
 *
 * Only Medusa: the WooCommerce setup needs WP-CLI and the WooCommerce plugin, which come from
 * GitHub and wordpress.org only and are not in the WordPress image built here, so a WooCommerce
 * store could never be Ready on the real node.
 */
export async function writeRealNodeStoreValues(dir: string, log: (line: string) => void): Promise<string[]> {
  // images/ builds on this package; loaded only here (Urumi's own image has no images/ folder).
  const { pushDebianImages } = await import('../../../../images/debian/push.ts');
  const images = await pushDebianImages(log, ['postgres', 'redis', 'medusa']);
  await mkdir(dir, { recursive: true });
  const medusa = realNodeValues({ medusa: images.medusa!, postgres: images.postgres!, redis: images.redis! });
  await writeFile(join(dir, 'medusa.yaml'), `${JSON.stringify(medusa, null, 2)}\n`);
  return ['medusa'];
}
