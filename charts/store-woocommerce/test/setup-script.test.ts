import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// The chart's setup script, run with bash against fake `wp` and `php` commands that record their
// calls and answer from a state folder. Proves the script's ordering, idempotence, secret handling
// and failure messages without a WordPress; the cluster tests cover the chart itself.
const script = join(import.meta.dirname, '..', 'files', 'woocommerce-setup.sh');
const adminPassword = 'S3cret-admin-pässword';

// Strips the global flags the script always passes (--path, --no-color), logs the rest and answers
// like WP-CLI: exit 0/1 for the is-* checks, state files for what was installed.
const fakeWp = `#!/usr/bin/env bash
state="$FAKE_STATE"
shift 2
printf '%s\\n' "$*" >>"$state/calls"
case "$1 $2" in
  'core is-installed') [[ -f "$state/installed" ]] ;;
  'core install') cat >"$state/install-stdin"; touch "$state/installed" ;;
  'plugin is-installed') [[ -f "$state/plugin-installed" ]] ;;
  'plugin install')
    if [[ -n "\${FAKE_FAIL_PLUGIN_INSTALL:-}" ]]; then echo 'Error: Download failed.' >&2; exit 1; fi
    touch "$state/plugin-installed" ;;
  'plugin is-active') [[ -f "$state/plugin-active" ]] ;;
  'plugin activate') touch "$state/plugin-active" ;;
  'option list') cat "$state/defaults-marker" 2>/dev/null || true ;;
  'option update') if [[ "$3" == urumi_store_defaults ]]; then printf '%s' "$4" >"$state/defaults-marker"; fi ;;
esac
`;

const fakePhp = `#!/usr/bin/env bash
if [[ -n "\${FAKE_DATABASE_DOWN:-}" ]]; then echo "Connection refused"; exit 1; fi
`;

interface Run {
  status: number;
  stdout: string;
  stderr: string;
  calls: string[];
  state: string;
}

const cleanups: string[] = [];
afterEach(async () => {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fake WordPress root, state folder and bin folder; `state` files pre-set what is installed. */
async function sandbox(state: Record<string, string> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'urumi-setup-script-'));
  cleanups.push(root);
  const dirs = { bin: join(root, 'bin'), state: join(root, 'state'), wordpress: join(root, 'html') };
  for (const dir of [dirs.bin, dirs.state, join(dirs.wordpress, 'wp-includes'), join(root, 'secrets')]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(join(dirs.wordpress, 'wp-includes', 'version.php'), '<?php\n');
  await writeFile(join(dirs.wordpress, 'wp-config.php'), '<?php\n');
  await writeFile(join(root, 'secrets', 'admin-password'), adminPassword);
  for (const [name, text] of Object.entries({ wp: fakeWp, php: fakePhp })) {
    await writeFile(join(dirs.bin, name), text);
    await chmod(join(dirs.bin, name), 0o755);
  }
  for (const [name, text] of Object.entries(state)) await writeFile(join(dirs.state, name), text);
  return { ...dirs, passwordFile: join(root, 'secrets', 'admin-password') };
}

async function runScript(
  box: Awaited<ReturnType<typeof sandbox>>,
  env: Record<string, string> = {},
): Promise<Run> {
  const result = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'bash',
      [script],
      {
        env: {
          PATH: `${box.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          FAKE_STATE: box.state,
          WORDPRESS_PATH: box.wordpress,
          WORDPRESS_DB_HOST: 'mariadb:3306',
          WP_HOME: 'http://0123456789ab.localhost',
          STORE_NAME: 'Test Store',
          ADMIN_USER: 'admin',
          ADMIN_EMAIL: 'admin@example.com',
          ADMIN_PASSWORD_FILE: box.passwordFile,
          DATABASE_WAIT_SECONDS: '0',
          WC_VERSION: '',
          WC_DEFAULT_COUNTRY: 'DE:BE',
          WC_CURRENCY: 'EUR',
          WC_STORE_ADDRESS: '',
          WC_STORE_CITY: 'Berlin',
          WC_STORE_POSTCODE: '',
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ status: typeof code === 'number' ? code : error ? -1 : 0, stdout, stderr });
      },
    );
  });
  const calls = await readFile(join(box.state, 'calls'), 'utf8').catch(() => '');
  return { ...result, calls: calls.split('\n').filter(Boolean), state: box.state };
}

describe('woocommerce-setup.sh', () => {
  it('installs WordPress and WooCommerce on a fresh store, handing the admin password over stdin only', async () => {
    const box = await sandbox();
    const run = await runScript(box, { WC_VERSION: '10.1.2' });

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.calls).toContain(
      'core install --url=http://0123456789ab.localhost --title=Test Store --admin_user=admin ' +
        '--admin_email=admin@example.com --skip-email --prompt=admin_password',
    );
    expect(await readFile(join(run.state, 'install-stdin'), 'utf8')).toBe(adminPassword);
    expect(run.calls.join('\n')).not.toContain(adminPassword);
    expect(run.stdout).not.toContain(adminPassword);

    const order = [
      'core install',
      'core update-db',
      'plugin install woocommerce --version=10.1.2',
      'plugin activate woocommerce',
      'option update woocommerce_coming_soon no',
      'option update woocommerce_onboarding_profile {"skipped":true} --format=json',
      'option update woocommerce_default_country DE:BE',
      'option update woocommerce_currency EUR',
      'option update woocommerce_store_city Berlin',
      'rewrite structure /%postname%/',
      'option update urumi_store_defaults applied',
      'wc tool run install_pages --user=admin',
    ].map((prefix) => run.calls.findIndex((call) => call.startsWith(prefix)));
    expect(order).not.toContain(-1);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Empty defaults leave WooCommerce's own values alone.
    expect(run.calls.some((call) => call.startsWith('option update woocommerce_store_address'))).toBe(false);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      '[woocommerce-setup] store ready at http://0123456789ab.localhost',
    );
  });

  it('changes nothing on a store that an earlier run already set up', async () => {
    const box = await sandbox({
      installed: '',
      'plugin-installed': '',
      'plugin-active': '',
      'defaults-marker': 'applied',
    });
    const run = await runScript(box);

    expect(run.status).toBe(0);
    const changes = run.calls.filter((call) =>
      /^(core install|plugin install|plugin activate|option update|rewrite)/.test(call),
    );
    expect(changes).toEqual([]);
    expect(run.stdout).toContain('keeping the current settings');
  });

  it('fails naming the database and its last error when the database never answers', async () => {
    const box = await sandbox();
    const run = await runScript(box, { FAKE_DATABASE_DOWN: '1' });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('FAILED while waiting for the database at mariadb:3306');
    expect(run.stderr).toContain('last error: Connection refused');
    expect(run.calls).toEqual([]);
  });

  it('fails naming the step when WooCommerce cannot be downloaded, and applies no defaults', async () => {
    const box = await sandbox();
    const run = await runScript(box, { FAKE_FAIL_PLUGIN_INSTALL: '1' });

    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Error: Download failed.');
    expect(run.stderr).toContain('FAILED while installing WooCommerce');
    // No version pinned: the latest stable release is requested.
    expect(run.calls).toContain('plugin install woocommerce');
    expect(run.calls.some((call) => call.startsWith('option update'))).toBe(false);
  });

  it('fails before touching WordPress when the admin password file is empty', async () => {
    const box = await sandbox();
    await writeFile(box.passwordFile, '');
    const run = await runScript(box);

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('FAILED while installing WordPress: the admin password file');
    expect(run.calls).toEqual(['core is-installed']);
  });
});
