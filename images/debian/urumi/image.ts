import { join } from 'node:path';
import { ensureToolSet } from '../../../tools/cluster/src/binaries.ts';
import type { DebianImageSpec } from '../../../tools/cluster/src/node/debian-image.ts';
import { cacheRoot } from '../../../tools/cluster/src/paths.ts';
import { urumiApp } from '../../urumi/build.ts';
import { nodeAppBase } from '../node-app.ts';

/**
 * Urumi's own image built here: what images/urumi/Dockerfile makes (the API run by Node 24 from its
 * TypeScript sources, the built dashboard, the store charts, production dependencies in /app,
 * helm built from tools/cluster/go/helm, uid 1000), on Debian 13 with Node.js 24 (`nodeAppBase`).
 */
export async function urumiImage(log: (line: string) => void): Promise<DebianImageSpec> {
  const app = await urumiApp(join(cacheRoot(), 'urumi-app'));
  const tools = await ensureToolSet(log);
  const { node, ...base } = nodeAppBase();
  return {
    name: 'urumi',
    tag: `0.1.0-${app.key.slice(0, 8)}-trixie`,
    ...base,
    files: { ...node, '/usr/local/bin/helm': { source: tools.bin('helm'), mode: 0o755 } },
    trees: { '/app': app.dir },
    inputs: app.key,
    setup: [
      // Owned by root and read-only to the app: only URUMI_DATA_DIR (PGlite, helm's cache) is writable.
      'rm -f /app/.complete && chown -R 0:0 /app',
      'mkdir -p /var/lib/urumi && chown 1000:1000 /var/lib/urumi',
    ],
    config: {
      entrypoint: ['/usr/local/bin/node'],
      cmd: ['apps/api/src/main.ts'],
      user: '1000:1000',
      workingDir: '/app',
      env: {
        NODE_ENV: 'production',
        HOST: '0.0.0.0',
        PORT: '8080',
        URUMI_DATA_DIR: '/var/lib/urumi',
        URUMI_LOCAL_CLUSTER: 'never',
        HELM_BINARY: '/usr/local/bin/helm',
      },
      exposedPorts: ['8080/tcp'],
    },
  };
}
