import { cachedToolSet, ensureToolSet } from './binaries.ts';
import { clusterDown, clusterPaths, clusterStatus, clusterUp } from './cluster.ts';

const usage = `Usage: node tools/cluster/src/cli.ts <command>

  build    build the pinned binaries into the cache (skipped when cached)
  up       start the local cluster, or reuse/restart it; prints the kubeconfig path
  down     stop every cluster process and remove the cluster's state
  status   show each component and whether the apiserver is ready (exit 1 unless running)
  kubeconfig  print the kubeconfig path`;

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'build': {
      const tools = await ensureToolSet();
      console.log(`Binaries: ${tools.binDir}`);
      return 0;
    }
    case 'up': {
      const { kubeconfig } = await clusterUp();
      console.log(`\nThe cluster is running. Use it with:\n  export KUBECONFIG=${kubeconfig}`);
      return 0;
    }
    case 'down':
      await clusterDown();
      return 0;
    case 'status': {
      const status = await clusterStatus(await cachedToolSet());
      console.log(`cluster: ${status.state}`);
      for (const c of status.components) {
        console.log(`  ${c.name.padEnd(24)} ${c.running ? `running (pid ${c.pid})` : 'not running'}`);
      }
      if (status.state !== 'absent')
        console.log(`  apiserver ready: ${status.apiserverReady ? 'yes' : 'no'}`);
      console.log(`kubeconfig: ${status.kubeconfig}`);
      return status.state === 'running' ? 0 : 1;
    }
    case 'kubeconfig':
      console.log(clusterPaths().kubeconfig);
      return 0;
    default:
      console.error(usage);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
