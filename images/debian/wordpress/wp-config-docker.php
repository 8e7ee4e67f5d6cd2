<?php
// wp-config.php of Urumi's WordPress image (images/debian/wordpress). Every setting comes from the
// environment when a request starts, so this file holds no password: WORDPRESS_DB_HOST, _NAME,
// _USER, _PASSWORD, WORDPRESS_TABLE_PREFIX, WORDPRESS_DEBUG, the eight WORDPRESS_*_KEY/_SALT values
// and WORDPRESS_CONFIG_EXTRA (PHP code run here). Each may instead name a file as <NAME>_FILE.

function urumi_env(string $name, string $default = ''): string
{
    $file = getenv($name . '_FILE');
    if (is_string($file) && $file !== '') {
        return rtrim((string) file_get_contents($file), "\r\n");
    }
    $value = getenv($name);
    return is_string($value) ? $value : $default;
}

define('DB_NAME', urumi_env('WORDPRESS_DB_NAME', 'wordpress'));
define('DB_USER', urumi_env('WORDPRESS_DB_USER', 'wordpress'));
define('DB_PASSWORD', urumi_env('WORDPRESS_DB_PASSWORD'));
define('DB_HOST', urumi_env('WORDPRESS_DB_HOST', 'mysql'));
define('DB_CHARSET', urumi_env('WORDPRESS_DB_CHARSET', 'utf8mb4'));
define('DB_COLLATE', urumi_env('WORDPRESS_DB_COLLATE'));

define('AUTH_KEY', urumi_env('WORDPRESS_AUTH_KEY', '@random-AUTH_KEY@'));
define('SECURE_AUTH_KEY', urumi_env('WORDPRESS_SECURE_AUTH_KEY', '@random-SECURE_AUTH_KEY@'));
define('LOGGED_IN_KEY', urumi_env('WORDPRESS_LOGGED_IN_KEY', '@random-LOGGED_IN_KEY@'));
define('NONCE_KEY', urumi_env('WORDPRESS_NONCE_KEY', '@random-NONCE_KEY@'));
define('AUTH_SALT', urumi_env('WORDPRESS_AUTH_SALT', '@random-AUTH_SALT@'));
define('SECURE_AUTH_SALT', urumi_env('WORDPRESS_SECURE_AUTH_SALT', '@random-SECURE_AUTH_SALT@'));
define('LOGGED_IN_SALT', urumi_env('WORDPRESS_LOGGED_IN_SALT', '@random-LOGGED_IN_SALT@'));
define('NONCE_SALT', urumi_env('WORDPRESS_NONCE_SALT', '@random-NONCE_SALT@'));

$table_prefix = urumi_env('WORDPRESS_TABLE_PREFIX', 'wp_');

define('WP_DEBUG', urumi_env('WORDPRESS_DEBUG') !== '');

// Behind a TLS-terminating ingress the request arrives as HTTP with X-Forwarded-Proto: https.
if (($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '') === 'https') {
    $_SERVER['HTTPS'] = 'on';
}

$urumi_extra = urumi_env('WORDPRESS_CONFIG_EXTRA');
if ($urumi_extra !== '') {
    eval($urumi_extra);
}

if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}

require_once ABSPATH . 'wp-settings.php';
