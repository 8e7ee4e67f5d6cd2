import type { TestProject } from 'vitest/node';
import { pushDebianImages } from '../../../images/debian/push.ts';
import { clusterUp } from '../src/cluster.ts';
import { realNodeSupport } from '../src/node/node.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** Folder of the pinned kubectl, helm, kwokctl... binaries. */
    binDir: string;
    /** The real node's ingress on 127.0.0.1, or 0 when this cluster runs without the real node. */
    ingressPort: number;
    /** Why there is no real node (not root, not Linux, tools missing); empty when there is one. */
    realNodeMissing: string;
    /** The images built here, by name, as the real node pulls them (`registry.urumi.test/<name>:<tag>@<digest>`). */
    images: Record<string, string>;
  }
}

/**
 * Starts the local cluster for the cluster tiers, or reuses the one already running, and hands its
 * kubeconfig to the tests. Where this machine can run it (Linux, root), the cluster has the real
 * node, and the images built here from Debian packages are built (or taken from their cache) and
 * pushed to its registry. `URUMI_REAL_NODE=0` leaves the real node out. The cluster stays up
 * afterwards for the next run; `npm run cluster:down` stops it.
 */
export default async function setup(project: TestProject): Promise<void> {
  const log = (line: string) => console.log(`[cluster] ${line}`);
  const support = realNodeSupport();
  const realNode = support.ok && process.env.URUMI_REAL_NODE !== '0';
  const { kubeconfig, tools, ingressPort } = await clusterUp({ log, realNode });
  const images = realNode ? await pushDebianImages(log) : {};
  process.env.KUBECONFIG = kubeconfig;
  project.provide('kubeconfig', kubeconfig);
  project.provide('binDir', tools.binDir);
  project.provide('ingressPort', ingressPort ?? 0);
  project.provide(
    'realNodeMissing',
    support.ok ? (realNode ? '' : 'URUMI_REAL_NODE=0 leaves the real node out') : support.why,
  );
  project.provide('images', images);
}
