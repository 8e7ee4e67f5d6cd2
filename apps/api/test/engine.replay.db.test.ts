import { setImmediate as yieldOnce } from 'node:timers/promises';
import type { StoreStatus, StoreType } from '@urumi/contracts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/adapters/postgres/database.ts';
import { stores as storesTable } from '../src/adapters/postgres/schema.ts';
import { PostgresStoreRepository } from '../src/adapters/postgres/store-repository.ts';
import { isDomainError } from '../src/domain/errors.ts';
import { StoreService } from '../src/domain/store-service.ts';
import type { Engine } from '../src/engine/engine.ts';
import { storeTypes } from '../src/store-types/index.ts';
import { budgets, maxStores, modelEngine, timing } from './support/engine-model.ts';
import { FakeProcess, FakeWorld, type WorkloadHealth } from './support/fake-cluster.ts';
import { ManualClock } from './support/manual-clock.ts';

/**
 * The engine on a manual clock replays a run from its seed: the same API calls, engine crashes and
 * cluster events at the same (virtual) times give the same story, event for event, down to the
 * millisecond of every timestamp and duration. Everything that decides an interleaving is an input:
 * time (the Clock port, which the engine, the repository and the fake cluster all take their time
 * and timers from), store ids, backoff jitter, and the database (PGlite in memory, in-process).
 * Reproduce a run with REPLAY_SEED=<seed> npx vitest run --project database apps/api/test/engine.replay
 */

/** mulberry32: a small seeded generator. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const caller = { tokenId: 'replay', actor: 'replay-test' };
const healths: WorkloadHealth[] = ['ready', 'ready', 'setup-failed', 'crash-loop', 'pending'];
const settled: ReadonlySet<StoreStatus> = new Set(['Ready', 'Failed', 'Deleted']);

/** Lets the async work a timer started run to its next wait (PGlite answers in-process). */
async function settle(): Promise<void> {
  for (let i = 0; i < 40; i += 1) await yieldOnce();
}

/** One run from `seed`: what happened to every store, as lines of text. */
async function run(seed: number): Promise<string[]> {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'), settle);
  const database = await openDatabase({ dataDir: 'memory://' });
  const repository = new PostgresStoreRepository({ db: database.db, clock });
  const world = new FakeWorld({
    helmDelayMs: timing.helmDelayMs,
    namespaceDeleteMs: timing.namespaceDeleteMs,
    clock,
  });
  const live: { engine: Engine; process: FakeProcess }[] = [];
  let started = 0;
  const ids: string[] = [];
  const service = new StoreService({
    repository,
    clock,
    baseDomain: 'localhost',
    urlScheme: 'http',
    adminPaths: Object.fromEntries([...storeTypes.values()].map((d) => [d.type, d.adminPath])) as Record<
      StoreType,
      string
    >,
    maxStores,
    budgets,
    newId: () =>
      [random(), random(), random()]
        .map((r) =>
          Math.floor(r * 65_536)
            .toString(16)
            .padStart(4, '0'),
        )
        .join(''),
    onChange: () => {
      for (const { engine } of live) engine.poke();
    },
  });
  const startEngine = () => {
    started += 1;
    const process = new FakeProcess(world);
    const engine = modelEngine(process, repository, {
      clock,
      owner: `engine-${started}`,
      random: seeded(seed + started),
    });
    engine.start();
    live.push({ engine, process });
  };
  /** Stops engines while time goes on (a stop waits for work that may be waiting on the clock). */
  const stop = async (engines: Engine[]) => {
    let done = false;
    const stopping = Promise.all(engines.map((engine) => engine.stop())).then(() => {
      done = true;
    });
    while (!done) await clock.advance(10);
    await stopping;
  };

  try {
    startEngine();
    startEngine();
    for (let i = 0; i < 40; i += 1) {
      const roll = random();
      const store = ids.length > 0 ? pick(ids) : null;
      if (roll < 0.25 || !store) {
        await service.create({ type: 'woocommerce' }, caller).then(
          ({ store: created }) => {
            ids.push(created.id);
            // Most stores come up; the rest wait for a cluster event (or their deadline).
            if (random() < 0.7) world.setHealth(created.id, 'ready');
            if (random() < 0.3) world.failInstalls(created.id, 1 + Math.floor(random() * 2));
          },
          (error: unknown) => {
            if (!isDomainError(error) || error.code !== 'STORE_LIMIT_REACHED') throw error;
          },
        );
      } else if (roll < 0.35) await service.delete(store, caller);
      else if (roll < 0.42)
        await service.retry(store, caller).catch((error: unknown) => {
          if (!isDomainError(error) || error.code !== 'INVALID_STATE') throw error;
        });
      else if (roll < 0.62) world.setHealth(store, pick(healths));
      else if (roll < 0.68) world.failInstalls(store, 1 + Math.floor(random() * 2));
      else if (roll < 0.71) world.blockDeletion(store);
      else if (roll < 0.76 && live.length > 0) {
        // kill -9 of one engine, and a new one in its place.
        const [victim] = live.splice(Math.floor(random() * live.length), 1);
        victim!.process.crash();
        await stop([victim!.engine]);
        startEngine();
      }
      await clock.advance(10 + Math.floor(random() * 300));
    }
    world.cooperate(ids);
    for (let round = 0; round < 200; round += 1) {
      const rows = await database.db.select().from(storesTable);
      if (rows.every((row) => settled.has(row.status as StoreStatus))) break;
      await clock.advance(100);
    }
    const story: string[] = [];
    for (const id of ids) {
      const store = await repository.get(id);
      story.push(`${id}: ${store?.status} ${store?.reasonCode ?? ''}`);
      for (const e of await repository.events(id))
        story.push(
          `  ${e.at} ${e.actor} ${e.fromStatus ?? '-'}->${e.toStatus} @${e.step ?? '-'} ${e.durationMs ?? ''} ${e.reasonCode ?? ''} ${e.message ?? ''}`,
        );
    }
    return story;
  } finally {
    await stop(live.splice(0).map(({ engine }) => engine));
    world.dispose();
    await database.close();
  }
}

describe('the engine on a manual clock', () => {
  const seed = Number(process.env.REPLAY_SEED ?? 0) || Math.floor(Math.random() * 1_000_000) + 1;

  it(`replays a run from its seed (seed ${seed})`, { timeout: 120_000 }, async () => {
    const first = await run(seed);
    const second = await run(seed);
    expect(second).toEqual(first);
    // The run did something: stores were made and the engines moved them.
    expect(first.filter((line) => !line.startsWith(' ')).length).toBeGreaterThan(1);
    expect(first.some((line) => line.includes('->Ready') || line.includes('->Failed'))).toBe(true);
    // And the story is the seed's: another seed tells another one.
    expect(await run(seed + 1)).not.toEqual(first);
  });
});
