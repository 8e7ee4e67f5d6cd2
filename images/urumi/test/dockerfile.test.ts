import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { versions } from '../../../tools/cluster/src/versions.ts';
import {
  argDefaults,
  readDockerfile,
  repositoryRoot,
  shellcheckRuns,
  type Instruction,
} from '../../dockerfile.ts';

// The image cannot be built here (no container engine), so these checks keep the Dockerfile in step
// with the repository: every workspace's manifest before npm ci, helm at the pinned version, the
// entry point the API really has.

const dockerfile = join(import.meta.dirname, '..', 'Dockerfile');

/** The workspace folders of the root package.json, with `dir/*` globs expanded. */
async function workspaces(): Promise<string[]> {
  const root = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  const found: string[] = [];
  for (const pattern of root.workspaces) {
    if (!pattern.endsWith('/*')) {
      found.push(pattern);
      continue;
    }
    const parent = pattern.slice(0, -2);
    for (const entry of await readdir(join(repositoryRoot, parent), { withFileTypes: true })) {
      const manifest = join(repositoryRoot, parent, entry.name, 'package.json');
      if (
        entry.isDirectory() &&
        (await readFile(manifest).then(
          () => true,
          () => false,
        ))
      ) {
        found.push(`${parent}/${entry.name}`);
      }
    }
  }
  return found.sort();
}

function stageNamed(instructions: Instruction[], name: string): Instruction[] {
  const from = instructions.find((i) => i.keyword === 'FROM' && i.args.endsWith(` AS ${name}`));
  if (!from) throw new Error(`no stage named ${name}`);
  return instructions.filter((i) => i.stage === from.stage);
}

describe('images/urumi/Dockerfile', () => {
  it('builds every stage on a base pinned by digest (node:24-bookworm-slim, golang:1.26-bookworm)', async () => {
    const instructions = await readDockerfile(dockerfile);
    const args = argDefaults(instructions);
    expect(args.get('NODE_IMAGE')).toMatch(
      /^docker\.io\/library\/node:24-bookworm-slim@sha256:[0-9a-f]{64}$/,
    );
    expect(args.get('GOLANG_IMAGE')).toMatch(
      /^docker\.io\/library\/golang:1\.26-bookworm@sha256:[0-9a-f]{64}$/,
    );
    const stages = new Set(
      instructions.filter((i) => i.keyword === 'FROM').map((i) => /\sAS\s+(\S+)$/.exec(i.args)?.[1]),
    );
    for (const from of instructions.filter((i) => i.keyword === 'FROM')) {
      const image = from.args.split(/\s+/)[0] ?? '';
      const arg = /^\$\{(\w+)\}$/.exec(image)?.[1];
      expect(arg, `FROM ${from.args} must come from an ARG`).toBeDefined();
      const value = args.get(arg ?? '') ?? '';
      expect(stages.has(image) || /@sha256:[0-9a-f]{64}$/.test(value), `${arg}=${value}`).toBe(true);
    }
  });

  it('builds helm with exactly the Go toolchain tools/cluster/go/helm asks for', async () => {
    const goMod = await readFile(join(repositoryRoot, 'tools', 'cluster', 'go', 'helm', 'go.mod'), 'utf8');
    const goVersion = /^go (\S+)$/m.exec(goMod)?.[1] ?? 'missing';
    const env = stageNamed(await readDockerfile(dockerfile), 'helm')
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env.split(/\s+/)).toContain(`GOTOOLCHAIN=go${goVersion}`);
  });

  it('copies every workspace manifest and runs npm ci before copying any source', async () => {
    const instructions = await readDockerfile(dockerfile);
    const expected = [
      'package.json package-lock.json ./',
      ...(await workspaces()).map((w) => `${w}/package.json ${w}/`),
    ];
    for (const stage of ['dashboard', 'app']) {
      const steps = stageNamed(instructions, stage);
      const install = steps.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
      expect(install, `${stage}: npm ci`).toBeGreaterThan(0);
      const before = steps
        .slice(0, install)
        .filter((i) => i.keyword === 'COPY')
        .map((i) => i.args);
      expect(before.sort(), `${stage}: copied before npm ci`).toEqual(expected.sort());
    }
    const app = stageNamed(instructions, 'app');
    expect(app.find((i) => i.keyword === 'RUN')?.args).toContain('npm ci --omit=dev');
    const sources = app.filter((i) => i.keyword === 'COPY').map((i) => i.args.split(/\s+/).at(-2));
    expect(sources).toEqual(
      expect.arrayContaining(['apps/api/', 'packages/', 'charts/', '/app/apps/dashboard/dist/']),
    );
  });

  it('builds helm at the version the test cluster pins, from its go.sum', async () => {
    const instructions = await readDockerfile(dockerfile);
    expect(argDefaults(instructions).get('HELM_VERSION')).toBe(versions.helm);
    const helm = stageNamed(instructions, 'helm');
    expect(helm.map((i) => i.args)).toContain('tools/cluster/go/helm/go.mod tools/cluster/go/helm/go.sum ./');
    expect(
      instructions
        .filter((i) => i.stage === helm[0]?.stage)
        .some((i) => i.args.includes('GOFLAGS=-mod=readonly')),
    ).toBe(true);
  });

  it('runs the API from its TypeScript sources as a numeric non-root user', async () => {
    const instructions = await readDockerfile(dockerfile);
    const last = instructions.at(-1)?.stage;
    const runtime = instructions.filter((i) => i.stage === last);
    expect(runtime.filter((i) => i.keyword === 'CMD').map((i) => i.args)).toEqual([
      '["node","apps/api/src/main.ts"]',
    ]);
    expect(runtime.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['1000:1000']);
    expect(runtime.map((i) => i.args)).toEqual(
      expect.arrayContaining(['--from=helm /out/helm /usr/local/bin/helm', '--from=app /app /app']),
    );
  });

  it('keeps dependencies, build output and the git history out of the build context', async () => {
    const ignore = (await readFile(join(import.meta.dirname, '..', 'Dockerfile.dockerignore'), 'utf8')).split(
      '\n',
    );
    expect(ignore).toEqual(
      expect.arrayContaining(['**/node_modules', '**/dist', '.git', '!tools/cluster/go/helm']),
    );
  });

  it('has RUN scripts that pass shellcheck', async () => {
    expect(await shellcheckRuns(await readDockerfile(dockerfile))).toEqual([]);
  });
});
