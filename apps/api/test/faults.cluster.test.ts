import { execFile } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { provisionSteps, type Store } from '@urumi/contracts';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { clusterDown, clusterPaths, clusterStatus, clusterUp } from '../../../tools/cluster/src/cluster.ts';
import { helm, kube } from '../../../tools/cluster/test/kube.ts';
import { startApiserverProxy } from './support/apiserver-proxy.ts';
import { freshPostgresUrl } from './support/databases.ts';
import { startPostgres } from './support/postgres-setup.ts';
import {
  eventsOf,
  namespaceGone,
  sharedSetup,
  startUrumi,
  valuesFile,
  waitForStore,
  type Shared,
  type UrumiProcess,
} from './support/urumi-process.ts';

// Fault injection: each test breaks one thing Urumi depends on, in the middle of real work on the
// test cluster, and checks the promise in its name: nothing lost, nothing done twice, nothing
// stuck past its deadline.

const exec = promisify(execFile);

interface Release {
  name: string;
  namespace: string;
  revision: string;
  status: string;
}

async function releases(): Promise<Release[]> {
  // Helm 4 lists releases in every status by default.
  const { stdout } = await helm(['list', '--all-namespaces', '--output', 'json']);
  return JSON.parse(stdout) as Release[];
}

/** A helm that takes `seconds` longer to start an upgrade: the real helm, slowed, so a crash can land mid-step. */
async function slowHelm(shared: Shared, seconds: number): Promise<string> {
  const file = join(shared.dataDir, 'slow-helm');
  const real = join(inject('binDir'), 'helm');
  await writeFile(file, `#!/bin/sh\nif [ "$1" = upgrade ]; then sleep ${seconds}; fi\nexec "${real}" "$@"\n`);
  await chmod(file, 0o755);
  return file;
}

/**
 * The real helm, but an install waits for its workloads (`--wait`), so a crash can land while helm
 * holds the release in pending-install.
 */
async function waitingHelm(shared: Shared): Promise<string> {
  const file = join(shared.dataDir, 'waiting-helm');
  const real = join(inject('binDir'), 'helm');
  await writeFile(
    file,
    `#!/bin/sh\nif [ "$1" = upgrade ]; then exec "${real}" "$@" --wait=watcher --timeout 10m; fi\nexec "${real}" "$@"\n`,
  );
  await chmod(file, 0o755);
  return file;
}

async function secretUids(namespace: string): Promise<string[]> {
  const { core } = kube();
  const list = await core.listNamespacedSecret({
    namespace,
    labelSelector: 'app.kubernetes.io/managed-by=urumi',
  });
  return list.items.map((s) => s.metadata?.uid ?? '').sort();
}

describe('kill -9 at any point loses nothing', () => {
  it('in the release step (helm running): after restart the store is Ready, the release deployed, nothing created twice', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const first = await startUrumi(shared, { HELM_BINARY: await slowHelm(shared, 4) });
    const { body: store } = await first.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(first, store.id, (s) => s.step === 'release');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const secretsBefore = await secretUids(store.namespace);
    expect(secretsBefore).toHaveLength(2);
    await first.crash();

    const second = await startUrumi(shared);
    const ready = await waitForStore(
      second,
      store.id,
      (s) => s.status === 'Ready' || s.status === 'Failed',
      60_000,
    );
    expect(ready.status).toBe('Ready');
    // The passwords were generated once: the Secrets are the very objects made before the crash.
    expect(await secretUids(store.namespace)).toEqual(secretsBefore);
    await expect
      .poll(
        async () => (await releases()).filter((r) => r.name === `store-${store.id}`).map((r) => r.status),
        { timeout: 15_000 },
      )
      .toEqual(['deployed']);
    const { core } = kube();
    const namespaces = await core.listNamespace({ labelSelector: `urumi.io/store-id=${store.id}` });
    expect(namespaces.items).toHaveLength(1);
  });

  it('while waiting for readiness: another process takes over when the lease expires, without re-running helm', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const slow = await valuesFile(shared, {
      wordpress: { podAnnotations: { 'sim.urumi.io/ready-after': '6s' } },
    });
    const first = await startUrumi(shared, { STORE_EXTRA_VALUES_FILE: slow });
    const { body: store } = await first.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(first, store.id, (s) => s.step === 'app');
    await first.crash();

    const second = await startUrumi(shared, { STORE_EXTRA_VALUES_FILE: slow });
    expect((await waitForStore(second, store.id, (s) => s.status !== 'Provisioning', 60_000)).status).toBe(
      'Ready',
    );
    const release = (await releases()).find((r) => r.name === `store-${store.id}`);
    expect(release).toMatchObject({ status: 'deployed', revision: '1' });
    const completed = (await eventsOf(second, store.id)).filter((e) => e.step !== null).map((e) => e.step);
    expect(completed).toEqual(provisionSteps);
  });

  it('right after the store leaves the queue (namespace and secrets steps): the restarted process converges', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const first = await startUrumi(shared);
    const created = await Promise.all(
      Array.from({ length: 3 }, () => first.api<Store>('POST', '/api/stores', { type: 'woocommerce' })),
    );
    // No waiting: the kill lands while the engine is creating namespaces, quotas and secrets.
    await first.crash();
    const second = await startUrumi(shared);
    for (const { body: store } of created) {
      expect((await waitForStore(second, store.id, (s) => s.status !== 'Provisioning', 60_000)).status).toBe(
        'Ready',
      );
      expect(await secretUids(store.namespace)).toHaveLength(2);
    }
    const ours = (await releases()).filter((r) => created.some((c) => r.name === `store-${c.body.id}`));
    expect(ours.map((r) => r.status)).toEqual(['deployed', 'deployed', 'deployed']);
  });
});

