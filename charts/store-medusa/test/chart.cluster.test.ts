import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject, V1ConfigMap, V1Container, V1Deployment } from '@kubernetes/client-node';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { describeStoreChartConformance } from '../../test-support/conformance.ts';
import {
  containersOf,
  expectRefusedByTemplateAndLint,
  keyOf,
  networkPaths,
  newStoreId,
  podTemplateOf,
  policySpecsByName,
  renderStore,
  storeValues,
  type RefusedValue,
  useHelm,
} from '../../test-support/support.ts';
import { chartDir, localValues, medusaChart } from './support.ts';

const exec = promisify(execFile);

// Lint, the rendered names, labels and hardening, install, upgrade, uninstall and a failing Job:
// charts/test-support/conformance.ts, as for every store chart. Here: what only this chart does.
describeStoreChartConformance(medusaChart);

const helm = useHelm();
const helmFailure = helm.failure;
const render = (args: string[]) => renderStore(helm, chartDir, args);

const find = <T extends KubernetesObject>(objects: KubernetesObject[], key: string) =>
  objects.find((object) => keyOf(object) === key) as T;

function container(objects: KubernetesObject[], key: string, name: string): V1Container {
  const template = podTemplateOf(find(objects, key));
  const found = containersOf(template ?? {}).find((c) => c.name === name);
  if (!found) throw new Error(`${key} has no container ${name}`);
  return found;
}

