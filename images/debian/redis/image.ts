import { join } from 'node:path';
import type { DebianImageSpec } from '../../../tools/cluster/src/node/debian-image.ts';

/**
 * Redis 8.0 from Debian 13 (trixie), with the official redis image's contract (the arguments are
 * redis-server's). The Medusa chart's default is the official 8.10 image, which cannot be pulled
 * here.
 */
export const redis: DebianImageSpec = {
  name: 'redis',
  tag: '8.0.2-trixie',
  suite: 'trixie',
  securityUpdates: true,
  packages: ['redis-server=5:8.0.2-3+deb13u3', 'redis-tools=5:8.0.2-3+deb13u3'],
  files: {
    '/usr/local/bin/docker-entrypoint.sh': {
      source: join(import.meta.dirname, 'docker-entrypoint.sh'),
      mode: 0o755,
    },
  },
  setup: [
    // The chart runs Redis as uid/gid 999, the official image's redis user.
    'groupmod -g 999 redis && usermod -u 999 -g 999 redis',
    'mkdir -p /data && chown 999:999 /data',
  ],
  config: {
    entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
    cmd: ['redis-server'],
    user: '999:999',
    workingDir: '/data',
    exposedPorts: ['6379/tcp'],
  },
};
