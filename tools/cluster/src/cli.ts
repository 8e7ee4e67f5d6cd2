import { cachedToolSet, ensureToolSet } from './binaries.ts';
import { clusterDown, clusterPaths, clusterStatus, clusterUp } from './cluster.ts';
import { realNodeStatus } from './node/node.ts';

const usage = `Usage: node tools/cluster/src/cli.ts <command>

  build    build the pinned control-plane binaries into the cache (skipped when cached);
           build node: the real node's binaries (kubelet, containerd, CoreDNS, Traefik, ...)
  up       start the local cluster, or reuse/restart it; prints the kubeconfig path
           up --real-node (or URUMI_REAL_NODE=1): with the real node beside the simulated ones
  down     stop every cluster process and remove the cluster's state
  status   show each component and whether the apiserver is ready (exit 1 unless running)
  kubeconfig  print the kubeconfig path`;

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'build': {
      const tools = await ensureToolSet(console.log, process.argv[3] === 'node' ? 'node' : 'control-plane');
      console.log(`Binaries: ${tools.binDir}`);
      return 0;
    }
    case 'up': {
      const realNode = process.argv.includes('--real-node') ? true : undefined;
      const { kubeconfig, ingressPort } = await clusterUp({ realNode });
      console.log(`\nThe cluster is running. Use it with:\n  export KUBECONFIG=${kubeconfig}`);
      if (ingressPort) console.log(`Ingress of the real node: http://<host>.localhost:${ingressPort}/`);
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
      const node = await realNodeStatus(clusterPaths().stateDir);
      if (node.present) {
        console.log('real node:');
        for (const c of node.processes) {
          console.log(`  ${c.name.padEnd(24)} ${c.running ? `running (pid ${c.pid})` : 'not running'}`);
        }
        if (node.ingressPort) console.log(`  ingress: http://<host>.localhost:${node.ingressPort}/`);
      }
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
