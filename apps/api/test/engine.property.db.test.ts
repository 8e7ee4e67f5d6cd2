import type { StoreStatus, StoreType } from '@urumi/contracts';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, it, onTestFinished } from 'vitest';
import { openDatabase, type Database } from '../src/adapters/postgres/database.ts';
import { stores as storesTable } from '../src/adapters/postgres/schema.ts';
import { PostgresStoreRepository } from '../src/adapters/postgres/store-repository.ts';
import { isDomainError } from '../src/domain/errors.ts';
import { systemClock } from '../src/domain/ports.ts';
import { StoreService } from '../src/domain/store-service.ts';
import type { Engine } from '../src/engine/engine.ts';
import { storeTypes } from '../src/store-types/index.ts';
import { type DatabaseKind, freshPostgresUrl } from './support/databases.ts';
import { budgets, maxInFlight, maxStores, modelEngine, timing } from './support/engine-model.ts';
import { FakeProcess, FakeWorld, type WorkloadHealth } from './support/fake-cluster.ts';

/**
 * Model-based property test of the provisioning engine's state machine: random sequences of API
 * calls (create through StoreService's real admission, delete, retry), engine processes started
 * and killed (-9: no lease is released), and cluster events (workloads ready, failing, time
 * passing), against the real Engine, StoreService and PostgresStoreRepository on a real database.
 * Only the cluster and helm are in-memory fakes behind their ports (support/fake-cluster.ts).
 *
 * Real timers, small values. Reproduce a failure with the printed seed and path:
 * FC_SEED=<seed> FC_PATH=<path> npx vitest run --project database apps/api/test/engine.property
 * (FC_RUNS sets the number of runs; FC_SHRINK=1 shrinks a failure, slow with real time; FC_DEBUG=1
 * prints what each run did). Timing is real here, on purpose: real PostgreSQL connections racing
 * each other find what no schedule would, so a replay follows the same commands but not always the
 * same interleaving. The engine itself takes all its time from the Clock port, and
 * engine.replay.db.test.ts runs it on a manual clock, where a seed replays the same run exactly.
 */

const maxLiveEngines = 3;
/**
 * How long the engines may take to fail a store once they can act on it: one poll to claim it,
 * plus slack for a loaded 2-core machine. They can act from the store's deadline on, but not
 * before an engine runs again (if none did) nor before a killed engine's leases have expired.
 */
const deadlineGraceMs = 10 * timing.pollIntervalMs + 400;
const settleLimitMs = 10_000;

const runs = Number(process.env.FC_RUNS ?? 0) || null;
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const path = process.env.FC_PATH;

