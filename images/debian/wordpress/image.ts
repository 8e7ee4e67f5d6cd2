import { join } from 'node:path';
import type { DebianImageSpec } from '../../../tools/cluster/src/node/debian-image.ts';

const here = import.meta.dirname;
const php = '8.4.28-1~deb13u1';
const wordpressVersion = '6.8.13+dfsg1-0+deb13u1';

/**
 * WordPress 6.8 with Apache 2.4 and PHP 8.4 (mod_php), from Debian 13 (trixie) and its security
 * updates, with the official `wordpress:*-apache` image's contract (docker-entrypoint.sh,
 * docker-ensure-installed.sh, wp-config from the environment, Apache on port 80 as www-data 33,
 * PHP settings from /usr/local/etc/php/conf.d). Debian's WordPress is older than the chart's default
 * (7.1): Debian 13 carries 6.8 with security fixes, and no newer WordPress is reachable here.
 */
export const wordpress: DebianImageSpec = {
  name: 'wordpress',
  tag: '6.8.13-php8.4-apache-trixie',
  suite: 'trixie',
  securityUpdates: true,
  packages: [
    `wordpress=${wordpressVersion}`,
    `wordpress-theme-twentytwentyfive=${wordpressVersion}`,
    'apache2=2.4.71-1~deb13u1',
    `libapache2-mod-php8.4=${php}`,
    `php8.4-cli=${php}`,
    `php8.4-mysql=${php}`,
    `php8.4-curl=${php}`,
    `php8.4-gd=${php}`,
    `php8.4-intl=${php}`,
    `php8.4-mbstring=${php}`,
    `php8.4-xml=${php}`,
    `php8.4-zip=${php}`,
  ],
  files: {
    '/usr/local/bin/docker-entrypoint.sh': { source: join(here, 'docker-entrypoint.sh'), mode: 0o755 },
    '/usr/local/bin/apache2-foreground': { source: join(here, 'apache2-foreground'), mode: 0o755 },
    '/usr/src/wordpress/wp-config-docker.php': { source: join(here, 'wp-config-docker.php'), mode: 0o644 },
    '/etc/apache2/sites-available/urumi.conf': { source: join(here, 'urumi.conf'), mode: 0o644 },
    '/usr/src/wordpress/.htaccess': { source: join(here, 'htaccess'), mode: 0o644 },
  },
  setup: [
    // WordPress core as the official image has it: one self-contained tree (Debian's symlinks to
    // its shared JavaScript and PHP libraries copied in), without Debian's host-based config.
    'rm -f /usr/share/wordpress/wp-config.php /usr/share/wordpress/.htaccess',
    'cp -rL /usr/share/wordpress/. /usr/src/wordpress/',
    'cp -rL /var/lib/wordpress/wp-content/index.php /var/lib/wordpress/wp-content/uploads /usr/src/wordpress/wp-content/',
    'chown -R 33:33 /usr/src/wordpress',
    'ln -s docker-entrypoint.sh /usr/local/bin/docker-ensure-installed.sh',
    // The chart mounts its PHP settings where the official image reads them.
    'mkdir -p /usr/local/etc/php/conf.d && touch /usr/local/etc/php/conf.d/zz-platform.ini',
    'for sapi in apache2 cli; do ln -s /usr/local/etc/php/conf.d/zz-platform.ini /etc/php/8.4/$sapi/conf.d/99-zz-platform.ini; done',
    'a2dissite 000-default && a2ensite urumi && a2enmod rewrite remoteip && a2disconf other-vhosts-access-log serve-cgi-bin',
    'rm -rf /var/www/html/* /var/log/apache2 && chown 33:33 /var/www/html',
  ],
  config: {
    entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
    cmd: ['apache2-foreground'],
    user: '33:33',
    workingDir: '/var/www/html',
    exposedPorts: ['80/tcp'],
  },
};
