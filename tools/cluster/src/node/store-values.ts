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
