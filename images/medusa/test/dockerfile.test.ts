import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  argDefaults,
  readDockerfile,
  repositoryRoot,
  shellcheckRuns,
  type Instruction,
} from '../../dockerfile.ts';

// The image cannot be built here (no container engine), so these checks hold the Dockerfile to its
// rules: a pinned base, dependencies installed from the lock file before any source is copied, the
// output of `medusa build` run with production dependencies only, as a numeric non-root user. The
// medusa-app test tier runs the same build for real.

const dockerfile = join(import.meta.dirname, '..', 'Dockerfile');
const appDir = join(import.meta.dirname, '..', 'app');

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

function stageNamed(instructions: Instruction[], name: string): Instruction[] {
  const from = instructions.find((i) => i.keyword === 'FROM' && i.args.endsWith(` AS ${name}`));
  if (!from) throw new Error(`no stage named ${name}`);
  return instructions.filter((i) => i.stage === from.stage);
}

describe('images/medusa/Dockerfile', () => {
  it('builds every stage on the node:24 image pinned by digest that images/urumi uses', async () => {
    const instructions = await readDockerfile(dockerfile);
    const nodeImage = argDefaults(instructions).get('NODE_IMAGE');
    expect(nodeImage).toMatch(/^docker\.io\/library\/node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
    const urumi = argDefaults(await readDockerfile(join(repositoryRoot, 'images', 'urumi', 'Dockerfile')));
    expect(nodeImage).toBe(urumi.get('NODE_IMAGE'));
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0]);
    expect(froms).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}', '${NODE_IMAGE}']);
  });

  it('runs npm ci from the lock file before copying the sources, then medusa build', async () => {
    const build = stageNamed(await readDockerfile(dockerfile), 'build');
    const steps = build.map((i) => `${i.keyword} ${i.args}`);
    const lockCopy = steps.indexOf(
      'COPY images/medusa/app/package.json images/medusa/app/package-lock.json ./',
    );
    const install = steps.indexOf('RUN npm ci --no-audit --no-fund');
    const sources = steps.indexOf('COPY images/medusa/app/ ./');
    const medusaBuild = steps.findIndex((s) => s.startsWith('RUN node_modules/.bin/medusa build'));
    expect(lockCopy).toBeGreaterThan(0);
    expect([lockCopy, install, sources, medusaBuild]).toEqual(
      [lockCopy, install, sources, medusaBuild].toSorted((a, b) => a - b),
    );
    expect(new Set([lockCopy, install, sources, medusaBuild]).size).toBe(4);
    expect(steps.slice(0, install).filter((s) => s.startsWith('COPY'))).toEqual([steps[lockCopy]]);
  });

  it('installs only production dependencies, from the lock file medusa build copied, then makes the migrations folders a read-only root cannot', async () => {
    const deps = stageNamed(await readDockerfile(dockerfile), 'deps');
    expect(deps.filter((i) => i.keyword === 'COPY').map((i) => i.args)).toEqual([
      '--from=build /server/.medusa/server/package.json /server/.medusa/server/package-lock.json ./',
      'images/medusa/migration-folders.sh /tmp/migration-folders.sh',
    ]);
    expect(deps.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toEqual([
      'npm ci --omit=dev --no-audit --no-fund && npm cache clean --force',
      'sh /tmp/migration-folders.sh',
    ]);
  });

  it('runs `medusa start` on the built app as a numeric non-root user, with no secret baked in', async () => {
    const instructions = await readDockerfile(dockerfile);
    const last = instructions.at(-1)?.stage;
    const runtime = instructions.filter((i) => i.stage === last);
    expect(runtime.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['1000:1000']);
    expect(runtime.filter((i) => i.keyword === 'CMD').map((i) => i.args)).toEqual([
      '["node","node_modules/@medusajs/cli/cli.js","start"]',
    ]);
    expect(runtime.filter((i) => i.keyword === 'COPY').map((i) => i.args)).toEqual([
      '--from=deps /server/node_modules/ node_modules/',
      '--from=build /server/.medusa/server/ ./',
    ]);
    const env = runtime.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    expect(env.join(' ')).toContain('NODE_ENV=production');
    expect(env.join(' ')).toContain('PORT=9000');
    for (const { keyword, args } of instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      expect(args, `${keyword} ${args}`).not.toMatch(/\b(JWT_SECRET|COOKIE_SECRET|DATABASE_URL|REDIS_URL)\b/);
    }
  });

  it('sends only the app, without node_modules, build output or .env files, into the build', async () => {
    const ignore = (await readFile(join(import.meta.dirname, '..', 'Dockerfile.dockerignore'), 'utf8')).split(
      '\n',
    );
    expect(ignore).toEqual(
      expect.arrayContaining([
        '*',
        '!images/medusa/app',
        'images/medusa/app/node_modules',
        'images/medusa/app/.medusa',
        'images/medusa/app/**/.env',
      ]),
    );
  });

  it('has RUN scripts that pass shellcheck', async () => {
    expect(await shellcheckRuns(await readDockerfile(dockerfile))).toEqual([]);
  });
});

describe('images/medusa/app', () => {
  it('pins exact Medusa versions, all one release, and its lock file installs exactly those', async () => {
    const manifest = await readJson<Manifest>(join(appDir, 'package.json'));
    const lock = await readJson<{ packages: Record<string, { version?: string }> }>(
      join(appDir, 'package-lock.json'),
    );
    const pinned = { ...manifest.dependencies, ...manifest.devDependencies };
    for (const [name, version] of Object.entries(pinned)) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
    const medusa = pinned['@medusajs/medusa'];
    expect(medusa).toMatch(/^2\./);
    for (const name of ['@medusajs/framework', '@medusajs/cli', '@medusajs/admin-sdk']) {
      expect(pinned[name], name).toBe(medusa);
    }
  });

  it('is not a workspace of the root package, so the root npm ci does not install Medusa', async () => {
    const root = await readJson<Manifest>(join(repositoryRoot, 'package.json'));
    for (const pattern of root.workspaces ?? []) {
      expect(['images/*', 'images/medusa/*', 'images/medusa/app']).not.toContain(pattern);
    }
    const rootLock = await readJson<{ packages: Record<string, unknown> }>(
      join(repositoryRoot, 'package-lock.json'),
    );
    expect(Object.keys(rootLock.packages).filter((path) => path.includes('@medusajs/'))).toEqual([]);
  });
});
