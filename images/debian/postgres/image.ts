import { join } from 'node:path';
import type { DebianImageSpec } from '../../../tools/cluster/src/node/debian-image.ts';

const here = import.meta.dirname;
const version = '17.12-0+deb13u1';

/**
 * PostgreSQL 17 from Debian 13 (trixie), with the official postgres image's contract
 * (docker-entrypoint.sh; PGDATA below the volume). Debian 13 carries 17; the Medusa chart's
 * default is the official 18 image, which cannot be pulled here. Medusa needs neither's features.
 */
export const postgres: DebianImageSpec = {
  name: 'postgres',
  tag: '17.12-trixie',
  suite: 'trixie',
  securityUpdates: true,
  packages: [`postgresql-17=${version}`, `postgresql-client-17=${version}`],
  files: {
    '/usr/local/bin/docker-entrypoint.sh': { source: join(here, 'docker-entrypoint.sh'), mode: 0o755 },
  },
  setup: [
    // The chart runs PostgreSQL as uid/gid 999, the official image's postgres user.
    'groupmod -g 999 postgres && usermod -u 999 -g 999 postgres',
    // The package made a cluster in the image; the pod's volume holds the real one.
    'rm -rf /var/lib/postgresql/* /etc/postgresql/* && mkdir -p /var/run/postgresql && chown 999:999 /var/lib/postgresql /var/run/postgresql',
    // The server's own binaries first on PATH (Debian's /usr/bin wrappers look for clusters in /etc).
    'for tool in /usr/lib/postgresql/17/bin/*; do ln -s "$tool" /usr/local/bin/; done',
  ],
  config: {
    entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
    cmd: ['postgres'],
    user: '999:999',
    env: { PGDATA: '/var/lib/postgresql/17/docker', LANG: 'C.UTF-8' },
    exposedPorts: ['5432/tcp'],
  },
};
