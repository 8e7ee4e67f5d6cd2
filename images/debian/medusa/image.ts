import { join } from 'node:path';
import { productionServer } from '../../medusa/build.ts';
import type { DebianImageSpec } from '../../../tools/cluster/src/node/debian-image.ts';
import { cacheRoot } from '../../../tools/cluster/src/paths.ts';
import { nodeAppBase } from '../node-app.ts';

/**
 * The Medusa store image built here: what images/medusa/Dockerfile makes (the built app of
 * images/medusa/app in /server with its production dependencies, uid 1000, `medusa start`), on
 * Debian 13 with Node.js 24 (`nodeAppBase`).
 */
export async function medusaImage(): Promise<DebianImageSpec> {
  const server = await productionServer(join(cacheRoot(), 'medusa-server'));
  const { node, ...base } = nodeAppBase();
  return {
    name: 'medusa',
    tag: `2.21.2-${server.key.slice(0, 8)}-trixie`,
    ...base,
    files: node,
    trees: { '/server': server.dir },
    inputs: server.key,
    setup: [
      'rm -f /server/.complete && chown -R 0:0 /server',
      'mkdir -p /server/static && chown 1000:1000 /server/static',
    ],
    config: {
      entrypoint: ['node', 'node_modules/@medusajs/cli/cli.js'],
      cmd: ['start'],
      user: '1000:1000',
      workingDir: '/server',
      env: { NODE_ENV: 'production', MEDUSA_DISABLE_TELEMETRY: 'true', PORT: '9000', HOME: '/tmp' },
      exposedPorts: ['9000/tcp'],
    },
  };
}
