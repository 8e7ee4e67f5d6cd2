import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Schemathesis, for the API fuzzing test (apps/api/test/fuzz.db.test.ts), pinned. */
export const schemathesisVersion = '4.32.5';

/** Where the fuzzing test finds Schemathesis: a virtualenv outside the repository. */
export function schemathesisVenv(home = homedir()): string {
  return join(home, '.cache', 'urumi', 'schemathesis-venv');
}

/** A Debian package a test tier needs, and how to tell it is installed. */
export interface DebianNeed {
  pkg: string;
  why: string;
  isInstalled(): boolean;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

/** Every Debian package `npm test` needs, in one place (README "Prerequisites"). */
export const debianNeeds: DebianNeed[] = [
  {
    pkg: 'postgresql',
    why: 'the database and cluster tiers start throwaway PostgreSQL servers',
    isInstalled: () => {
      const root = '/usr/lib/postgresql';
      if (!existsSync(root)) return false;
      return readdirSync(root).some((version) => existsSync(join(root, version, 'bin', 'initdb')));
    },
  },
  {
    pkg: 'redis-server',
    why: 'the medusa-app tier starts a throwaway Redis',
    isInstalled: () => existsSync('/usr/bin/redis-server'),
  },
  {
    pkg: 'chromium',
    why: 'the browser tier drives Chromium with Playwright',
    isInstalled: () => existsSync('/usr/bin/chromium'),
  },
  {
    pkg: 'shellcheck',
    why: "the shell scripts' test lints every script",
    isInstalled: () => onPath('shellcheck'),
  },
  // The real node (tools/cluster/src/node) and the images built here (mmdebstrap).
  ...(
    [
      ['runc', '/usr/sbin/runc'],
      ['containernetworking-plugins', '/usr/lib/cni/bridge'],
      ['nftables', '/usr/sbin/nft'],
      ['iptables', '/usr/sbin/iptables'],
      ['ipset', '/usr/sbin/ipset'],
      ['socat', '/usr/bin/socat'],
      ['iproute2', '/usr/sbin/ip'],
      ['curl', '/usr/bin/curl'],
      ['mmdebstrap', '/usr/bin/mmdebstrap'],
    ] as const
  ).map(([pkg, file]): DebianNeed => ({
    pkg,
    why: 'the real node and the images built here',
    isInstalled: () => existsSync(file),
  })),
  {
    pkg: 'python3-venv',
    why: 'Schemathesis (the fuzzing test) is installed from PyPI into a virtualenv',
    // Debian's python3 lacks ensurepip, which `python3 -m venv` needs, until python3-venv is installed.
    isInstalled: () => {
      try {
        execFileSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    },
  },
];

/** What to do about the missing packages, decided from who runs the tests. */
export type InstallPlan =
  { kind: 'none' } | { kind: 'apt'; packages: string[]; sudo: boolean } | { kind: 'tell'; line: string };

export function planDebianInstall(
  missing: string[],
  who: { isRoot: boolean; hasSudo: boolean; hasApt: boolean },
): InstallPlan {
  if (missing.length === 0) return { kind: 'none' };
  if (who.hasApt && (who.isRoot || who.hasSudo)) {
    return { kind: 'apt', packages: missing, sudo: !who.isRoot };
  }
  return {
    kind: 'tell',
    line:
      `npm test needs these Debian packages: ${missing.join(' ')}. Install them as root ` +
      `(apt-get update && apt-get install -y ${missing.join(' ')}), or run npm test as root and it will.`,
  };
}

async function succeeds(file: string, args: string[]): Promise<boolean> {
  return exec(file, args).then(
    () => true,
    () => false,
  );
}

/** Runs a command with its output shown, failing with its exit code. */
async function run(file: string, args: string[], log: (line: string) => void): Promise<void> {
  log(`$ ${[file, ...args].join(' ')}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/**
 * Installs what the test tiers need and this machine lacks: Debian packages (as root, or with
 * passwordless sudo; otherwise one line saying what to install) and the Schemathesis virtualenv.
 * Returns false when something is still missing.
 */
export async function ensurePrerequisites(log: (line: string) => void = console.log): Promise<boolean> {
  const missing = debianNeeds.filter((need) => !need.isInstalled());
  const plan = planDebianInstall(
    missing.map((need) => need.pkg),
    {
      isRoot: process.getuid?.() === 0,
      hasSudo: process.getuid?.() !== 0 && onPath('sudo') && (await succeeds('sudo', ['-n', 'true'])),
      hasApt: onPath('apt-get'),
    },
  );
  if (plan.kind === 'tell') {
    log(plan.line);
    return false;
  }
  if (plan.kind === 'apt') {
    for (const need of missing) log(`installing ${need.pkg}: ${need.why}`);
    const apt = (args: string[]) =>
      plan.sudo ? run('sudo', ['-n', 'apt-get', ...args], log) : run('apt-get', args, log);
    await apt(['update', '-qq']);
    await apt(['install', '-y', '-qq', '--no-install-recommends', ...plan.packages]);
  }

  const venv = schemathesisVenv();
  const schemathesis = join(venv, 'bin', 'schemathesis');
  const installed = existsSync(schemathesis)
    ? await exec(schemathesis, ['--version']).then(
        ({ stdout }) => stdout.includes(schemathesisVersion),
        () => false,
      )
    : false;
  if (!installed) {
    log(`installing Schemathesis ${schemathesisVersion} from PyPI into ${venv} (the API fuzzing test)`);
    await run('python3', ['-m', 'venv', venv], log);
    await run(join(venv, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${schemathesisVersion}`], log);
  }
  return true;
}
