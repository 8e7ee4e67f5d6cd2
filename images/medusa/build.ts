// The Medusa store application of images/medusa/app, built the way its Dockerfile builds it: npm ci
// (skipped while node_modules matches the lock file), `medusa build` (skipped while its inputs are
// unchanged), and, for an image, the built server with its production dependencies only. Used by
// the medusa-app test tier and by the image built here for the real node (images/debian/medusa).
import { cp, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, exists, filesUnder, nodePath, runToEnd, sha256Of as sha256Under } from '../build-support.ts';

export { nodePath, runToEnd, type Run } from '../build-support.ts';

export const appDir = join(import.meta.dirname, 'app');
/** Where `medusa build` puts the runnable app (the image's WORKDIR holds this folder's contents). */
export const serverDir = join(appDir, '.medusa', 'server');
/** The Medusa CLI's entry point, run with process.execPath (not its `#!/usr/bin/env node`). */
export const medusaCli = join(appDir, 'node_modules', '@medusajs', 'cli', 'cli.js');

const installMarker = join(appDir, 'node_modules', '.urumi-lock-sha256');
const buildMarker = join(serverDir, '.urumi-inputs-sha256');
const sha256Of = (paths: string[], seed = '') => sha256Under(paths, import.meta.dirname, seed);

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
