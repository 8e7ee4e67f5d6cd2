#!/bin/bash
# WordPress from Debian's packages, with the official wordpress image's contract that the store
# chart relies on:
#   - WordPress core lives in /usr/src/wordpress; when /var/www/html has no WordPress, it is copied
#     there, keeping every plugin and theme already in wp-content (the store's volume);
#   - when /var/www/html has no wp-config.php and WORDPRESS_DB_HOST is set, wp-config-docker.php is
#     written there: it reads WORDPRESS_DB_*, WORDPRESS_TABLE_PREFIX, the WORDPRESS_*_KEY/_SALT
#     values (each also as <NAME>_FILE) and WORDPRESS_CONFIG_EXTRA from the environment at run time;
#   - `docker-ensure-installed.sh <command>` does the above and runs the command; the entrypoint does
#     it only before Apache (apache2-foreground).
# Runs as the pod's user (www-data, 33); writes only to /var/www/html, /run and /tmp.
set -euo pipefail

html=/var/www/html
source=/usr/src/wordpress

say() { printf '%s [entrypoint] %s\n' "$(date -u +%FT%TZ)" "$*"; }

copy_core() {
  if [ -e "$html/index.php" ] || [ -e "$html/wp-includes/version.php" ]; then return; fi
  say "copying WordPress $(sed -n "s/^\$wp_version = '\(.*\)';/\1/p" "$source/wp-includes/version.php") into $html"
  local entry
  for entry in "$source"/* "$source"/.htaccess; do
    [ "$(basename "$entry")" = wp-content ] && continue
    cp -a "$entry" "$html/"
  done
  mkdir -p "$html/wp-content"
  # wp-content is the store's volume: what is there already (a plugin, a theme, uploads) is kept.
  for entry in "$source"/wp-content/* "$source"/wp-content/*/*; do
    local target="$html/wp-content/${entry#"$source/wp-content/"}"
    if [ ! -e "$target" ]; then cp -a "$entry" "$target"; fi
  done
}

write_config() {
  if [ -e "$html/wp-config.php" ] || [ -z "${WORDPRESS_DB_HOST:-}" ]; then return; fi
  say "writing $html/wp-config.php (settings are read from the environment at run time)"
  # Keys and salts not given in the environment get random values of this copy of the file.
  local config key
  config=$(<"$source/wp-config-docker.php")
  for key in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    config=${config/"@random-$key@"/$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')}
  done
  printf '%s\n' "$config" >"$html/wp-config.php"
}

install() {
  copy_core
  write_config
}

case "$(basename "$0")" in
  docker-ensure-installed.sh) install ;;
  *) if [ "${1:-apache2-foreground}" = apache2-foreground ]; then install; fi ;;
esac
if [ $# -eq 0 ]; then set -- apache2-foreground; fi
exec "$@"
