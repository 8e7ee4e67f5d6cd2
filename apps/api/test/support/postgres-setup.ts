import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const exec = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server URL (superuser) the tests may create databases on. */
    postgresUrl: string;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function postgresBin(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [] as string[])).sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) {
    throw new Error(
      'PostgreSQL server binaries not found in /usr/lib/postgresql (apt-get install postgresql), or set TEST_DATABASE_URL',
    );
  }
  return join(root, versions[0], 'bin');
}

export interface PostgresServer {
  /** Superuser URL of the server's `postgres` database. */
  url: string;
  /**
   * Stops the server (`fast`: sessions are disconnected, as on a restart), runs `whileDown`, and
   * starts it again.
   */
  restart(whileDown?: () => Promise<unknown>): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/** Creates an empty database on the PostgreSQL server at `serverUrl`; `drop()` removes it. */
export async function createDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A throwaway PostgreSQL server from Debian's binaries on a free 127.0.0.1 port. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = await postgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'urumi-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  // initdb and postgres refuse to run as root; run them as the postgres system user then.
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) =>
    asRoot
      ? exec('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : exec(join(bin, command), args);
  if (asRoot) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300`,
    ]);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(whileDown) {
      await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      try {
        await whileDown?.();
      } finally {
        await start();
      }
    },
    async stop() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Gives the database and cluster tiers a real PostgreSQL server: `TEST_DATABASE_URL` when set,
 * otherwise a throwaway server from Debian's binaries (startPostgres), removed afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('postgresUrl', process.env.TEST_DATABASE_URL);
    return () => Promise.resolve();
  }
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
