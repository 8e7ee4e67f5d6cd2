import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { argDefaults, readDockerfile, repositoryRoot, shellcheckRuns } from '../../dockerfile.ts';

// The image cannot be built here (no container engine), so these checks keep the Dockerfile honest
// against the chart it serves: same WordPress digest, same WP-CLI release, the one setup script.

const exec = promisify(execFile);
const dockerfile = join(import.meta.dirname, '..', 'Dockerfile');
const setupScript = 'charts/store-woocommerce/files/woocommerce-setup.sh';

interface ImageValue {
  repository: string;
  tag: string;
  digest: string;
}

async function chartImages(): Promise<Record<'wordpress' | 'wordpressCli', ImageValue>> {
  const text = await readFile(join(repositoryRoot, 'charts', 'store-woocommerce', 'values.yaml'), 'utf8');
  return loadYaml<{ images: Record<'wordpress' | 'wordpressCli', ImageValue> }>(text).images;
}

describe('images/wordpress-woocommerce/Dockerfile', () => {
  it('builds FROM exactly the WordPress image and digest the chart uses', async () => {
    const instructions = await readDockerfile(dockerfile);
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    const { wordpress } = await chartImages();
    expect(froms).toEqual([`${wordpress.repository}:${wordpress.tag}@${wordpress.digest}`]);
  });

  it('installs the WP-CLI release of the chart, verified against a sha512 that must be present', async () => {
    const instructions = await readDockerfile(dockerfile);
    const args = argDefaults(instructions);
    const { wordpressCli } = await chartImages();
    expect(wordpressCli.tag).toContain(`cli-${args.get('WP_CLI_VERSION')}-`);
    expect(args.get('WP_CLI_SHA512')).toMatch(/^[0-9a-f]{128}$/);

    const install = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('wp-cli.phar'));
    expect(install?.args).toContain('if [[ -z "${WP_CLI_SHA512}" ]]');
    expect(install?.args).toContain('sha512sum --check --strict');
    expect(install?.args).toContain('releases/download/v${WP_CLI_VERSION}/wp-cli-${WP_CLI_VERSION}.phar');
    // The checksum is checked before the phar is installed or run.
    expect(install?.args.indexOf('sha512sum')).toBeLessThan(install?.args.indexOf('/usr/local/bin/wp') ?? -1);
  });

  it('refuses to bake WooCommerce without its checksum', async () => {
    const instructions = await readDockerfile(dockerfile);
    const bake = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('woocommerce.zip'));
    expect(bake?.args).toContain('if [[ -z "${WOOCOMMERCE_SHA256}" ]]');
    expect(bake?.args).toContain('sha256sum --check --strict');
    expect(argDefaults(instructions).get('WOOCOMMERCE_VERSION')).toBe('');
  });

  it('copies the setup script from its one home in the chart, which has no other copy', async () => {
    const instructions = await readDockerfile(dockerfile);
    const copies = instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual([`--chmod=0755 ${setupScript} /usr/local/bin/woocommerce-setup`]);
    const { stdout } = await exec('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: repositoryRoot,
    });
    const copiesInRepository = stdout.split('\n').filter((file) => file.endsWith('woocommerce-setup.sh'));
    expect(copiesInRepository).toEqual([setupScript]);
    const ignore = await readFile(join(import.meta.dirname, '..', 'Dockerfile.dockerignore'), 'utf8');
    expect(ignore.split('\n')).toEqual(expect.arrayContaining(['*', `!${setupScript}`]));
  });

  it('runs as a numeric non-root user', async () => {
    const users = (await readDockerfile(dockerfile)).filter((i) => i.keyword === 'USER');
    expect(users.at(-1)?.args).toBe('33:33');
  });

  it('has RUN scripts that pass shellcheck', async () => {
    expect(await shellcheckRuns(await readDockerfile(dockerfile))).toEqual([]);
  });
});