describe('a Helm release left pending-install', () => {
  it('is repaired by the next engine: uninstalled, installed again, and the store reaches Ready', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const stuck = await valuesFile(shared, {
      wordpress: { podAnnotations: { 'sim.urumi.io/never-ready': 'true' } },
    });
    const first = await startUrumi(shared, {
      HELM_BINARY: await waitingHelm(shared),
      STORE_EXTRA_VALUES_FILE: stuck,
    });
    const { body: store } = await first.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    const release = `store-${store.id}`;
    await expect
      .poll(async () => (await releases()).find((r) => r.name === release)?.status, { timeout: 30_000 })
      .toBe('pending-install');
    // The process dies, and its helm with it (as a node restart would take both).
    await first.crash();
    await exec('pkill', ['-KILL', '-f', `upgrade --install ${release} `]).catch(() => undefined);
    expect((await releases()).find((r) => r.name === release)?.status).toBe('pending-install');

    const second = await startUrumi(shared);
    const ready = await waitForStore(second, store.id, (s) => s.status !== 'Provisioning', 90_000);
    expect(ready.status).toBe('Ready');
    expect((await releases()).find((r) => r.name === release)).toMatchObject({ status: 'deployed' });
  });
});

describe('a finalizer that blocks namespace deletion', () => {
  it('names what blocks a teardown (a finalizer), stays healthy, and finishes once it is removed', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()));
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(urumi, store.id, (s) => s.status === 'Ready');
    const { core } = kube();
    await core.createNamespacedConfigMap({
      namespace: store.namespace,
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] }, data: {} },
    });
    expect((await urumi.api('DELETE', `/api/stores/${store.id}`)).status).toBe(202);
    const blocked = await waitForStore(urumi, store.id, (s) => s.reason?.code === 'TEARDOWN_BLOCKED', 60_000);
    expect(blocked.status).toBe('Deleting');
    expect(blocked.reason?.message).toContain('example.com/hold');
    expect((await urumi.api<{ status: string }>('GET', '/api/health')).body.status).toBe('healthy');

    await core.patchNamespacedConfigMap({
      name: 'held',
      namespace: store.namespace,
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    await waitForStore(urumi, store.id, (s) => s.status === 'Deleted', 60_000);
    expect(await namespaceGone(store.namespace)).toBe(true);
  });
});

describe('several engines on one PostgreSQL database', () => {
  it('provisions 20 stores created through two processes exactly once each', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const env = { MAX_CONCURRENT_PROVISIONS: '20' };
    const [a, b] = await Promise.all([startUrumi(shared, env), startUrumi(shared, env)]);
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).api<Store>('POST', '/api/stores', { type: 'woocommerce' }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(Array(20).fill(202));
    const actors = new Map<string, number>();
    for (const { body: store } of created) {
      expect((await waitForStore(a, store.id, (s) => s.status !== 'Provisioning', 90_000)).status).toBe(
        'Ready',
      );
      const events = await eventsOf(a, store.id);
      const steps = events.filter((e) => e.step !== null).map((e) => e.step);
      expect(steps).toEqual(provisionSteps);
      for (const e of events.filter((x) => x.step === 'release'))
        actors.set(e.actor, (actors.get(e.actor) ?? 0) + 1);
    }
    const ours = (await releases()).filter((r) => created.some((c) => r.name === `store-${c.body.id}`));
    expect(ours).toHaveLength(20);
    expect(new Set(ours.map((r) => `${r.status}/${r.revision}`))).toEqual(new Set(['deployed/1']));
    console.log(`releases installed per engine: ${JSON.stringify(Object.fromEntries(actors))}`);
  });
});