const caller = { tokenId: 'property', actor: 'property-test' };
const settledStatuses: ReadonlySet<StoreStatus> = new Set(['Ready', 'Failed', 'Deleted']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface EngineProcess {
  engine: Engine;
  process: FakeProcess;
}

/** Everything one run acts on, and the invariants checked against it. */
class System {
  readonly world = new FakeWorld({
    helmDelayMs: timing.helmDelayMs,
    namespaceDeleteMs: timing.namespaceDeleteMs,
  });
  readonly database: Database;
  readonly repository: PostgresStoreRepository;
  readonly service: StoreService;
  readonly live: EngineProcess[] = [];
  readonly ids: string[] = [];
  /** The last thing the user asked of each store. */
  readonly intent = new Map<string, 'present' | 'absent'>();
  readonly violations: string[] = [];
  /** Since when at least one engine has been running without a break (null: none runs). */
  liveSince: number | null = null;
  lastCrashAt = 0;
  #engines = 0;
  #sampling: Promise<void> | null = null;
  #sampler = true;

  constructor(database: Database) {
    this.database = database;
    this.repository = new PostgresStoreRepository({ db: database.db });
    const options = {
      repository: this.repository,
      clock: systemClock,
      baseDomain: 'localhost',
      urlScheme: 'http' as const,
      adminPaths: Object.fromEntries([...storeTypes.values()].map((d) => [d.type, d.adminPath])) as Record<
        StoreType,
        string
      >,
      maxStores,
      budgets,
      onChange: () => {
        for (const { engine } of this.live) engine.poke();
      },
    };
    this.service = new StoreService(options);
  }

  startSampler(): void {
    this.#sampling = (async () => {
      while (this.#sampler) {
        await this.check('background').catch((error: unknown) => this.violations.push(String(error)));
        await sleep(30);
      }
    })();
  }

  startEngine(): void {
    this.#engines += 1;
    const process = new FakeProcess(this.world);
    const engine = modelEngine(process, this.repository, {
      clock: systemClock,
      owner: `engine-${this.#engines}`,
    });
    engine.start();
    this.live.push({ engine, process });
    this.liveSince ??= Date.now();
  }

  /** kill -9: the process stops writing at once and releases nothing; its leases must expire. */
  async crashEngine(index: number): Promise<void> {
    const [victim] = this.live.splice(index % this.live.length, 1);
    if (!victim) return;
    if (this.live.length === 0) this.liveSince = null;
    victim.process.crash();
    this.lastCrashAt = Date.now();
    // Ends its timers only: every write it still attempts is refused by the crashed process.
    await victim.engine.stop();
  }

  /** Invariants that must hold at every moment, whatever the engines are doing. */
  async check(when: string): Promise<void> {
    const rows = await this.database.db.select().from(storesTable);
    const now = Date.now();
    const problems: string[] = [...this.world.violations];
    const active = rows.filter((r) => r.status !== 'Deleted');
    if (active.length > maxStores)
      problems.push(`${active.length} stores not Deleted (MAX_STORES ${maxStores})`);
    const inFlight = rows.filter((r) => r.status === 'Provisioning' && r.step !== 'queued');
    if (inFlight.length > maxInFlight)
      problems.push(
        `${inFlight.length} provisions in flight (MAX_CONCURRENT_PROVISIONS ${maxInFlight}): ${inFlight.map((r) => `${r.id}@${r.step}`).join(', ')}`,
      );
    for (const [name, ns] of this.world.namespaces) {
      if (ns.releases.size > 1) problems.push(`${name} holds ${ns.releases.size} helm releases`);
    }
    for (const row of rows) {
      const namespace = this.world.namespaces.get(`store-${row.id}`);
      if (row.status === 'Deleted' && namespace)
        problems.push(
          `store ${row.id} is Deleted but its namespace exists (releases: ${[...namespace.releases.keys()].join(', ') || 'none'})`,
        );
      const since = Math.max(
        row.deadlineAt?.getTime() ?? Infinity,
        this.liveSince ?? Infinity,
        this.lastCrashAt + timing.leaseMs,
      );
      if (
        !settledStatuses.has(row.status as StoreStatus) &&
        row.status !== 'Degraded' &&
        now > since + deadlineGraceMs
      )
        problems.push(
          `store ${row.id} is ${row.status}/${row.step} ${now - row.deadlineAt!.getTime()} ms past its deadline`,
        );
    }
    if (problems.length > 0) throw new Error(`${when}: ${problems.join('; ')}`);
  }

  async activeCount(): Promise<number> {
    const rows = await this.database.db.select({ status: storesTable.status }).from(storesTable);
    return rows.filter((r) => r.status !== 'Deleted').length;
  }

  assertNoViolations(): void {
    if (this.violations.length > 0) throw new Error(this.violations[0]);
  }

  /** Waits until every store is settled; fails after `settleLimitMs`. */
  async waitSettled(what: string, done: (status: StoreStatus) => boolean): Promise<void> {
    const started = Date.now();
    for (;;) {
      this.assertNoViolations();
      const rows = await this.database.db.select().from(storesTable);
      const pending = rows.filter((r) => !done(r.status as StoreStatus));
      if (pending.length === 0) return;
      if (Date.now() - started > settleLimitMs)
        throw new Error(
          `${what}: not settled after ${settleLimitMs} ms: ${pending.map((r) => `${r.id} ${r.status}/${r.step} lease ${r.leaseOwner}`).join(', ')}`,
        );
      await sleep(50);
    }
  }

  /** Events tell each store's story in order: every event starts where the previous one ended. */
  async checkEvents(): Promise<void> {
    for (const id of this.ids) {
      const store = await this.repository.get(id);
      const events = await this.repository.events(id);
      const problems: string[] = [];
      if (events[0]?.fromStatus !== null || events[0]?.message !== 'created')
        problems.push('first event is not the creation');
      for (let i = 1; i < events.length; i += 1) {
        if (events[i]!.fromStatus !== events[i - 1]!.toStatus)
          problems.push(`event ${i} starts from ${events[i]!.fromStatus}`);
      }
      if (events.at(-1)?.toStatus !== store?.status)
        problems.push(`last event says ${events.at(-1)?.toStatus}, store is ${store?.status}`);
      if (problems.length > 0) {
        const story = events.map(
          (e) =>
            `${e.fromStatus}->${e.toStatus}@${e.step ?? '-'}(${e.actor}${e.message ? `: ${e.message}` : ''})`,
        );
        throw new Error(`store ${id} events out of order (${problems.join('; ')}): ${story.join(' | ')}`);
      }
    }
  }

  /**
   * The cluster cooperates from now on: every store settles, a store whose last request was a
   * delete ends Deleted (or Failed for a blocked teardown), and then deleting everything leaves no
   * namespace and no release behind.
   */
  async settle(): Promise<void> {
    // First the cluster stays as it is for a while: stores it holds up must fail at their deadlines.
    if (this.live.length === 0) this.startEngine();
    await sleep(900);
    await this.check('while the cluster stalls');
    this.world.cooperate(this.ids);
    await this.waitSettled('after the cluster cooperates', (s) => settledStatuses.has(s));
    for (const id of this.ids) {
      const store = await this.repository.get(id);
      if (this.intent.get(id) === 'absent' && store?.status !== 'Deleted') {
        if (store?.status !== 'Failed' || store.reasonCode !== 'TEARDOWN_BLOCKED')
          throw new Error(
            `store ${id} was asked to be deleted and ended ${store?.status} (${store?.reasonCode}: ${store?.reasonMessage})`,
          );
      }
    }
    await this.checkEvents();
    for (let round = 0; round < 3; round += 1) {
      const left = (await this.database.db.select().from(storesTable)).filter((r) => r.status !== 'Deleted');
      if (left.length === 0) break;
      for (const row of left) await this.service.delete(row.id, caller);
      await this.waitSettled('after deleting every store', (s) => s === 'Deleted' || s === 'Failed');
    }
    await this.waitSettled('after deleting every store', (s) => s === 'Deleted');
    await this.check('all deleted');
    const leftovers = [...this.world.namespaces.keys()];
    if (leftovers.length > 0)
      throw new Error(`namespaces left after every store was deleted: ${leftovers.join(', ')}`);
    await this.checkEvents();
    // A graceful stop frees every lease the process holds.
    const owners = this.live.map(({ engine }) => engine.owner);
    await this.stopEngines();
    const held = (await this.database.db.select().from(storesTable)).filter(
      (r) => r.leaseOwner && owners.includes(r.leaseOwner),
    );
    if (held.length > 0)
      throw new Error(
        `leases still held after a graceful stop: ${held.map((r) => `${r.id} by ${r.leaseOwner}`).join(', ')}`,
      );
  }

  async stopEngines(): Promise<void> {
    const stopping = this.live.splice(0);
    await Promise.all(stopping.map(({ engine }) => engine.stop()));
  }

  async dispose(): Promise<void> {
    this.#sampler = false;
    await this.#sampling;
    await this.stopEngines();
    this.world.dispose();
  }
}