describe('charts/store-medusa', () => {
  it('refuses an unknown value, a wrong type, a missing store id or host, and an unpinned official image', async () => {
    const id = newStoreId();
    const cases: RefusedValue[] = [
      { args: ['--set', 'replicas=2'], error: "at '': additional properties 'replicas' not allowed" },
      {
        args: ['--set', 'medusa.resources.limit.cpu=1'],
        error: "at '/medusa/resources': additional properties 'limit' not allowed",
      },
      {
        args: ['--set', 'migrations.backofLimit=1'],
        error: "at '/migrations': additional properties 'backofLimit' not allowed",
      },
      {
        args: ['--set-string', 'postgres.config.maxConnections=many'],
        error: "at '/postgres/config/maxConnections': got string, want integer",
      },
      {
        args: ['--set-string', 'images.postgres.digest='],
        error: "at '/images/postgres/digest': '' does not match pattern",
      },
      {
        args: ['--set-string', 'images.medusa.digest=latest'],
        error: "at '/images/medusa/digest': 'latest' does not match pattern",
      },
      {
        args: ['--set-string', 'medusa.cors.store[0]=javascript:alert(1)'],
        error: "at '/medusa/cors/store/0'",
      },
      {
        args: ['--set-string', 'store.id=0123456789AB'],
        error: "at '/store/id': '0123456789AB' does not match",
      },
    ];
    await expectRefusedByTemplateAndLint(
      helm,
      chartDir,
      'store-x',
      ['--values', localValues, ...storeValues(id)],
      cases,
    );
    expect(
      await helmFailure(['template', 'store-x', chartDir, '--set-string', 'store.host=a.localhost']),
    ).toContain("at '/store': missing property 'id'");
    expect(await helmFailure(['template', 'store-x', chartDir, '--set-string', `store.id=${id}`])).toContain(
      "at '/store': missing property 'host'",
    );
  });

  it('renders the server and worker environment, ports and probes, Deployments and the admin Job that wait for the migrations of their own image, and the Ingress to medusa-server', async () => {
    const id = newStoreId();
    const objects = await render(['--values', localValues, ...storeValues(id)]);

    const server = container(objects, 'Deployment/medusa-server', 'medusa');
    const env = Object.fromEntries((server.env ?? []).map((variable) => [variable.name, variable.value]));
    expect(env).toMatchObject({
      DATABASE_URL: 'postgres://medusa:$(DB_PASSWORD)@postgres:5432/medusa?sslmode=disable',
      REDIS_URL: 'redis://:$(REDIS_PASSWORD)@redis:6379',
      MEDUSA_WORKER_MODE: 'server',
      DISABLE_MEDUSA_ADMIN: 'false',
    });
    // Dependent expansion only sees variables defined earlier in the list.
    const names = (server.env ?? []).map((variable) => variable.name);
    expect(names.indexOf('DB_PASSWORD')).toBeLessThan(names.indexOf('DATABASE_URL'));
    expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('REDIS_URL'));
    expect(server.ports).toEqual([{ name: 'http', containerPort: 9000, protocol: 'TCP' }]);
    for (const probe of [server.startupProbe, server.readinessProbe, server.livenessProbe]) {
      expect(probe?.httpGet).toEqual({ path: '/health', port: 'http' });
    }
    expect(find(objects, 'ConfigMap/medusa-env')).toMatchObject({
      data: { NODE_ENV: 'production', PORT: '9000', MEDUSA_BACKEND_URL: `http://${id}.localhost` },
    });

    const worker = container(objects, 'Deployment/medusa-worker', 'medusa');
    expect(worker.env).toEqual(
      expect.arrayContaining([
        { name: 'MEDUSA_WORKER_MODE', value: 'worker' },
        { name: 'DISABLE_MEDUSA_ADMIN', value: 'true' },
      ]),
    );
    // The worker serves only /health (the medusa-app tier checks its API routes are 404), for the
    // kubelet: no Service points at it.
    expect(worker.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'health' });
    expect(objects.some((o) => o.kind === 'Service' && o.metadata?.name?.includes('worker'))).toBe(false);

    // Both Deployments start only after the migrations were recorded for their own image.
    for (const key of ['Deployment/medusa-server', 'Deployment/medusa-worker', 'Job/medusa-admin']) {
      const wait = container(objects, key, 'wait-for-migrations');
      expect(wait.command).toEqual(['sh', '/opt/urumi/medusa-db.sh', 'wait-for-migrations']);
      expect(wait.env).toEqual(expect.arrayContaining([{ name: 'MEDUSA_IMAGE', value: server.image }]));
    }
    expect(container(objects, 'Job/medusa-migrations', 'migrate').command).toEqual([
      './node_modules/.bin/medusa',
      'db:migrate',
      '--execute-safe-links',
    ]);
    expect(find(objects, 'Ingress/medusa')).toMatchObject({
      spec: {
        rules: [
          { host: `${id}.localhost`, http: { paths: [{ backend: { service: { name: 'medusa-server' } } }] } },
        ],
      },
    });
  });

  it('pins the Medusa image by digest once the operator sets one', async () => {
    const digest = `sha256:${createHash('sha256').update('an image pushed by the operator').digest('hex')}`;
    const objects = await render([
      ...storeValues(newStoreId()),
      '--set-string',
      `images.medusa.digest=${digest}`,
    ]);
    const server = find<V1Deployment>(objects, 'Deployment/medusa-server');
    expect(server.spec?.template.spec?.containers[0]?.image).toBe(
      `ghcr.io/urumi/medusa-store:0.1.0@${digest}`,
    );
  });

  it('opens only the documented network paths, internet egress only for server and worker while allowed', async () => {
    const id = newStoreId();
    const policies = async (args: string[]) => policySpecsByName(await render([...storeValues(id), ...args]));
    const { selector, component, dns, toInternet } = networkPaths;
    const toPostgres = { to: [component('database')], ports: [{ port: 5432, protocol: 'TCP' }] };
    const toRedis = { to: [component('cache')], ports: [{ port: 6379, protocol: 'TCP' }] };
    const clients = ['server', 'worker', 'migrations', 'admin'].map(component);

    const open = await policies([]);
    expect(Object.keys(open).sort()).toEqual([
      'medusa-admin',
      'medusa-migrations',
      'medusa-server',
      'medusa-worker',
      'postgres',
      'redis',
    ]);
    expect(open.postgres).toMatchObject({
      podSelector: selector('database'),
      policyTypes: ['Ingress', 'Egress'],
      // client-node names the `from` field `_from`.
      ingress: [{ _from: clients, ports: [{ port: 5432 }] }],
      egress: [dns],
    });
    expect(open.redis).toMatchObject({
      podSelector: selector('cache'),
      ingress: [{ _from: clients, ports: [{ port: 6379 }] }],
      egress: [dns],
    });
    expect(open['medusa-server']?.ingress).toEqual([{ ports: [{ port: 9000, protocol: 'TCP' }] }]);
    expect(open['medusa-server']?.egress).toEqual([dns, toPostgres, toRedis, toInternet]);
    expect(open['medusa-worker']?.ingress ?? []).toEqual([]);
    expect(open['medusa-worker']?.egress).toEqual([dns, toPostgres, toRedis, toInternet]);
    for (const job of ['medusa-migrations', 'medusa-admin']) {
      expect(open[job]).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
      expect(open[job]?.ingress ?? [], job).toEqual([]);
      expect(open[job]?.egress, job).toEqual([dns, toPostgres, toRedis]);
    }

    const closed = await policies(['--set', 'networkPolicy.allowInternetEgress=false']);
    expect(closed['medusa-server']?.egress).toEqual([dns, toPostgres, toRedis]);
    expect(closed['medusa-worker']?.egress).toEqual([dns, toPostgres, toRedis]);

    expect(await policies(['--set', 'networkPolicy.enabled=false'])).toEqual({});
  });
});

