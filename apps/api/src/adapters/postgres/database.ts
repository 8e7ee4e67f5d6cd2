import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database with its migrations applied. */
export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /**
   * Calls `listener` for each NOTIFY on `channel`, from any connection or process. A lost
   * listening connection is re-established with backoff; `onGap` is called once it is back,
   * because notifications sent meanwhile were missed.
   */
  listen(
    channel: string,
    listener: (payload: string) => void,
    onGap?: () => void,
  ): Promise<() => Promise<void>>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Error codes meaning the database cannot be reached right now (network, shutdown, starting up). */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * Whether an error (or one it wraps, as Drizzle does) says the database is unreachable rather than
 * that a query was wrong: those are answered 503 and retried, never reported as a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08'))) return true;
    const message = e instanceof Error ? e.message : '';
    if (
      /Connection terminated|connection error|Client was closed|timeout exceeded when trying to connect/i.test(
        message,
      )
    )
      return true;
  }
  return false;
}

/**
 * The constraint a unique violation (SQLSTATE 23505) broke, found on the error or one it wraps
 * (Drizzle wraps the driver's); null for any other error.
 */
export function uniqueViolationOf(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, constraint } = e as { code?: unknown; constraint?: unknown };
    if (code === '23505') return typeof constraint === 'string' ? constraint : '';
  }
  return null;
}

const migrationsFolder = join(import.meta.dirname, 'migrations');
const migrationLock = 7_201_000;

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string; without it an embedded PGlite database is used. */
  url?: string | undefined;
  /** Where PGlite keeps its files; `memory://` keeps them in memory (tests). */
  dataDir?: string;
  poolSize?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.url
    ? openPostgres(options.url, options.poolSize ?? 10)
    : openPglite(options.dataDir ?? 'memory://');
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // A client that loses its server (restart, failover, network) must not crash the process. The
  // pool hears idle clients; a checked-out one (between two statements of a transaction) emits
  // 'error' with no one listening, an uncaught exception. Its next query fails instead, and that
  // error is answered 503 and retried like any other outage.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzlePg(pool, { schema });
  // Replicas starting together must not run the migrations at the same time: hold a session
  // advisory lock around them (the second replica then finds them applied).
  const lockClient = await pool.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [migrationLock]);
    await migratePg(db, { migrationsFolder });
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [migrationLock]).catch(() => undefined);
    lockClient.release();
  }
  const listeners: (() => Promise<void>)[] = [];
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    async listen(channel, listener, onGap) {
      const stop = await keepListening(url, channel, listener, onGap ?? (() => undefined));
      listeners.push(stop);
      return stop;
    },
    ping: () =>
      pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
    async close() {
      await Promise.all(listeners.map((stop) => stop()));
      await pool.end();
    },
  };
}

/**
 * A dedicated LISTEN connection that comes back after the server restarts or the network drops:
 * reconnects with a short backoff (0.25 s doubling to 1 s, so live updates resume within a second
 * of the server answering again; one connection attempt a second is nothing to a server) and
 * reports the gap once it listens again.
 */
async function keepListening(
  url: string,
  channel: string,
  listener: (payload: string) => void,
  onGap: () => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let delayMs = 250;
  let timer: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('error', () => undefined);
    next.on('notification', (message) => {
      if (message.channel === channel) listener(message.payload ?? '');
    });
    next.on('end', () => {
      if (client === next) client = null;
      if (!stopped) retry();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      next.removeAllListeners('end');
      await next.end().catch(() => undefined);
      throw error;
    }
    client = next;
  };
  const retry = () => {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = null;
      connect().then(
        () => {
          delayMs = 250;
          onGap();
        },
        () => {
          delayMs = Math.min(1_000, delayMs * 2);
          retry();
        },
      );
    }, delayMs);
  };
  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await client?.end().catch(() => undefined);
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    // PGlite runs in this process: its notifications cannot be lost to a dropped connection.
    async listen(channel, listener) {
      const unsubscribe = await client.listen(channel, listener);
      return unsubscribe;
    },
    ping: () =>
      client.query('SELECT 1').then(
        () => true,
        () => false,
      ),
    close: () => client.close(),
  };
}