interface Model {
  stores: number;
  live: number;
  started: number;
}

type Command = fc.AsyncCommand<Model, System>;

function command(
  label: string,
  check: (m: Readonly<Model>) => boolean,
  run: (m: Model, s: System) => Promise<void> | void,
): Command {
  return {
    check,
    async run(m, s) {
      s.assertNoViolations();
      await run(m, s);
      await s.check(`after ${label}`);
    },
    toString: () => label,
  };
}

const hasStores = (m: Readonly<Model>) => m.stores > 0;
const pick = (s: System, i: number) => s.ids[i % s.ids.length]!;

const createStore = fc.constant(null).map(() =>
  command(
    'create',
    () => true,
    async (m, s) => {
      const before = await s.activeCount();
      const outcome = await s.service.create({ type: 'woocommerce' }, caller).then(
        ({ store }) => store,
        (error: unknown) => error,
      );
      if (outcome instanceof Error || !(outcome as { id?: unknown }).id) {
        // Stores only ever leave the count between two commands, so a refusal means it was full before.
        if (!isDomainError(outcome) || outcome.code !== 'STORE_LIMIT_REACHED') throw outcome;
        if (before < maxStores)
          throw new Error(`create refused with ${before} active stores of ${maxStores}`);
        return;
      }
      const { id } = outcome as { id: string };
      s.ids.push(id);
      s.intent.set(id, 'present');
      m.stores = s.ids.length;
      const after = await s.activeCount();
      if (after > maxStores) throw new Error(`create admitted a store beyond MAX_STORES (${after})`);
    },
  ),
);

