// Global setup of the medusa-app tier: the Medusa application's npm dependencies (npm ci, skipped
// while node_modules matches the lock file), its production build (`medusa build`, skipped while its
// inputs are unchanged), and a throwaway Redis from Debian on a free 127.0.0.1 port.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  appDir,
  freePort,
  medusaCli,
  nodePath,
  runToEnd,
  serverDir,
  waitForRedis,
  type Run,
} from './support.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis://127.0.0.1:<port> of the tier's throwaway Redis. */
    medusaRedisUrl: string;
  }
}

const installMarker = join(appDir, 'node_modules', '.urumi-lock-sha256');
const buildMarker = join(serverDir, '.urumi-inputs-sha256');

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function sha256Of(paths: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths)
    hash
      .update(path)
      .update('\0')
      .update(await readFile(path))
      .update('\0');
  return hash.digest('hex');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function check(step: string, run: Run): void {
  if (run.code !== 0) {
    throw new Error(`${step} failed (exit ${run.code ?? run.signal}):\n${run.output.slice(-4000)}`);
  }
}

/** npm ci in the app, unless node_modules was installed from this very lock file. */
async function installDependencies(): Promise<void> {
  const lock = await sha256Of([join(appDir, 'package-lock.json')]);
  if ((await readFile(installMarker, 'utf8').catch(() => '')) === lock) return;
  // npm runs on the repository's Node 24 (first on PATH), like everything else here.
  const run = await runToEnd('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: appDir,
    env: { ...process.env, PATH: nodePath() },
  });
  check('npm ci in images/medusa/app', run);
  await writeFile(installMarker, lock);
}

/**
 * `medusa build` (backend and admin bundle into .medusa/server), as the image does, unless the
 * inputs of the last build are unchanged. The image installs production dependencies inside
 * .medusa/server; here it shares the app's node_modules.
 */
async function build(): Promise<void> {
  const inputs = await sha256Of([
    join(appDir, 'package-lock.json'),
    join(appDir, 'medusa-config.ts'),
    join(appDir, 'tsconfig.json'),
    ...(await filesUnder(join(appDir, 'src'))),
  ]);
  if ((await readFile(buildMarker, 'utf8').catch(() => '')) === inputs) return;
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: nodePath(), MEDUSA_DISABLE_TELEMETRY: 'true' };
  // The image builds without any runtime secret or connection string.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'COOKIE_SECRET']) delete env[name];
  const run = await runToEnd(process.execPath, [medusaCli, 'build'], { cwd: appDir, env });
  check('medusa build', run);
  if (!(await exists(join(serverDir, 'node_modules')))) {
    await symlink(join(appDir, 'node_modules'), join(serverDir, 'node_modules'));
  }
  await writeFile(buildMarker, inputs);
}

async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const binary = '/usr/bin/redis-server';
  if (!(await exists(binary))) {
    throw new Error(
      'redis-server not found: apt-get install redis-server (the medusa-app tier starts its own)',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'urumi-medusa-redis-'));
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForRedis(port, 15_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await installDependencies();
  await build();
  const redis = await startRedis();
  project.provide('medusaRedisUrl', redis.url);
  return redis.stop;
}
