import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreStep } from '@urumi/contracts';
import { describe, expect, it } from 'vitest';
import { listenForStoreChanges } from '../src/adapters/postgres/change-feed.ts';
import { openDatabase } from '../src/adapters/postgres/database.ts';
import { PostgresStoreRepository } from '../src/adapters/postgres/store-repository.ts';
import { PostgresTokenRepository } from '../src/adapters/postgres/token-repository.ts';
import { isDomainError } from '../src/domain/errors.ts';
import type { CreateStoreInput } from '../src/domain/ports.ts';
import { newStoreId } from '../src/domain/store-id.ts';
import { ensureAdminToken, hashToken } from '../src/domain/tokens.ts';
import { databaseKinds, freshDatabase, freshPostgresUrl } from './support/databases.ts';

const later = () => new Date(Date.now() + 300_000);

function input(overrides: Partial<CreateStoreInput> = {}): CreateStoreInput {
  const id = newStoreId();
  return {
    id,
    name: `shop-${id}`,
    type: 'woocommerce',
    actor: 'test',
    maxStores: 50,
    deadlineAt: later(),
    ...overrides,
  };
}

function codeOf(error: unknown): string {
  return isDomainError(error) ? error.code : `unexpected: ${String(error)}`;
}

describe.each(databaseKinds)('store repository on %s', (kind) => {
  it('creates a queued store with its first event, and reads it back', async () => {
    const repo = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    const { store, replayed } = await repo.create(input({ name: 'corner-shop' }));
    expect(replayed).toBe(false);
    expect(store).toMatchObject({
      name: 'corner-shop',
      status: 'Provisioning',
      step: 'queued',
      desired: 'present',
    });
    expect(await repo.get(store.id)).toEqual(store);
    const events = await repo.events(store.id);
    expect(events).toMatchObject([
      { fromStatus: null, toStatus: 'Provisioning', step: null, actor: 'test', message: 'created' },
    ]);
  });

  it('admits exactly MAX_STORES of 50 parallel creates and refuses the rest with STORE_LIMIT_REACHED', async () => {
    const repo = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => repo.create(input({ maxStores: 10 }))),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(accepted).toHaveLength(10);
    expect(new Set(refused.map((r) => codeOf(r.reason)))).toEqual(new Set(['STORE_LIMIT_REACHED']));
    expect((await repo.list({ limit: 200 })).items).toHaveLength(10);
  });

  it('refuses a name a live store holds, and frees it once that store is Deleted', async () => {
    const repo = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    const { store } = await repo.create(input({ name: 'taken' }));
    const error = await repo.create(input({ name: 'taken' })).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('NAME_TAKEN');
    await repo.promoteQueued(1, 'engine', { step: later, provision: later() });
    const [claimed] = await repo.claim('engine', 60_000, 1);
    expect(claimed?.id).toBe(store.id);
    await repo.update(claimed!, 'engine', { status: 'Deleted', step: null, deletedAt: new Date() });
    expect((await repo.create(input({ name: 'taken' }))).store.name).toBe('taken');
  });

  it('turns the same Idempotency-Key sent 10 times in parallel into one store, and refuses it for another body', async () => {
    const repo = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    const idempotency = { tokenId: 'tok', key: 'k-1', requestHash: 'h1', expiresAt: later() };
    const results = await Promise.all(Array.from({ length: 10 }, () => repo.create(input({ idempotency }))));
    expect(new Set(results.map((r) => r.store.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const reused = await repo
      .create(input({ idempotency: { ...idempotency, requestHash: 'h2' } }))
      .catch((e: unknown) => e);
    expect(codeOf(reused)).toBe('IDEMPOTENCY_KEY_REUSED');
    // The same key from another token is another request.
    const other = await repo.create(input({ idempotency: { ...idempotency, tokenId: 'other' } }));
    expect(other.store.id).not.toBe(results[0]!.store.id);
  });

  it('pages through stores newest first with a cursor and filters by status', async () => {
    const repo = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    const created: string[] = [];
    for (let i = 0; i < 7; i += 1) created.push((await repo.create(input())).store.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...created].reverse());
    expect((await repo.list({ limit: 50, status: 'Ready' })).items).toEqual([]);
    expect((await repo.list({ limit: 50, status: 'Provisioning' })).items).toHaveLength(7);
  });

  it('never lets more than the limit out of the queue, however many engines promote at once', async () => {
    const repo = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    const ids = [];
    for (let i = 0; i < 8; i += 1) ids.push((await repo.create(input())).store.id);
    const promoted = await Promise.all(
      Array.from({ length: 6 }, () => repo.promoteQueued(3, 'engine', { step: later, provision: later() })),
    );
    expect(promoted.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await repo.countInFlight()).toBe(3);
    // The oldest three left the queue; the others report their place in it.
    const positions = await repo.queuePositions(ids);
    expect([...positions.entries()]).toEqual([
      [ids[3], 1],
      [ids[4], 2],
      [ids[5], 3],
      [ids[6], 4],
      [ids[7], 5],
    ]);
  });

  it('hands each store to one engine only, and a lost lease stops the writer', async () => {
    const repo = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    for (let i = 0; i < 6; i += 1) await repo.create(input());
    await repo.promoteQueued(6, 'engine', { step: later, provision: later() });
    const [a, b] = await Promise.all([repo.claim('a', 60_000, 6), repo.claim('b', 60_000, 6)]);
    const claimedA = a.map((s) => s.id);
    const claimedB = b.map((s) => s.id);
    expect(claimedA.length + claimedB.length).toBe(6);
    expect(claimedA.filter((id) => claimedB.includes(id))).toEqual([]);
    const [first] = a.length > 0 ? a : b;
    const holder = a.length > 0 ? 'a' : 'b';
    expect(await repo.update(first!, 'intruder', { step: 'secrets' })).toBeNull();
    // Nor may the holder write from a state the store has left.
    expect(await repo.update({ ...first!, step: 'verify' }, holder, { step: 'secrets' })).toBeNull();
    const updated = await repo.update(
      first!,
      holder,
      { step: 'secrets' },
      {
        actor: holder,
        toStatus: 'Provisioning',
        step: 'secrets',
        durationMs: 12,
      },
    );
    expect(updated?.step).toBe('secrets');
    // An expired lease can be claimed by another engine.
    await repo.releaseLease(first!.id, holder, null);
    expect((await repo.claim('c', 60_000, 10)).map((s) => s.id)).toEqual([first!.id]);
  });

  it('marks a store Deleting on delete, and retries only Failed stores', async () => {
    const repo = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    const { store } = await repo.create(input());
    const teardownDeadline = later();
    const deadlineFor = (step: StoreStep) => (step === 'uninstall' ? teardownDeadline : later());
    const retry = await repo.retry(store.id, 'test', deadlineFor).catch((e: unknown) => e);
    expect(codeOf(retry)).toBe('INVALID_STATE');
    const deleting = await repo.requestDelete(store.id, 'test', later);
    expect(deleting).toMatchObject({ status: 'Deleting', step: 'uninstall', desired: 'absent' });
    // A delete that failed (say a finalizer outlived the deadline) is retried as a delete.
    const [claimed] = await repo.claim('engine', 60_000, 1);
    await repo.update(claimed!, 'engine', { status: 'Failed', reasonCode: 'TEARDOWN_BLOCKED' });
    const again = await repo.retry(store.id, 'test', deadlineFor);
    expect(again).toMatchObject({ status: 'Deleting', step: 'uninstall', desired: 'absent' });
    expect(again.deadlineAt).toEqual(teardownDeadline);
    expect(codeOf(await repo.requestDelete('000000000000', 'test', later).catch((e: unknown) => e))).toBe(
      'NOT_FOUND',
    );
  });

  it('tells every queued store when the queue moves, so shown positions stay true', async () => {
    const database = await freshDatabase(kind);
    const repo = new PostgresStoreRepository({ db: database.db });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await repo.create(input())).store.id);
    const feed = await listenForStoreChanges(database);
    const seen = new Set<string>();
    feed.subscribe((id) => seen.add(id));
    expect(await repo.promoteQueued(1, 'engine', { step: later, provision: later() })).toBe(1);
    await expect.poll(() => [...seen].sort(), { timeout: 5_000 }).toEqual([...ids].sort());
    expect([...(await repo.queuePositions(ids)).values()]).toEqual([1, 2]);
    await feed.close();
  });

  it('notifies every listener of a change, from another connection', async () => {
    // On PostgreSQL the write comes from a second, independent connection pool.
    const url = kind === 'postgres' ? await freshPostgresUrl() : undefined;
    const listener = url ? await openDatabase({ url }) : await freshDatabase(kind);
    const writer = url ? await openDatabase({ url }) : listener;
    const feed = await listenForStoreChanges(listener);
    const seen: string[] = [];
    feed.subscribe((id) => seen.push(id));
    const { store } = await new PostgresStoreRepository({ db: writer.db }).create(input());
    await expect.poll(() => seen, { timeout: 5_000 }).toContain(store.id);
    await feed.close();
    if (url) await Promise.all([listener.close(), writer.close()]);
  });
});

