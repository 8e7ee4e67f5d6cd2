// The Medusa store application of images/medusa/app, built the way its Dockerfile builds it: npm ci
// (skipped while node_modules matches the lock file), `medusa build` (skipped while its inputs are
// unchanged), and, for an image, the built server with its production dependencies only. Used by
// the medusa-app test tier and by the image built here for the real node (images/debian/medusa).
import { createHash } from 'node:crypto';
import { access, cp, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { spawn, type SpawnOptions } from 'node:child_process';
import { delimiter, dirname, join, relative } from 'node:path';

export const appDir = join(import.meta.dirname, 'app');
/** Where `medusa build` puts the runnable app (the image's WORKDIR holds this folder's contents). */
export const serverDir = join(appDir, '.medusa', 'server');
/** The Medusa CLI's entry point, run with process.execPath (not its `#!/usr/bin/env node`). */
export const medusaCli = join(appDir, 'node_modules', '@medusajs', 'cli', 'cli.js');

/** PATH with the running Node (24, the repository's) first, for tools that find `node` on PATH. */
export function nodePath(): string {
  return [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved. */
  output: string;
}

/** Runs a command (argument array, no shell) to its end; never rejects on a non-zero exit. */
export async function runToEnd(command: string, args: string[], options: SpawnOptions): Promise<Run> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
}

const installMarker = join(appDir, 'node_modules', '.urumi-lock-sha256');
const buildMarker = join(serverDir, '.urumi-inputs-sha256');

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A hash of the files' paths (relative to this folder, so every clone agrees) and contents. */
async function sha256Of(paths: string[], seed = ''): Promise<string> {
  const hash = createHash('sha256').update(seed);
  for (const path of paths)
    hash
      .update(relative(import.meta.dirname, path))
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
export async function installDependencies(): Promise<void> {
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
 * inputs of the last build are unchanged. Returns the hash of those inputs. Here the built server
 * shares the app's node_modules; the image installs production dependencies of its own.
 */
export async function build(): Promise<string> {
  const inputs = await sha256Of([
    join(appDir, 'package-lock.json'),
    join(appDir, 'medusa-config.ts'),
    join(appDir, 'tsconfig.json'),
    ...(await filesUnder(join(appDir, 'src'))),
  ]);
  if ((await readFile(buildMarker, 'utf8').catch(() => '')) === inputs) return inputs;
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: nodePath(), MEDUSA_DISABLE_TELEMETRY: 'true' };
  // The image builds without any runtime secret or connection string.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'COOKIE_SECRET']) delete env[name];
  const run = await runToEnd(process.execPath, [medusaCli, 'build'], { cwd: appDir, env });
  check('medusa build', run);
  if (!(await exists(join(serverDir, 'node_modules')))) {
    await symlink(join(appDir, 'node_modules'), join(serverDir, 'node_modules'));
  }
  await writeFile(buildMarker, inputs);
  return inputs;
}

/**
 * The image's /server: the built app and `npm ci --omit=dev` of its own package-lock, in
 * `<cacheDir>/<inputs>` (made once per build inputs). Returns the folder and the inputs' hash.
 */
export async function productionServer(cacheDir: string): Promise<{ dir: string; key: string }> {
  await installDependencies();
  const script = join(import.meta.dirname, 'migration-folders.sh');
  // Keyed by the app's build inputs and by what this function does to them.
  const key = (await sha256Of([script], await build())).slice(0, 16);
  const dir = join(cacheDir, key);
  if (await exists(join(dir, '.complete'))) return { dir, key };
  const work = `${dir}.building-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await cp(serverDir, work, {
    recursive: true,
    filter: (source) => !['node_modules', '.urumi-inputs-sha256'].some((skip) => source.endsWith(`/${skip}`)),
  });
  const run = await runToEnd('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: work,
    env: { ...process.env, PATH: nodePath() },
  });
  check('npm ci --omit=dev in the built Medusa server', run);
  check('migration-folders.sh', await runToEnd('sh', [script], { cwd: work }));
  await writeFile(join(work, '.complete'), `${key}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(work, dir);
  return { dir, key };
}
