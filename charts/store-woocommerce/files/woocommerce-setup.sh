#!/usr/bin/env bash
# Idempotent WooCommerce setup of one Urumi store. The woocommerce-setup Job runs it with WP-CLI
# (wordpress:cli image) as www-data, uid 33. Every step looks before it changes anything, so the Job
# may be retried or re-run at any time. Secrets are read from files or env and never printed.
#
# Environment, set by the Job:
#   WP_HOME                store URL (also read by wp-config.php)
#   STORE_NAME             site title, used when WordPress is first installed
#   ADMIN_USER, ADMIN_EMAIL, ADMIN_PASSWORD_FILE
#   WC_VERSION             WooCommerce version to install; empty for the latest stable release
#   WC_DEFAULT_COUNTRY, WC_CURRENCY, WC_STORE_ADDRESS, WC_STORE_CITY, WC_STORE_POSTCODE
#                          store defaults, applied once (a merchant's later changes are kept)
#   DATABASE_WAIT_SECONDS  how long to wait for the database
#   WORDPRESS_DB_*         the database wp-config.php connects to
#   WORDPRESS_PATH         WordPress root (default /var/www/html)
set -Eeuo pipefail

step='starting'
wordpress_path="${WORDPRESS_PATH:-/var/www/html}"

log() {
  printf '[woocommerce-setup] %s\n' "$*"
}

fail() {
  printf '[woocommerce-setup] FAILED while %s: %s\n' "$step" "$*" >&2
  exit 1
}

on_error() {
  local status=$?
  printf '[woocommerce-setup] FAILED while %s (exit %d); the output above shows why. The store is not ready. Every step is safe to repeat, so the Job can simply be retried.\n' \
    "$step" "$status" >&2
  exit "$status"
}
trap on_error ERR

begin() {
  step="$1"
  log "$1"
}

wp() {
  command wp --path="$wordpress_path" --no-color "$@"
}

# Connects with PHP's mysqli, as WordPress does. Prints the connection error on failure.
database_reachable() {
  # shellcheck disable=SC2016 # PHP code: the $ variables are PHP's, not the shell's.
  php -r '
    mysqli_report(MYSQLI_REPORT_OFF);
    $parts = explode(":", (string) getenv("WORDPRESS_DB_HOST"), 2);
    $port = isset($parts[1]) ? (int) $parts[1] : 3306;
    $link = @mysqli_connect($parts[0], getenv("WORDPRESS_DB_USER"), getenv("WORDPRESS_DB_PASSWORD"), getenv("WORDPRESS_DB_NAME"), $port);
    if ($link === false) {
      echo mysqli_connect_error(), "\n";
      exit(1);
    }
    mysqli_close($link);
  '
}

# Updates an option only when a value was given, so empty defaults leave WooCommerce's own.
update_option_if_set() {
  if [[ -n "$2" ]]; then
    wp option update "$1" "$2"
  fi
}

for name in WP_HOME STORE_NAME ADMIN_USER ADMIN_EMAIL ADMIN_PASSWORD_FILE WORDPRESS_DB_HOST; do
  if [[ -z "${!name:-}" ]]; then
    fail "the environment variable ${name} is not set"
  fi
done
database_wait_seconds="${DATABASE_WAIT_SECONDS:-300}"

begin "checking the WordPress files in ${wordpress_path}"
if [[ ! -f "${wordpress_path}/wp-includes/version.php" || ! -f "${wordpress_path}/wp-config.php" ]]; then
  fail "WordPress core or wp-config.php is missing; the prepare-wordpress init container copies them"
fi

begin "waiting for the database at ${WORDPRESS_DB_HOST} (up to ${database_wait_seconds}s)"
deadline=$((SECONDS + database_wait_seconds))
until database_error="$(database_reachable 2>&1)"; do
  if ((SECONDS >= deadline)); then
    fail "no connection within ${database_wait_seconds}s; last error: ${database_error:-unknown}"
  fi
  sleep 5
done

begin 'installing WordPress'
if wp core is-installed; then
  log 'WordPress is already installed'
else
  if [[ ! -s "$ADMIN_PASSWORD_FILE" ]]; then
    fail "the admin password file ${ADMIN_PASSWORD_FILE} is missing or empty (Secret key admin-password)"
  fi
  # --prompt reads the password from stdin: it never appears in the arguments, env or log.
  wp core install --url="$WP_HOME" --title="$STORE_NAME" --admin_user="$ADMIN_USER" \
    --admin_email="$ADMIN_EMAIL" --skip-email --prompt=admin_password <"$ADMIN_PASSWORD_FILE"
fi

begin 'updating the WordPress database schema'
wp core update-db

begin 'installing WooCommerce'
if wp plugin is-installed woocommerce; then
  log 'WooCommerce is already installed'
else
  version_args=()
  if [[ -n "${WC_VERSION:-}" ]]; then
    version_args=(--version="$WC_VERSION")
  fi
  wp plugin install woocommerce "${version_args[@]}"
fi

begin 'activating WooCommerce'
if wp plugin is-active woocommerce; then
  log 'WooCommerce is already active'
else
  wp plugin activate woocommerce
fi

begin 'applying the store defaults'
defaults_marker="$(wp option list --search=urumi_store_defaults --field=option_value)"
if [[ "$defaults_marker" == 'applied' ]]; then
  log 'store defaults were applied by an earlier run; keeping the current settings'
else
  # New WooCommerce installs start in "coming soon" mode, which hides the storefront.
  wp option update woocommerce_coming_soon no
  wp option update woocommerce_onboarding_profile '{"skipped":true}' --format=json
  update_option_if_set woocommerce_default_country "${WC_DEFAULT_COUNTRY:-}"
  update_option_if_set woocommerce_currency "${WC_CURRENCY:-}"
  update_option_if_set woocommerce_store_address "${WC_STORE_ADDRESS:-}"
  update_option_if_set woocommerce_store_city "${WC_STORE_CITY:-}"
  update_option_if_set woocommerce_store_postcode "${WC_STORE_POSTCODE:-}"
  # Pretty permalinks, so the Store API answers at /wp-json/wc/store/v1/.
  wp rewrite structure '/%postname%/'
  wp option update urumi_store_defaults applied
fi

begin 'creating missing WooCommerce pages'
wp wc tool run install_pages --user="$ADMIN_USER"
# Only matters to the first wp-admin visit; a missing transient is fine.
wp transient delete _wc_activation_redirect || log 'no activation redirect to clear'

begin 'verifying the store'
wp core is-installed || fail 'WordPress reports that it is not installed'
wp plugin is-active woocommerce || fail 'WooCommerce is not active'
step='finishing'
log "store ready at ${WP_HOME}"