describe('a PGlite database in a data directory', () => {
  it('keeps its stores across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'urumi-pglite-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      const { store } = await new PostgresStoreRepository({ db: first.db }).create(input());
      await first.close();
      const second = await openDatabase({ dataDir: dir });
      expect((await new PostgresStoreRepository({ db: second.db }).get(store.id))?.id).toBe(store.id);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('migrations on one PostgreSQL database', () => {
  it('apply once when several processes start together', async () => {
    const url = await freshPostgresUrl();
    const opened = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url })));
    const { store } = await new PostgresStoreRepository({ db: opened[0]!.db }).create(input());
    expect((await new PostgresStoreRepository({ db: opened[3]!.db }).get(store.id))?.id).toBe(store.id);
    await Promise.all(opened.map((d) => d.close()));
  });
});

describe('the admin token on one PostgreSQL database', () => {
  it('is registered once when several processes start together with the same configured token', async () => {
    const url = await freshPostgresUrl();
    const opened = await Promise.all(Array.from({ length: 3 }, () => openDatabase({ url })));
    const token = `urumi_${'x'.repeat(40)}`;
    await Promise.all(opened.map((d) => ensureAdminToken(new PostgresTokenRepository({ db: d.db }), token)));
    const tokens = new PostgresTokenRepository({ db: opened[0]!.db });
    expect(await tokens.count()).toBe(1);
    expect(await tokens.findByHash(hashToken(token))).toMatchObject({ name: 'admin' });
    await Promise.all(opened.map((d) => d.close()));
  });
});