describe('admission on the cluster', () => {
  it('accepts exactly 10 of 50 parallel creates with MAX_STORES=10 and never runs more than 3 provisions at once', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const slow = await valuesFile(shared, {
      wordpress: { podAnnotations: { 'sim.urumi.io/ready-after': '2s' } },
    });
    const urumi = await startUrumi(shared, {
      MAX_STORES: '10',
      MAX_CONCURRENT_PROVISIONS: '3',
      STORE_EXTRA_VALUES_FILE: slow,
    });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' })),
    );
    expect(responses.filter((r) => r.status === 202)).toHaveLength(10);
    const refused = responses.filter((r) => r.status !== 202);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(r.text).toContain('STORE_LIMIT_REACHED');

    let peak = 0;
    let sawQueue = false;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { body } = await urumi.api<{ items: Store[] }>('GET', '/api/stores?limit=50');
      const inFlight = body.items.filter((s) => s.status === 'Provisioning' && s.step !== 'queued').length;
      peak = Math.max(peak, inFlight);
      sawQueue ||= body.items.some((s) => s.step === 'queued' && (s.queuePosition ?? 0) >= 1);
      if (body.items.every((s) => s.status === 'Ready')) break;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(sawQueue).toBe(true);
  });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The Helm releases on another cluster than the shared one. */
async function releasesOn(kubeconfig: string): Promise<Release[]> {
  const { stdout } = await exec(
    join(inject('binDir'), 'helm'),
    ['list', '--all-namespaces', '--output', 'json', '--kubeconfig', kubeconfig],
    {
      env: {
        ...process.env,
        HELM_CACHE_HOME: '/tmp/urumi-helm-cache',
        HELM_CONFIG_HOME: '/tmp/urumi-helm-config',
      },
    },
  );
  return JSON.parse(stdout) as Release[];
}

/** The steps recorded as completed for a store, in order. */
async function completedSteps(urumi: UrumiProcess, id: string): Promise<(string | null)[]> {
  return (await eventsOf(urumi, id)).filter((e) => e.step !== null).map((e) => e.step);
}

describe('kube-apiserver stopped for 60 s during provisioning', () => {
  it('fails no store and stays ready to serve (/readyz 200) while health reports Kubernetes down, then every store reaches Ready with one release each', async () => {
    // A private cluster: freezing the shared apiserver would stall every other test file.
    const paths = clusterPaths({ URUMI_CLUSTER_DIR: await mkdtemp(join(tmpdir(), 'urumi-cluster-test-')) });
    const log = () => undefined;
    onTestFinished(() => clusterDown(log, paths));
    const { kubeconfig, tools } = await clusterUp({ paths, log, nodes: 1 });
    const shared = await sharedSetup(await freshPostgresUrl());
    const slow = await valuesFile(shared, {
      mariadb: { podAnnotations: { 'sim.urumi.io/ready-after': '2s' } },
      wordpress: { podAnnotations: { 'sim.urumi.io/ready-after': '3s' } },
    });
    const urumi = await startUrumi(shared, { KUBECONFIG: kubeconfig, STORE_EXTRA_VALUES_FILE: slow });
    const created = await Promise.all(
      Array.from({ length: 3 }, () => urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' })),
    );
    const ids = created.map((c) => c.body.id);
    await waitForStore(urumi, ids[0]!, (s) => s.step === 'database' || s.step === 'app');

    const apiserver = (await clusterStatus(tools, paths)).components.find((c) => c.name === 'kube-apiserver');
    expect(apiserver?.pid).toBeTruthy();
    // SIGSTOP: the process keeps its sockets but answers nothing, like a hung or partitioned apiserver.
    process.kill(apiserver!.pid!, 'SIGSTOP');
    let healthDuringOutage: { status: number; kubernetes: boolean } | null = null;
    const readyzDuringOutage = new Set<number>();
    try {
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        const health = await urumi.api<{ checks: { kubernetes: boolean } }>('GET', '/api/health');
        healthDuringOutage = { status: health.status, kubernetes: health.body.checks.kubernetes };
        // The platform's readinessProbe: the replica still serves the dashboard and the API.
        readyzDuringOutage.add((await fetch(`${urumi.url}/readyz`)).status);
        const { body } = await urumi.api<{ items: Store[] }>('GET', '/api/stores?limit=50');
        expect(body.items.filter((s) => s.status !== 'Provisioning')).toEqual([]);
        await sleep(2_000);
      }
    } finally {
      process.kill(apiserver!.pid!, 'SIGCONT');
    }
    expect(healthDuringOutage).toEqual({ status: 503, kubernetes: false });
    expect([...readyzDuringOutage]).toEqual([200]);

    for (const id of ids) {
      const store = await waitForStore(urumi, id, (s) => s.status !== 'Provisioning', 120_000);
      expect(store.status, JSON.stringify(store.reason)).toBe('Ready');
      expect(await completedSteps(urumi, id)).toEqual(provisionSteps);
    }
    // One release per store. A helm run cut off by the outage is run again (an upgrade of the same
    // release, so its revision may be 2); never a second release or a second namespace.
    const ours = (await releasesOn(kubeconfig)).filter((r) => ids.some((id) => r.name === `store-${id}`));
    expect(ours.map((r) => r.status)).toEqual(['deployed', 'deployed', 'deployed']);
    console.log(`release revisions after the outage: ${ours.map((r) => r.revision).join(', ')}`);
    expect((await urumi.api('GET', '/api/health')).status).toBe(200);
  }, 300_000);
});

