import type { TestProject } from 'vitest/node';
import { clusterUp } from '../src/cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** Folder of the pinned kubectl, helm, kwokctl... binaries. */
    binDir: string;
  }
}

/**
 * Starts the local cluster for the cluster tier, or reuses the one already running, and hands its
 * kubeconfig to the tests. The cluster stays up afterwards for the next run; `npm run cluster:down`
 * stops it.
 */
export default async function setup(project: TestProject): Promise<void> {
  const { kubeconfig, tools } = await clusterUp({ log: (line) => console.log(`[cluster] ${line}`) });
  process.env.KUBECONFIG = kubeconfig;
  project.provide('kubeconfig', kubeconfig);
  project.provide('binDir', tools.binDir);
}
