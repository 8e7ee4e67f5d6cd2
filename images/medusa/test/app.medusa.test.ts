import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
// Declares the `postgresUrl` that its global setup provides.
import { createDatabase } from '../../../apps/api/test/support/postgres-setup.ts';
import {
  medusa,
  startMedusa,
  storeEnvironment,
  waitUntil,
  type MedusaProcess,
  type StoreEnvironment,
} from './support.ts';

// The Medusa store application as the chart runs it, without containers: the built app, a fresh
// PostgreSQL database, the tier's Redis, the migration and admin Jobs' commands, then a server
// (MEDUSA_WORKER_MODE=server) and a worker (MEDUSA_WORKER_MODE=worker, admin disabled).

const adminEmail = 'admin@store.example';
const adminPassword = `pw-${randomBytes(9).toString('base64url')}`;
const startupMs = 90_000;

let store: StoreEnvironment;
let dropDatabase: () => Promise<void>;
const processes: MedusaProcess[] = [];

/** A fresh database on the tier's PostgreSQL server for this file, dropped in afterAll. */
async function medusaDatabase(): Promise<string> {
  const database = await createDatabase(inject('postgresUrl'), 'medusa');
  dropDatabase = () => database.drop();
  return database.url;
}

async function login(port: number, password: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/auth/user/emailpass`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: adminEmail, password }),
  });
}

async function healthy(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  return response.status === 200 && (await response.text()) === 'OK';
}

beforeAll(async () => {
  store = {
    databaseUrl: await medusaDatabase(),
    redisUrl: inject('medusaRedisUrl'),
    jwtSecret: randomBytes(32).toString('hex'),
    cookieSecret: randomBytes(32).toString('hex'),
  };
});

afterAll(async () => {
  const running = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  const ends = await Promise.all(processes.map((p) => p.stop()));
  await dropDatabase?.();
  // The server and the worker shut down gracefully on SIGTERM (what the kubelet sends) and exit 0.
  expect(running).toHaveLength(2);
  expect(await Promise.all(running.map((p) => p.exited))).toEqual([
    { code: 0, signal: null },
    { code: 0, signal: null },
  ]);
  expect(ends).toHaveLength(processes.length);
});

describe('the Medusa store application (images/medusa/app, built)', () => {
  it('migrates an empty database with `medusa db:migrate --execute-safe-links`, and again as a no-op', async () => {
    const env = storeEnvironment(store);
    const first = await medusa(['db:migrate', '--execute-safe-links'], env);
    expect(first.code, first.output.slice(-3000)).toBe(0);
    expect(first.output).toContain('Migrations completed');

    const client = new pg.Client({ connectionString: store.databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ count: string }>(
      "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('user', 'product', 'order')",
    );
    await client.end();
    expect(rows[0]?.count).toBe('3');

    const second = await medusa(['db:migrate', '--execute-safe-links'], env);
    expect(second.code, second.output.slice(-3000)).toBe(0);
  });

  it('creates the first admin with `medusa user -e -p`, which fails when that user exists', async () => {
    const env = storeEnvironment(store);
    const created = await medusa(['user', '-e', adminEmail, '-p', adminPassword], env);
    expect(created.code, created.output.slice(-3000)).toBe(0);
    expect(created.output).toContain('User created successfully');

    // Not idempotent: a Job that reruns it must check for the user first.
    const again = await medusa(['user', '-e', adminEmail, '-p', adminPassword], env);
    expect(again.code).toBe(1);
  });

  it('serves GET /health and an admin login on the server; a wrong password is refused', async () => {
    const server = await startMedusa(
      storeEnvironment(store, { MEDUSA_WORKER_MODE: 'server', DISABLE_MEDUSA_ADMIN: 'false' }),
    );
    processes.push(server);
    await waitUntil('server /health 200', () => healthy(server.port), startupMs, server);

    const good = await login(server.port, adminPassword);
    expect(good.status).toBe(200);
    const { token } = (await good.json()) as { token: string };
    expect(token.split('.')).toHaveLength(3);

    const me = await fetch(`http://127.0.0.1:${server.port}/admin/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(adminEmail);

    const bad = await login(server.port, `${adminPassword}-wrong`);
    expect(bad.status).toBe(401);

    // The admin dashboard (built into .medusa/server/public/admin) is served at /app.
    const dashboard = await fetch(`http://127.0.0.1:${server.port}/app/`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<div id="medusa"');
  });

  it('runs a worker that stays alive and serves no API, only the static GET /health on PORT', async () => {
    const worker = await startMedusa(
      storeEnvironment(store, { MEDUSA_WORKER_MODE: 'worker', DISABLE_MEDUSA_ADMIN: 'true' }),
    );
    processes.push(worker);
    // Medusa 2.21 listens on PORT in every mode and registers /health there (commands/start.js).
    await waitUntil('worker /health 200', () => healthy(worker.port), startupMs, worker);
    expect(worker.output()).toContain(`Server is ready on port: ${worker.port}`);

    expect((await login(worker.port, adminPassword)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${worker.port}/admin/users/me`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${worker.port}/app/`)).status).toBe(404);

    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(worker.child.exitCode).toBeNull();
    expect(await healthy(worker.port)).toBe(true);
  });

  it.each([
    ['JWT_SECRET', 'supersecret', 'JWT_SECRET is the public default supersecret'],
    ['COOKIE_SECRET', 'supersecret', 'COOKIE_SECRET is the public default supersecret'],
    ['JWT_SECRET', '', 'JWT_SECRET is not set'],
    ['MEDUSA_WORKER_MODE', 'both', 'MEDUSA_WORKER_MODE must be one of shared, server, worker'],
  ])('refuses to start with %s=%j', async (name, value, message) => {
    const server = await startMedusa(
      storeEnvironment(store, { MEDUSA_WORKER_MODE: 'server', [name]: value }),
    );
    processes.push(server);
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.output()).toContain(message);
  });
});
