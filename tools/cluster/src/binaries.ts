import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatDuration, run, runWithProgress } from './process.ts';
import { cacheRoot, goModulesDir } from './paths.ts';
import { buildDate, versions, wrapperModules, type WrapperName } from './versions.ts';

/** One binary built from a wrapper module under `go/`. */
export interface BinarySpec {
  name: string;
  wrapper: WrapperName;
  pkg: string;
  tags?: string;
  ldflags: string[];
}

function kubernetesVersionFlags(): string[] {
  const [major, minor] = versions.kubernetes.split('.');
  const values = {
    gitVersion: `v${versions.kubernetes}`,
    gitMajor: major,
    gitMinor: minor,
    gitTreeState: 'clean',
    gitCommit: 'module-build',
    buildDate,
  };
  // Both packages carry the version: component-base serves /version, client-go is what clients report.
  return Object.entries(values).flatMap(([key, value]) => [
    `-X 'k8s.io/component-base/version.${key}=${value}'`,
    `-X 'k8s.io/client-go/pkg/version.${key}=${value}'`,
  ]);
}

export function binarySpecs(): BinarySpec[] {
  const k8s = (name: string): BinarySpec => ({
    name,
    wrapper: 'kubernetes',
    pkg: `k8s.io/kubernetes/cmd/${name}`,
    tags: 'selinux,notest',
    ldflags: kubernetesVersionFlags(),
  });
  return [
    k8s('kube-apiserver'),
    k8s('kube-controller-manager'),
    k8s('kube-scheduler'),
    k8s('kubectl'),
    { name: 'etcd', wrapper: 'etcd', pkg: 'go.etcd.io/etcd/server/v3', ldflags: [] },
    { name: 'kwok', wrapper: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok', ldflags: [] },
    { name: 'kwokctl', wrapper: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwokctl', ldflags: [] },
    {
      name: 'helm',
      wrapper: 'helm',
      pkg: 'helm.sh/helm/v4/cmd/helm',
      ldflags: [
        `-X helm.sh/helm/v4/internal/version.version=v${versions.helm}`,
        '-X helm.sh/helm/v4/internal/version.metadata=',
        '-X helm.sh/helm/v4/internal/version.gitTreeState=clean',
      ],
    },
  ];
}

/** Bumped whenever what a cache entry holds changes, so older entries are not mistaken for it. */
const cacheLayout = 2;

/** The upstream KWOK stage sets used as they are (our own pod stages replace kwok's pod set). */
export const upstreamStageDirs = ['node/fast', 'node/heartbeat-with-lease', 'volume/fast'] as const;

/** Where a built version set lives: `bin/` holds the binaries, `kwok-stages/` the upstream stages. */
export interface ToolSet {
  dir: string;
  binDir: string;
  stagesDir: string;
  bin(name: string): string;
}

const goEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  GOTOOLCHAIN: 'local',
  CGO_ENABLED: '0',
  GOFLAGS: '-mod=readonly',
});

/**
 * The cache key: the version set, the Go toolchain and every wrapper module's go.mod and go.sum, so a
 * change to any of them builds a new set next to the old one.
 */
export async function toolSetKey(goVersion: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ cacheLayout, versions, buildDate, goVersion, specs: binarySpecs() }));
  for (const wrapper of Object.keys(wrapperModules).sort()) {
    for (const file of ['go.mod', 'go.sum']) {
      hash.update(`${wrapper}/${file}\n`);
      hash.update(await readFile(join(goModulesDir, wrapper, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function toolSetAt(dir: string): ToolSet {
  const binDir = join(dir, 'bin');
  return { dir, binDir, stagesDir: join(dir, 'kwok-stages'), bin: (name) => join(binDir, name) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function goVersion(): Promise<string> {
  const { stdout } = await run('go', ['env', 'GOVERSION'], { env: goEnv() }).catch((error: unknown) => {
    throw new Error(
      `The Go toolchain is needed to build the cluster binaries once, and 'go' could not be run: ${String(error)}`,
    );
  });
  return stdout.trim();
}

async function expectedToolSet(): Promise<ToolSet> {
  return toolSetAt(join(cacheRoot(), 'cluster', await toolSetKey(await goVersion())));
}

function isComplete(set: ToolSet): Promise<boolean> {
  return exists(join(set.dir, 'manifest.json'));
}

/** The cached tool set for the pinned versions, or null when it has not been built (never builds). */
export async function cachedToolSet(): Promise<ToolSet | null> {
  const set = await expectedToolSet();
  return (await isComplete(set)) ? set : null;
}

/**
 * Returns the cached tool set for the pinned versions, building it first when the cache lacks it.
 * The set is built in a temporary folder and renamed into place, so an interrupted build never
 * leaves a half-filled cache entry behind.
 */
export async function ensureToolSet(log: (line: string) => void = console.log): Promise<ToolSet> {
  const target = await expectedToolSet();
  if (await isComplete(target)) return target;

  const staging = toolSetAt(`${target.dir}.building-${process.pid}`);
  await rm(staging.dir, { recursive: true, force: true });
  await mkdir(staging.binDir, { recursive: true });
  const specs = binarySpecs();
  const started = Date.now();
  log(`Building the cluster binaries (a cold build takes about 10 minutes on 2 cores) into ${target.dir}`);
  for (const [index, spec] of specs.entries()) {
    const label = `[${index + 1}/${specs.length}] ${spec.name}`;
    const args = ['build', '-trimpath', '-o', staging.bin(spec.name)];
    if (spec.tags) args.push('-tags', spec.tags);
    args.push('-ldflags', ['all=-s -w', ...spec.ldflags].join(' '), spec.pkg);
    await runWithProgress('go', args, {
      cwd: join(goModulesDir, spec.wrapper),
      env: goEnv(),
      label,
      log,
    });
  }
  await copyUpstreamStages(staging.stagesDir);
  await writeFile(
    join(staging.dir, 'manifest.json'),
    `${JSON.stringify({ versions, key: basename(target.dir), builtAt: new Date().toISOString(), binaries: specs.map((s) => s.name) }, null, 2)}\n`,
  );
  await rm(target.dir, { recursive: true, force: true });
  await rename(staging.dir, target.dir);
  log(`Built the cluster binaries in ${formatDuration(Date.now() - started)}`);
  return target;
}

async function copyUpstreamStages(destination: string): Promise<void> {
  const { stdout } = await run('go', ['list', '-m', '-f', '{{.Dir}}', wrapperModules.kwok.module], {
    cwd: join(goModulesDir, 'kwok'),
    env: goEnv(),
  });
  const kwokSource = stdout.trim();
  await mkdir(destination, { recursive: true });
  // Only the Stage documents: the folders' kustomizations also pull in RBAC and a StorageClass that
  // a binary-runtime cluster does not use (the StorageClass is created through the API instead).
  for (const dir of upstreamStageDirs) {
    const source = join(kwokSource, 'kustomize', 'stage', dir);
    for (const file of (await readdir(source)).filter((f) => f.endsWith('.yaml')).sort()) {
      const text = await readFile(join(source, file), 'utf8');
      if (/^kind: Stage$/m.test(text))
        await writeFile(join(destination, `${dir.replace('/', '-')}-${file}`), text);
    }
  }
}

/** The upstream Stage files of a tool set, to pass to kwokctl as `--config`. */
export async function upstreamStageFiles(set: ToolSet): Promise<string[]> {
  const files = await readdir(set.stagesDir);
  return files.sort().map((file) => join(set.stagesDir, file));
}