// The start-up order itself, run for real: the rendered script and the rendered containers'
// commands and environment, with the real psql against a real PostgreSQL server (the test
// cluster's pods are simulated, so their init containers never execute).
describe('charts/store-medusa start-up order against a real PostgreSQL', () => {
  async function scriptsAndObjects() {
    const objects = await render(['--values', localValues, ...storeValues(newStoreId())]);
    const scripts = find<V1ConfigMap>(objects, 'ConfigMap/medusa-scripts').data ?? {};
    const dir = await mkdtemp(join(tmpdir(), 'urumi-medusa-scripts-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(scripts)) await writeFile(join(dir, name), text);
    return { objects, dir };
  }

  /** A fresh database on the test server, as PG* variables; dropped after the test. */
  async function database(): Promise<Record<string, string>> {
    const url = new URL(inject('postgresUrl'));
    const admin = {
      PGHOST: url.hostname,
      PGPORT: url.port || '5432',
      PGUSER: decodeURIComponent(url.username),
      PGPASSWORD: decodeURIComponent(url.password),
      PGDATABASE: url.pathname.slice(1) || 'postgres',
    };
    const name = `medusa_${randomBytes(4).toString('hex')}`;
    const psql = (sql: string) =>
      exec('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: { ...process.env, ...admin } });
    await psql(`create database ${name}`);
    onTestFinished(async () => {
      await psql(`drop database if exists ${name} with (force)`);
    });
    return { ...admin, PGDATABASE: name };
  }

  /** Runs a rendered container's command (its script path mapped to `dir`) with its plain env. */
  async function runContainer(
    item: V1Container,
    dir: string,
    env: Record<string, string>,
  ): Promise<{ code: number; output: string }> {
    const plain = Object.fromEntries(
      (item.env ?? []).filter((variable) => variable.value !== undefined).map((v) => [v.name, v.value ?? '']),
    );
    const [shell, script, ...args] = item.command ?? [];
    if (shell !== 'sh' || !script?.startsWith('/opt/urumi/'))
      throw new Error(`unexpected command ${JSON.stringify(item.command)}`);
    try {
      const { stdout, stderr } = await exec(shell, [join(dir, script.slice('/opt/urumi/'.length)), ...args], {
        env: { PATH: process.env.PATH ?? '', ...plain, ...env },
      });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
      return { code: code ?? -1, output: `${stdout ?? ''}${stderr ?? ''}` };
    }
  }

  it("keeps medusa-server's init container waiting until Job medusa-migrations recorded its success for the same image", async () => {
    const { objects, dir } = await scriptsAndObjects();
    const db = await database();
    const wait = container(objects, 'Deployment/medusa-server', 'wait-for-migrations');
    const fast = { WAIT_SECONDS: '2', POLL_SECONDS: '1' };

    // Before the migrations Job finished: the init container gives up, so the server never starts.
    const before = await runContainer(wait, dir, { ...db, ...fast });
    expect(before.code).toBe(1);
    expect(before.output).toContain(
      'gave up after 2s waiting for the migrations of ghcr.io/urumi/medusa-store:0.1.0',
    );

    // The Job's containers in order: the database is up, (medusa db:migrate), then the record.
    const waitForDatabase = container(objects, 'Job/medusa-migrations', 'wait-for-database');
    expect((await runContainer(waitForDatabase, dir, { ...db, ...fast })).code).toBe(0);
    const mark = container(objects, 'Job/medusa-migrations', 'mark-migrated');
    expect(await runContainer(mark, dir, db)).toMatchObject({ code: 0 });

    expect(await runContainer(wait, dir, { ...db, ...fast })).toMatchObject({ code: 0 });
    // Another image (an upgrade) waits for its own migrations.
    const other = await runContainer(wait, dir, {
      ...db,
      ...fast,
      MEDUSA_IMAGE: 'ghcr.io/urumi/medusa-store:0.2.0',
    });
    expect(other.code).toBe(1);
    // Recording twice (a re-run Job) is fine.
    expect(await runContainer(mark, dir, db)).toMatchObject({ code: 0 });
  });

  it('lets Job medusa-admin skip `medusa user` when the admin user exists already', async () => {
    const { objects, dir } = await scriptsAndObjects();
    const db = await database();
    const check = container(objects, 'Job/medusa-admin', 'check-admin');
    const create = container(objects, 'Job/medusa-admin', 'create-admin');
    const state = await mkdtemp(join(tmpdir(), 'urumi-medusa-state-'));
    onTestFinished(() => rm(state, { recursive: true, force: true }));
    const passwordFile = join(state, 'admin-password');
    await writeFile(passwordFile, 'not-used');
    const env = {
      ...db,
      ADMIN_EMAIL: 'owner@example.com',
      ADMIN_EXISTS_FILE: join(state, 'admin-exists'),
      ADMIN_PASSWORD_FILE: passwordFile,
    };
    // Medusa's user table, as its user module's migrations create it (the columns the check reads).
    await exec(
      'psql',
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        'create table "user" (id text primary key, email text not null, deleted_at timestamptz)',
      ],
      {
        env: { ...process.env, ...db },
      },
    );

    expect((await runContainer(check, dir, env)).output).toContain('does not exist yet');
    // Without the marker the create container would run `medusa user` (absent here: a failure).
    const missingCli = await runContainer(create, dir, { ...env, MEDUSA_CLI: join(state, 'no-medusa-here') });
    expect(missingCli.code).not.toBe(0);

    await exec(
      'psql',
      ['-X', '-q', '-c', `insert into "user" (id, email) values ('user_1', 'owner@example.com')`],
      {
        env: { ...process.env, ...db },
      },
    );
    expect((await runContainer(check, dir, env)).output).toContain('admin user owner@example.com exists');
    const rerun = await runContainer(create, dir, { ...env, MEDUSA_CLI: join(state, 'no-medusa-here') });
    expect(rerun).toMatchObject({ code: 0 });
    expect(rerun.output).toContain('already exists; nothing to do');
  });
});
