// Global setup of the medusa-app tier: the Medusa application's npm dependencies (npm ci, skipped
// while node_modules matches the lock file), its production build (`medusa build`, skipped while its
// inputs are unchanged), and a throwaway Redis from Debian on a free 127.0.0.1 port.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { build, installDependencies } from '../build.ts';
import { freePort, waitForRedis } from './support.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis://127.0.0.1:<port> of the tier's throwaway Redis. */
    medusaRedisUrl: string;
  }
}

async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const binary = '/usr/bin/redis-server';
  if (!existsSync(binary)) {
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