describe('PostgreSQL restarted during a step', () => {
  it('answers 503 while it is down, then the engine carries on: Ready, each step recorded once, live updates resume', async () => {
    // A server of its own: the shared test server is in use by every other test file.
    const server = await startPostgres();
    onTestFinished(() => server.stop());
    const shared = await sharedSetup(server.url);
    const slow = await valuesFile(shared, {
      wordpress: { podAnnotations: { 'sim.urumi.io/ready-after': '4s' } },
    });
    const urumi = await startUrumi(shared, { STORE_EXTRA_VALUES_FILE: slow });
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(urumi, store.id, (s) => s.step === 'app');

    await server.restart(async () => {
      const read = await urumi.api<{ error: { code: string } }>('GET', `/api/stores/${store.id}`);
      expect(read.status).toBe(503);
      expect(read.body.error.code).toBe('UNAVAILABLE');
      const health = await urumi.api<{ checks: { database: boolean } }>('GET', '/api/health');
      expect([health.status, health.body.checks.database]).toEqual([503, false]);
      // Long enough for the engine to hit the outage on its polls and lease renewals.
      await sleep(3_000);
    });

    const ready = await waitForStore(urumi, store.id, (s) => s.status !== 'Provisioning', 60_000);
    expect(ready.status).toBe('Ready');
    expect(await completedSteps(urumi, store.id)).toEqual(provisionSteps);

    // Live updates come through LISTEN/NOTIFY on the restarted server. The client behaves like the
    // dashboard: a stream that ends (the server ends its streams when it listens again after the
    // gap) is reopened at once. Live updates have resumed when a store created while a stream is
    // open shows up on that stream.
    const deadline = Date.now() + 30_000;
    let seenLive: string | null = null;
    let streamsEnded = 0;
    while (!seenLive && Date.now() < deadline) {
      const abort = new AbortController();
      const stream = await fetch(`${urumi.url}/api/events`, {
        headers: { authorization: `Bearer ${urumi.token}` },
        signal: abort.signal,
      });
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      const { body: next } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
      let text = '';
      const streamDeadline = Math.min(deadline, Date.now() + 10_000);
      while (Date.now() < streamDeadline) {
        const chunk = await Promise.race([reader.read(), sleep(1_000).then(() => null)]);
        if (chunk?.done) {
          streamsEnded += 1;
          break;
        }
        if (chunk?.value) text += new TextDecoder().decode(chunk.value);
        if (text.includes(`"id":"${next.id}"`)) {
          seenLive = next.id;
          break;
        }
      }
      abort.abort();
    }
    expect(
      seenLive,
      `no store change arrived live within 30 s (${streamsEnded} streams ended)`,
    ).not.toBeNull();
  });
});