const deleteStore = fc.nat().map((i) =>
  command(`delete(${i})`, hasStores, async (_m, s) => {
    const id = pick(s, i);
    await s.service.delete(id, caller);
    s.intent.set(id, 'absent');
  }),
);

const retryStore = fc.nat().map((i) =>
  command(`retry(${i})`, hasStores, async (_m, s) => {
    const id = pick(s, i);
    try {
      await s.service.retry(id, caller);
      s.intent.set(id, 'present');
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'INVALID_STATE') throw error;
    }
  }),
);

const startEngine = fc.constant(null).map(() =>
  command(
    'start-engine',
    (m) => m.live < maxLiveEngines,
    (m, s) => {
      s.startEngine();
      m.live = s.live.length;
      m.started += 1;
    },
  ),
);

const crashEngine = fc.nat().map((i) =>
  command(
    `crash-engine(${i})`,
    (m) => m.live > 0,
    async (m, s) => {
      await s.crashEngine(i);
      m.live = s.live.length;
    },
  ),
);

const clusterEvent = fc
  .tuple(fc.nat(), fc.constantFrom<WorkloadHealth>('ready', 'ready', 'setup-failed', 'crash-loop', 'pending'))
  .map(([i, health]) =>
    command(`workloads(${i}, ${health})`, hasStores, (_m, s) => {
      s.world.setHealth(pick(s, i), health);
    }),
  );

const helmFlakes = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 2 })).map(([i, n]) =>
  command(`helm-fails(${i}, ${n})`, hasStores, (_m, s) => {
    s.world.failInstalls(pick(s, i), n);
  }),
);

const blockDeletion = fc.nat().map((i) =>
  command(`finalizer-blocks(${i})`, hasStores, (_m, s) => {
    s.world.blockDeletion(pick(s, i));
  }),
);

const timePasses = fc.integer({ min: 10, max: 500 }).map((ms) =>
  command(
    `wait(${ms})`,
    () => true,
    async () => {
      await sleep(ms);
    },
  ),
);

const commands = fc.commands(
  [
    createStore,
    createStore,
    createStore,
    deleteStore,
    retryStore,
    startEngine,
    crashEngine,
    clusterEvent,
    clusterEvent,
    helmFlakes,
    blockDeletion,
    timePasses,
    timePasses,
  ],
  { maxCommands: 30, size: 'medium' },
);

async function openTestDatabase(kind: DatabaseKind): Promise<Database> {
  const database =
    kind === 'pglite'
      ? await openDatabase({ dataDir: 'memory://' })
      : await openDatabase({ url: await freshPostgresUrl() });
  onTestFinished(() => database.close());
  return database;
}

/** Each run starts from empty tables (migrating a fresh database per run would dominate the time). */
async function emptied(database: Database): Promise<Database> {
  await database.db.execute(sql`TRUNCATE stores, store_events, idempotency_keys`);
  return database;
}

describe('the engine under random commands, crashes and cluster events', () => {
  it.each([
    { kind: 'pglite' as const, numRuns: runs ?? 8 },
    { kind: 'postgres' as const, numRuns: runs ?? 4 },
  ])(
    'keeps MAX_STORES, MAX_CONCURRENT_PROVISIONS, one release per store, deadlines and ordered events on $kind',
    async ({ kind, numRuns }) => {
      const shared = await openTestDatabase(kind);
      await fc.assert(
        fc.asyncProperty(commands, async (sequence) => {
          const t0 = Date.now();
          const database = await emptied(shared);
          const system = new System(database);
          try {
            system.startEngine();
            system.startEngine();
            system.startSampler();
            await fc.asyncModelRun(
              () => ({ model: { stores: 0, live: 2, started: 2 }, real: system }),
              sequence,
            );
            system.assertNoViolations();
            const commandsDone = Date.now();
            await system.settle();
            system.assertNoViolations();
            if (process.env.FC_DEBUG) {
              const events = (await Promise.all(system.ids.map((id) => system.repository.events(id)))).flat();
              const outcomes = events.map((e) => `${e.toStatus}${e.reasonCode ? `:${e.reasonCode}` : ''}`);
              const tally: Record<string, number> = {};
              for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
              console.log(
                kind,
                `${[...sequence].length} cmds`,
                `${commandsDone - t0} ms + settle ${Date.now() - commandsDone} ms`,
                JSON.stringify(tally),
              );
            }
          } finally {
            await system.dispose();
          }
        }),
        { numRuns, seed, path, endOnFailure: process.env.FC_SHRINK !== '1', verbose: 1 },
      );
    },
    240_000,
  );
});
