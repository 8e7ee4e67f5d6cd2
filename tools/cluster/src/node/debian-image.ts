import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../paths.ts';
import { formatDuration, runWithProgress } from '../process.ts';
import { singleLayerImage, type Blob } from './registry.ts';

/**
 * An image built here without a container engine: a Debian root filesystem made by mmdebstrap from
 * the pinned packages, the image's own files copied in, one layer.
 */
export interface DebianImageSpec {
  /** The repository in the node's registry, e.g. `mariadb`. */
  name: string;
  tag: string;
  suite: 'trixie' | 'bookworm';
  /** Also take packages from the suite's security updates (pins then name those versions). */
  securityUpdates?: boolean;
  /** `name=version` pins: the build fails when the mirror no longer serves that version. */
  packages: string[];
  /** Files to copy into the root filesystem: target path → source file and mode. */
  files: Record<string, { source: string; mode: number }>;
  /**
   * Folders copied in whole (target path → source folder), e.g. a built application. Their content
   * is not hashed: `inputs` must name it.
   */
  trees?: Record<string, string>;
  /** What the cache key cannot read from `files` and `packages`: a hash of the trees' inputs. */
  inputs?: string;
  /** Shell commands run in the new root filesystem after the packages (users, folders, cleanup). */
  setup: string[];
  config: {
    entrypoint: string[];
    cmd?: string[];
    user: string;
    env?: Record<string, string>;
    workingDir?: string;
    exposedPorts?: string[];
  };
}

const mirror = 'http://deb.debian.org/debian';
const securityMirror = 'http://security.debian.org/debian-security';

function sources(spec: DebianImageSpec): string[] {
  const main = `deb ${mirror} ${spec.suite} main`;
  return spec.securityUpdates ? [main, `deb ${securityMirror} ${spec.suite}-security main`] : [main];
}

/**
 * What a cache entry holds is keyed by everything that goes into it: the package sources, the spec
 * and the content of its files, but not where the checkout is (every clone shares the cache).
 */
async function imageKey(spec: DebianImageSpec): Promise<string> {
  const files: Record<string, { mode: number; sha256: string }> = {};
  for (const [target, { source, mode }] of Object.entries(spec.files)) {
    files[target] = {
      mode,
      sha256: createHash('sha256')
        .update(await readFile(source))
        .digest('hex'),
    };
  }
  const { trees, ...rest } = spec;
  const described = { ...rest, files, trees: Object.keys(trees ?? {}).sort() };
  return createHash('sha256')
    .update(JSON.stringify({ layout: 2, sources: sources(spec), spec: described }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Builds the image (or takes it from the cache, `<cache>/images/<name>/<key>`), returning its
 * config and layer blobs ready to push.
 */
export async function buildDebianImage(
  spec: DebianImageSpec,
  log: (line: string) => void,
): Promise<{ config: Blob; layers: Blob[]; key: string }> {
  const key = await imageKey(spec);
  const dir = join(cacheRoot(), 'images', spec.name, key);
  const read = async () => {
    const manifest = JSON.parse(await readFile(join(dir, 'image.json'), 'utf8')) as {
      config: Blob;
      layers: Blob[];
    };
    const load = async (b: Blob) => ({ ...b, data: await readFile(join(dir, b.digest.replace(':', '-'))) });
    return { config: await load(manifest.config), layers: await Promise.all(manifest.layers.map(load)), key };
  };
  if (existsSync(join(dir, 'image.json'))) return read();

  const started = Date.now();
  const work = `${dir}.building-${process.pid}`;
  const rootfs = join(work, 'rootfs');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const hooks = [
    ...Object.entries(spec.files).flatMap(([target, { source, mode }]) => [
      `--customize-hook=install -D -m ${mode.toString(8)} ${source} "$1${target}"`,
    ]),
    ...Object.entries(spec.trees ?? {}).map(
      ([target, source]) => `--customize-hook=mkdir -p "$1${target}" && cp -a ${source}/. "$1${target}/"`,
    ),
    ...spec.setup.map(
      (command) => `--customize-hook=chroot "$1" sh -ec '${command.replaceAll("'", "'\\''")}'`,
    ),
    // Nothing of apt's state or the package caches is needed at run time.
    '--customize-hook=rm -rf "$1/var/lib/apt/lists"/* "$1/var/cache/apt"/* "$1/var/log"/*',
  ];
  await runWithProgress(
    'mmdebstrap',
    [
      '--variant=minbase',
      '--mode=root',
      '--format=directory',
      '--aptopt=Acquire::Retries "3"',
      '--dpkgopt=path-exclude=/usr/share/doc/*',
      '--dpkgopt=path-exclude=/usr/share/man/*',
      '--dpkgopt=path-exclude=/usr/share/locale/*',
      `--include=${spec.packages.join(',')}`,
      ...hooks,
      spec.suite,
      rootfs,
      ...sources(spec),
    ],
    { label: `image ${spec.name}`, log, env: { ...process.env, LC_ALL: 'C.UTF-8' } },
  );
  const image = await singleLayerImage({
    dir: rootfs,
    files: ['.'],
    entrypoint: spec.config.entrypoint,
    user: spec.config.user,
    ...(spec.config.cmd ? { cmd: spec.config.cmd } : {}),
    ...(spec.config.env ? { env: spec.config.env } : {}),
    ...(spec.config.workingDir ? { workingDir: spec.config.workingDir } : {}),
  });
  await mkdir(join(work, 'out'), { recursive: true });
  for (const b of [image.config, ...image.layers])
    await writeFile(join(work, 'out', b.digest.replace(':', '-')), b.data);
  const strip = (b: Blob) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });
  await writeFile(
    join(work, 'out', 'image.json'),
    `${JSON.stringify({ spec: spec.name, config: strip(image.config), layers: image.layers.map(strip) }, null, 2)}\n`,
  );
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '..'), { recursive: true });
  await rename(join(work, 'out'), dir);
  await rm(work, { recursive: true, force: true });
  log(
    `image ${spec.name}:${spec.tag} built in ${formatDuration(Date.now() - started)} (${(image.layers[0]!.size / 1024 / 1024).toFixed(0)} MiB)`,
  );
  return read();
}
