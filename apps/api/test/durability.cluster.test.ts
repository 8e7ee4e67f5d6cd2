import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { provisionSteps, type Store } from '@urumi/contracts';
import { describe, expect, inject, it } from 'vitest';
import { helm, kube } from '../../../tools/cluster/test/kube.ts';
import { freshPostgresUrl } from './support/databases.ts';
import {
  eventsOf,
  sharedSetup,
  startUrumi,
  valuesFile,
  waitForStore,
  type Shared,
} from './support/urumi-process.ts';

const exec = promisify(execFile);

async function releases(): Promise<{ name: string; namespace: string; revision: string; status: string }[]> {
  // Helm 4 lists releases in every status by default.
  const { stdout } = await helm(['list', '--all-namespaces', '--output', 'json']);
  return JSON.parse(stdout) as { name: string; namespace: string; revision: string; status: string }[];
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
