import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Every shell script of the repository (*.sh, tracked or new, wherever it lives) passes shellcheck
// with its default checks. The chart's setup script is the main one; the images copy it from here.
// shellcheck is a required tool for this tier (apt-get install -y shellcheck): a missing one fails
// the run instead of skipping it.

const exec = promisify(execFile);
const repositoryRoot = join(import.meta.dirname, '..', '..', '..');

async function shellScripts(): Promise<string[]> {
  const { stdout } = await exec(
    'git',
    [
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      '*.sh',
      '.ci/run',
      'images/debian/*/apache2-foreground',
    ],
    { cwd: repositoryRoot },
  );
  return [...new Set(stdout.split('\0').filter(Boolean))]
    .filter((file) => existsSync(join(repositoryRoot, file)))
    .sort();
}

async function shellcheckVersion(): Promise<string> {
  try {
    const { stdout } = await exec('shellcheck', ['--version']);
    return stdout;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `shellcheck is required by this test but could not be run (${reason}). ` +
        'Install it: apt-get update && apt-get install -y shellcheck',
    );
  }
}

describe('shell scripts', () => {
  it("every *.sh in the repository, .ci/run and the images' apache2-foreground pass shellcheck", async () => {
    expect(await shellcheckVersion()).toMatch(/version: \d+\.\d+/);
    const scripts = await shellScripts();
    expect(scripts).toContain('charts/store-woocommerce/files/woocommerce-setup.sh');
    expect(scripts).toContain('.ci/run');

    const findings: string[] = [];
    for (const script of scripts) {
      try {
        await exec('shellcheck', ['--format=gcc', '--external-sources', script], { cwd: repositoryRoot });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        findings.push(`${script}:\n${stdout ?? ''}${stderr ?? ''}`.trimEnd());
      }
    }
    expect(findings.join('\n\n'), 'shellcheck findings').toBe('');
  });
});
