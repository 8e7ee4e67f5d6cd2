import type { DebianImageSpec } from '../../../tools/cluster/src/node/debian-image.ts';

/**
 * The real-node tests' own pod image: BusyBox (sh, wget, nc, nslookup, httpd) from Debian 13 as a
 * dynamically linked binary in a real root filesystem (a static BusyBox crashes on name lookups).
 * Not a store image; nothing in a store runs it.
 */
export const toolbox: DebianImageSpec = {
  name: 'toolbox',
  tag: '1.37.0-trixie',
  suite: 'trixie',
  packages: ['busybox=1:1.37.0-6+b9'],
  files: {},
  setup: [
    // Every applet on PATH (Debian's package installs only /bin/busybox).
    '/bin/busybox --install -s /usr/local/bin',
    'mkdir -p /srv/www && echo "served by a real pod" > /srv/www/index.html',
  ],
  config: { entrypoint: ['/bin/busybox'], cmd: ['sh'], user: '65534:65534' },
};
