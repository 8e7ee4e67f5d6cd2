import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatDuration, run, runWithProgress } from './process.ts';
import { cacheRoot, goModulesDir } from './paths.ts';
import { buildDate, versions, wrapperModules, type WrapperName } from './versions.ts';

/**
 * The two sets of binaries, built and cached apart: the control plane (with KWOK's simulated nodes
 * and helm), which every cluster needs, and the real node, built only when a cluster runs one.
 */
export type ToolSetKind = 'control-plane' | 'node';

/** One binary built from a wrapper module under `go/` (`pause` is a module of its own source). */
export interface BinarySpec {
  name: string;
  set: ToolSetKind;
  wrapper: WrapperName | 'pause';
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

export function binarySpecs(set?: ToolSetKind): BinarySpec[] {
  const k8s = (name: string, kind: ToolSetKind = 'control-plane'): BinarySpec => ({
    name,
    set: kind,
    wrapper: 'kubernetes',
    pkg: `k8s.io/kubernetes/cmd/${name}`,
    tags: 'selinux,notest',
    ldflags: kubernetesVersionFlags(),
  });
  const containerdFlags = [
    `-X github.com/containerd/containerd/v2/version.Version=v${versions.containerd}`,
    '-X github.com/containerd/containerd/v2/version.Revision=module-build',
  ];
  const specs: BinarySpec[] = [
    k8s('kube-apiserver'),
    k8s('kube-controller-manager'),
    k8s('kube-scheduler'),
    k8s('kubectl'),
    { name: 'etcd', set: 'control-plane', wrapper: 'etcd', pkg: 'go.etcd.io/etcd/server/v3', ldflags: [] },
    { name: 'kwok', set: 'control-plane', wrapper: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok', ldflags: [] },
    {
      name: 'kwokctl',
      set: 'control-plane',
      wrapper: 'kwok',
      pkg: 'sigs.k8s.io/kwok/cmd/kwokctl',
      ldflags: [],
    },
    {
      name: 'helm',
      set: 'control-plane',
      wrapper: 'helm',
      pkg: 'helm.sh/helm/v4/cmd/helm',
      ldflags: [
        `-X helm.sh/helm/v4/internal/version.version=v${versions.helm}`,
        '-X helm.sh/helm/v4/internal/version.metadata=',
        '-X helm.sh/helm/v4/internal/version.gitTreeState=clean',
      ],
    },
    k8s('kubelet', 'node'),
    k8s('kube-proxy', 'node'),
    { name: 'pause', set: 'node', wrapper: 'pause', pkg: '.', ldflags: [] },
    ...['containerd', 'containerd-shim-runc-v2', 'ctr'].map((name): BinarySpec => ({
      name,
      set: 'node',
      wrapper: 'containerd',
      pkg: `github.com/containerd/containerd/v2/cmd/${name}`,
      ldflags: containerdFlags,
    })),
    {
      name: 'coredns',
      set: 'node',
      wrapper: 'coredns',
      pkg: '.',
      ldflags: [`-X github.com/coredns/coredns/coremain.GitCommit=v${versions.coredns}`],
    },
    {
      name: 'kube-router',
      set: 'node',
      wrapper: 'kube-router',
      pkg: 'github.com/cloudnativelabs/kube-router/v2/cmd/kube-router',
      ldflags: [`-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v${versions.kubeRouter}`],
    },
    {
      name: 'registry',
      set: 'node',
      wrapper: 'registry',
      pkg: 'github.com/distribution/distribution/v3/cmd/registry',
      ldflags: [`-X github.com/distribution/distribution/v3/version.version=v${versions.registry}`],
    },
    {
      name: 'traefik',
      set: 'node',
      wrapper: 'traefik',
      pkg: 'github.com/traefik/traefik/v3/cmd/traefik',
      ldflags: [`-X github.com/traefik/traefik/v3/pkg/version.Version=v${versions.traefik}`],
    },
  ];
  return set ? specs.filter((spec) => spec.set === set) : specs;
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
 * The cache key of one set: its specs, the version set, the Go toolchain and every file of the
 * wrapper modules it builds from (go.mod, go.sum, Go sources), so a change to any of them builds a
 * new set next to the old one.
 */
export async function toolSetKey(goVersion: string, set: ToolSetKind = 'control-plane'): Promise<string> {
  const hash = createHash('sha256');
  const specs = binarySpecs(set);
  hash.update(JSON.stringify({ cacheLayout, set, versions, buildDate, goVersion, specs }));
  for (const wrapper of [...new Set(specs.map((spec) => spec.wrapper))].sort()) {
    const dir = join(goModulesDir, wrapper);
    for (const file of (await readdir(dir)).sort()) {
      hash.update(`${wrapper}/${file}\n`);
      hash.update(await readFile(join(dir, file)));
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

async function expectedToolSet(set: ToolSetKind): Promise<ToolSet> {
  const key = await toolSetKey(await goVersion(), set);
  return toolSetAt(join(cacheRoot(), set === 'node' ? 'node' : 'cluster', key));
}

function isComplete(set: ToolSet): Promise<boolean> {
  return exists(join(set.dir, 'manifest.json'));
}

/** The cached tool set for the pinned versions, or null when it has not been built (never builds). */
export async function cachedToolSet(kind: ToolSetKind = 'control-plane'): Promise<ToolSet | null> {
  const set = await expectedToolSet(kind);
  return (await isComplete(set)) ? set : null;
}

/**
 * Returns the cached tool set for the pinned versions, building it first when the cache lacks it.
 * The set is built in a temporary folder and renamed into place, so an interrupted build never
 * leaves a half-filled cache entry behind.
 */
export async function ensureToolSet(
  log: (line: string) => void = console.log,
  kind: ToolSetKind = 'control-plane',
): Promise<ToolSet> {
  const target = await expectedToolSet(kind);
  if (await isComplete(target)) return target;

  const staging = toolSetAt(`${target.dir}.building-${process.pid}`);
  await rm(staging.dir, { recursive: true, force: true });
  await mkdir(staging.binDir, { recursive: true });
  const specs = binarySpecs(kind);
  const started = Date.now();
  log(
    kind === 'node'
      ? `Building the real node's binaries (a cold build takes about 20 minutes on 2 cores) into ${target.dir}`
      : `Building the cluster binaries (a cold build takes about 10 minutes on 2 cores) into ${target.dir}`,
  );
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
  if (kind === 'control-plane') await copyUpstreamStages(staging.stagesDir);
  await writeFile(
    join(staging.dir, 'manifest.json'),
    `${JSON.stringify({ set: kind, versions, key: basename(target.dir), builtAt: new Date().toISOString(), binaries: specs.map((s) => s.name) }, null, 2)}\n`,
  );
  await rm(target.dir, { recursive: true, force: true });
  await rename(staging.dir, target.dir);
  log(
    `Built the ${kind === 'node' ? "real node's" : 'cluster'} binaries in ${formatDuration(Date.now() - started)}`,
  );
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
