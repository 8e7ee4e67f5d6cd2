// Urumi's application as images/urumi/Dockerfile assembles it in /app, built without a container
// engine for the image made here (images/debian/urumi): the production dependencies of every
// workspace (npm ci --omit=dev, cached by the manifests), the API's, contracts' and cluster tool's
// sources, the store charts, and the dashboard built by Vite (cached by its inputs).
import { cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, exists, filesUnder, nodePath, runToEnd, sha256Of } from '../build-support.ts';

const root = join(import.meta.dirname, '..', '..');

/** What images/urumi/Dockerfile.dockerignore leaves out of the build context, by name. */
const ignored = (name: string) =>
  ['node_modules', 'dist', 'coverage', 'test', '.env'].includes(name) || name.endsWith('.log');

/** The folders of the root package.json's workspaces (packages/*, apps/*, tools/cluster). */
async function workspaces(): Promise<string[]> {
  const dirs = ['tools/cluster'];
  for (const parent of ['apps', 'packages']) {
    for (const entry of await readdir(join(root, parent), { withFileTypes: true }))
      if (entry.isDirectory() && (await exists(join(root, parent, entry.name, 'package.json'))))
        dirs.push(`${parent}/${entry.name}`);
  }
  return dirs.sort();
}

/** Copied into /app as they are in the repository (the Dockerfile's COPY lines of the app stage). */
const sourceDirs = ['apps/api', 'packages', 'tools/cluster/src', 'charts'];

async function copyTree(from: string, to: string): Promise<void> {
  await cp(from, to, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => !source.slice(from.length).split('/').some(ignored),
  });
}

/** Builds a folder once into `<cacheDir>/<key>`, in a staging folder renamed into place. */
async function once(dir: string, make: (work: string) => Promise<void>): Promise<string> {
  if (await exists(join(dir, '.complete'))) return dir;
  const work = `${dir}.building-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await make(work);
  await writeFile(join(work, '.complete'), '');
  await rm(dir, { recursive: true, force: true });
  await rename(work, dir);
  return dir;
}

/** `npm ci --omit=dev` of the repository's manifests, cached by their content. */
async function productionDependencies(cacheDir: string): Promise<{ dir: string; key: string }> {
  const manifests = [
    'package.json',
    'package-lock.json',
    ...(await workspaces()).map((w) => `${w}/package.json`),
  ];
  const key = (
    await sha256Of(
      manifests.map((m) => join(root, m)),
      root,
      'deps-1',
    )
  ).slice(0, 16);
  const dir = await once(join(cacheDir, `deps-${key}`), async (work) => {
    for (const manifest of manifests) await cp(join(root, manifest), join(work, manifest));
    const run = await runToEnd('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: work,
      env: { ...process.env, PATH: nodePath() },
    });
    check("npm ci --omit=dev of Urumi's workspaces", run);
  });
  return { dir, key };
}

/** The dashboard built by Vite, cached by its sources, the contracts' and the lock file. */
async function dashboard(cacheDir: string): Promise<{ dir: string; key: string }> {
  const inputs = [
    join(root, 'package-lock.json'),
    join(root, 'tsconfig.base.json'),
    ...(await filesUnder(join(root, 'apps', 'dashboard'), ignored)),
    ...(await filesUnder(join(root, 'packages', 'contracts'), ignored)),
  ];
  const key = (await sha256Of(inputs, root, 'dashboard-1')).slice(0, 16);
  const dir = await once(join(cacheDir, `dashboard-${key}`), async (work) => {
    const run = await runToEnd(
      'npm',
      [
        'run',
        'build',
        '--workspace',
        'apps/dashboard',
        '--',
        '--outDir',
        join(work, 'dist'),
        '--emptyOutDir',
      ],
      { cwd: root, env: { ...process.env, PATH: nodePath() } },
    );
    check('vite build of the dashboard', run);
  });
  return { dir: join(dir, 'dist'), key };
}

/**
 * Urumi's /app in `<cacheDir>/app-<key>`, made once per inputs: production dependencies, sources,
 * charts and the built dashboard. Returns the folder and the key naming all of its inputs.
 */
export async function urumiApp(cacheDir: string): Promise<{ dir: string; key: string }> {
  const deps = await productionDependencies(cacheDir);
  const ui = await dashboard(cacheDir);
  const sources = (await Promise.all(sourceDirs.map((dir) => filesUnder(join(root, dir), ignored)))).flat();
  const key = (await sha256Of(sources, root, `app-1 ${deps.key} ${ui.key}`)).slice(0, 16);
  const dir = await once(join(cacheDir, `app-${key}`), async (work) => {
    await cp(deps.dir, work, { recursive: true, verbatimSymlinks: true });
    await rm(join(work, '.complete'));
    for (const source of sourceDirs) await copyTree(join(root, source), join(work, source));
    await cp(ui.dir, join(work, 'apps', 'dashboard', 'dist'), { recursive: true });
  });
  return { dir, key };
}