describe('kill -9 at random points', () => {
  // FAULT_SEED reproduces a run; the seed in use is printed.
  const seed = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
  it(`20 stores, 5 crashes at random moments (seed ${seed}): every store Ready, each step once, one release and one set of Secrets each`, async () => {
    let state = seed;
    const random = () => {
      // mulberry32: a small seeded generator, so a failing schedule can be replayed.
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const shared = await sharedSetup(await freshPostgresUrl());
    const env = {
      MAX_CONCURRENT_PROVISIONS: '20',
      STORE_EXTRA_VALUES_FILE: await valuesFile(shared, {
        mariadb: { podAnnotations: { 'sim.urumi.io/ready-after': '1s', 'sim.urumi.io/ready-before': '3s' } },
        wordpress: {
          podAnnotations: { 'sim.urumi.io/ready-after': '1s', 'sim.urumi.io/ready-before': '3s' },
        },
      }),
    };
    let urumi = await startUrumi(shared, env);
    const created = await Promise.all(
      Array.from({ length: 20 }, () => urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' })),
    );
    expect(created.map((c) => c.status)).toEqual(Array(20).fill(202));
    const ids = created.map((c) => c.body.id);
    const kills: string[] = [];
    for (let crash = 0; crash < 5; crash++) {
      const after = Math.round(200 + random() * 4_000);
      await sleep(after);
      const { body } = await urumi.api<{ items: Store[] }>('GET', '/api/stores?limit=50');
      kills.push(
        `${after} ms: ${body.items.filter((s) => s.status === 'Ready').length} ready, steps ${[...new Set(body.items.map((s) => s.step))].join(',')}`,
      );
      await urumi.crash();
      urumi = await startUrumi(shared, env);
    }
    console.log(`kill -9 schedule (seed ${seed}):\n  ${kills.join('\n  ')}`);

    const { core } = kube();
    const all = await releases();
    for (const id of ids) {
      const store = await waitForStore(urumi, id, (s) => s.status !== 'Provisioning', 120_000);
      expect(store.status, `store ${id}`).toBe('Ready');
      expect(await completedSteps(urumi, id)).toEqual(provisionSteps);
      expect(all.filter((r) => r.name === `store-${id}`).length).toBeLessThanOrEqual(1);
    }
    const ours = (await releases()).filter((r) => ids.some((id) => r.name === `store-${id}`));
    expect(ours).toHaveLength(20);
    expect(new Set(ours.map((r) => r.status))).toEqual(new Set(['deployed']));
    for (const id of ids) {
      expect(await secretUids(`store-${id}`)).toHaveLength(2);
      const namespaces = await core.listNamespace({ labelSelector: `urumi.io/store-id=${id}` });
      expect(namespaces.items).toHaveLength(1);
    }
    // Nothing is left waiting on a deadline: no store is in flight any more.
    const { body } = await urumi.api<{ items: Store[] }>('GET', '/api/stores?limit=50');
    expect(body.items.filter((s) => s.status !== 'Ready')).toEqual([]);
  }, 300_000);
});

describe('a watch broken with 410 Gone', () => {
  it('relists every watched kind and still sees the store become Ready: nothing waits on a change it missed', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const proxy = await startApiserverProxy(inject('kubeconfig'), shared.dataDir);
    onTestFinished(() => proxy.close());
    const slow = await valuesFile(shared, {
      wordpress: { podAnnotations: { 'sim.urumi.io/ready-after': '5s' } },
    });
    // A short provision deadline: a cache that stopped following the cluster fails the store with
    // TIMEOUT instead of letting the test wait.
    const urumi = await startUrumi(shared, {
      KUBECONFIG: proxy.kubeconfig,
      STORE_EXTRA_VALUES_FILE: slow,
      PROVISION_TIMEOUT_SECONDS: '40',
    });
    await expect.poll(() => proxy.openWatches(), { timeout: 20_000 }).toBe(6);
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(urumi, store.id, (s) => s.step === 'app');

    const listsBefore = proxy.lists().length;
    const broken = proxy.expireWatches();
    expect(broken).toHaveLength(6);
    const ready = await waitForStore(urumi, store.id, (s) => s.status !== 'Provisioning', 60_000);
    expect(ready.status).toBe('Ready');
    // Each broken watch was answered by a fresh LIST of its kind, then watched again.
    expect(new Set(proxy.lists().slice(listsBefore))).toEqual(new Set(broken));
    await expect.poll(() => proxy.openWatches(), { timeout: 20_000 }).toBe(6);
  });
});
