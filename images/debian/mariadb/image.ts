import { join } from 'node:path';
import type { DebianImageSpec } from '../../../tools/cluster/src/node/debian-image.ts';

const here = import.meta.dirname;

/**
 * MariaDB 11.8 from Debian 13 (trixie), the same minor version as the store chart's default
 * (the official mariadb:11.8 image), with that image's contract (docker-entrypoint.sh, healthcheck.sh).
 */
export const mariadb: DebianImageSpec = {
  name: 'mariadb',
  tag: '11.8.9-trixie',
  suite: 'trixie',
  packages: ['mariadb-server=1:11.8.9+ds-0+deb13u1', 'mariadb-client=1:11.8.9+ds-0+deb13u1'],
  files: {
    '/usr/local/bin/docker-entrypoint.sh': { source: join(here, 'docker-entrypoint.sh'), mode: 0o755 },
    '/usr/local/bin/healthcheck.sh': { source: join(here, 'healthcheck.sh'), mode: 0o755 },
    '/etc/mysql/mariadb.conf.d/99-urumi.cnf': { source: join(here, 'urumi.cnf'), mode: 0o644 },
  },
  setup: [
    // The chart runs MariaDB as uid/gid 999, the official image's mysql user.
    'groupmod -g 999 mysql && usermod -u 999 -g 999 mysql',
    // The package initialised a datadir in the image; the pod's volume replaces it.
    'rm -rf /var/lib/mysql/* && mkdir -p /run/mysqld /etc/mysql/conf.d && chown mysql:mysql /run/mysqld /var/lib/mysql',
  ],
  config: {
    entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
    cmd: ['mariadbd'],
    user: '999:999',
    exposedPorts: ['3306/tcp'],
  },
};
