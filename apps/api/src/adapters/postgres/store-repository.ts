import type { ListStoresQuery, ReasonCode, StoreEvent, StoreStatus, StoreStep } from '@urumi/contracts';
import { and, asc, desc, eq, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import {
  idempotencyKeyReused,
  invalidState,
  nameTaken,
  notFound,
  storeLimitReached,
} from '../../domain/errors.ts';
import { initialPosition, transition } from '../../domain/lifecycle.ts';
import type { Clock, CreateStoreInput, DeadlineFor, StoreRepository } from '../../domain/ports.ts';
import { isQueued, type StoreRecord } from '../../domain/store.ts';
import { uniqueViolationOf, type Db } from './database.ts';
import { idempotencyKeys, storeEvents, stores } from './schema.ts';
import {
  admissionLock,
  appendEvent,
  notify,
  notifyQueued,
  timeFrom,
  toRecord,
  waitingInQueue,
  type Now,
} from './store-rows.ts';
import { StoreWork } from './store-work.ts';

export { storeChangesChannel } from './store-rows.ts';

/** The unique indexes admission relies on (schema.ts). */
const liveNameConstraint = 'stores_live_name_unique';
const idempotencyKeyConstraint = 'idempotency_keys_token_id_key_pk';

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) return null;
  return { createdAt, id };
}

/** The stores table: the API's side here, the engine's (queue, claims, leases) in StoreWork. */
export class PostgresStoreRepository extends StoreWork implements StoreRepository {
  readonly #db: Db;
  readonly #now: Now;

  /**
   * `clock`: the time the repository writes and compares leases and deadlines with. Unset, it is
   * the database's own `now()`: one clock for every replica, so leases never depend on the hosts'
   * clocks agreeing. Tests that replay a run set a manual one.
   */
  constructor(options: { db: Db; clock?: Clock }) {
    const now = timeFrom(options.clock ?? null);
    super(options.db, now);
    this.#db = options.db;
    this.#now = now;
  }

  /**
   * Admits a store: idempotency, the name, `MAX_STORES`. Everything that can run in parallel does;
   * only the count is serialised, last: under the admission lock the transaction counts the live
   * stores (its own among them, every earlier admission committed) and commits at once, so
   * `MAX_STORES` holds under any concurrency while the inserts of many creates overlap.
   */
  async create(input: CreateStoreInput): Promise<{ store: StoreRecord; replayed: boolean }> {
    try {
      return await this.#admit(input);
    } catch (error) {
      // Two requests with one Idempotency-Key raced to its row: the loser replays the winner's store.
      if (input.idempotency && uniqueViolationOf(error) === idempotencyKeyConstraint)
        return this.#admit(input);
      throw error;
    }
  }

  async #admit(input: CreateStoreInput): Promise<{ store: StoreRecord; replayed: boolean }> {
    return this.#db.transaction(async (tx) => {
      if (input.idempotency) {
        const { tokenId, key, requestHash } = input.idempotency;
        const [previous] = await tx
          .select()
          .from(idempotencyKeys)
          .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key)));
        if (previous && previous.expiresAt.getTime() > this.#now.ms()) {
          if (previous.requestHash !== requestHash) throw idempotencyKeyReused();
          const [row] = await tx.select().from(stores).where(eq(stores.id, previous.storeId));
          if (row) return { store: toRecord(row), replayed: true };
        }
        if (previous) {
          await tx
            .delete(idempotencyKeys)
            .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key)));
        }
      }
      // The key first: a request racing this one with the same key waits on it, then replays.
      if (input.idempotency) {
        await tx.insert(idempotencyKeys).values({
          tokenId: input.idempotency.tokenId,
          key: input.idempotency.key,
          requestHash: input.idempotency.requestHash,
          storeId: input.id,
          expiresAt: input.idempotency.expiresAt,
        });
      }
      // A live store of the same name makes the unique index refuse the insert.
      const row = await tx
        .insert(stores)
        .values({
          id: input.id,
          name: input.name,
          type: input.type,
          ...initialPosition,
          createdAt: this.#now.sql(),
          updatedAt: this.#now.sql(),
          stepStartedAt: this.#now.sql(),
          deadlineAt: input.deadlineAt,
        })
        .returning()
        .then(
          ([inserted]) => inserted,
          (error: unknown) => {
            if (uniqueViolationOf(error) === liveNameConstraint) throw nameTaken(input.name);
            throw error;
          },
        );
      if (!row) throw new Error('insert returned no row');
      await appendEvent(
        tx,
        row.id,
        null,
        { actor: input.actor, toStatus: initialPosition.status, step: null, message: 'created' },
        this.#now.sql(),
      );
      await notify(tx, row.id);
      // Last, and held only until the commit that follows: count the live stores, this one too.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${admissionLock})`);
      const [counted] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(stores)
        .where(ne(stores.status, 'Deleted'));
      if ((counted?.n ?? 0) > input.maxStores) throw storeLimitReached(input.maxStores);
      return { store: toRecord(row), replayed: false };
    });
  }

  async get(id: string): Promise<StoreRecord | null> {
    const [row] = await this.#db.select().from(stores).where(eq(stores.id, id));
    return row ? toRecord(row) : null;
  }

  async list(query: ListStoresQuery): Promise<{ items: StoreRecord[]; nextCursor: string | null }> {
    const conditions: SQL[] = [];
    // Deleted stores are tombstones for the audit trail: listed only when asked for by status.
    conditions.push(query.status ? eq(stores.status, query.status) : ne(stores.status, 'Deleted'));
    if (query.type) conditions.push(eq(stores.type, query.type));
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      if (cursor) {
        conditions.push(
          or(
            lt(stores.createdAt, cursor.createdAt),
            and(eq(stores.createdAt, cursor.createdAt), lt(stores.id, cursor.id)),
          )!,
        );
      }
    }
    const rows = await this.#db
      .select()
      .from(stores)
      .where(and(...conditions))
      .orderBy(desc(stores.createdAt), desc(stores.id))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toRecord),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  async events(id: string): Promise<StoreEvent[]> {
    const rows = await this.#db
      .select()
      .from(storeEvents)
      .where(eq(storeEvents.storeId, id))
      .orderBy(asc(storeEvents.id));
    return rows.map((row) => ({
      ...row,
      at: row.at.toISOString(),
      fromStatus: row.fromStatus as StoreStatus | null,
      toStatus: row.toStatus as StoreStatus,
      step: row.step as StoreStep | null,
      reasonCode: row.reasonCode as ReasonCode | null,
    }));
  }

  async queuePositions(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const ranked = this.#db
      .select({
        id: stores.id,
        position: sql<number>`(row_number() over (order by ${stores.createdAt}, ${stores.id}))::int`.as(
          'position',
        ),
      })
      .from(stores)
      .where(waitingInQueue())
      .as('ranked');
    const rows = await this.#db.select().from(ranked).where(inArray(ranked.id, ids));
    return new Map(rows.map((r) => [r.id, r.position]));
  }

  async requestDelete(id: string, actor: string, deadlineFor: DeadlineFor): Promise<StoreRecord> {
    return this.#move(id, 'delete', actor, 'delete requested', deadlineFor);
  }

  async retry(id: string, actor: string, deadlineFor: DeadlineFor): Promise<StoreRecord> {
    return this.#move(id, 'retry', actor, 'retry requested', deadlineFor);
  }

  /**
   * Persists what the lifecycle table says an owner's `delete` or `retry` does to the store as it is
   * now (read under a row lock): its new position, a fresh deadline for the step it enters, and an
   * event. A refused event is INVALID_STATE; one with nothing left to do returns the store as it is.
   */
  async #move(
    id: string,
    event: 'delete' | 'retry',
    actor: string,
    message: string,
    deadlineFor: DeadlineFor,
  ): Promise<StoreRecord> {
    return this.#db.transaction(async (tx) => {
      const [row] = await tx.select().from(stores).where(eq(stores.id, id)).for('update');
      if (!row) throw notFound(`store ${id}`);
      const from = toRecord(row);
      const next = transition(from, event);
      if (next.kind === 'refused') throw invalidState(next.why);
      if (next.kind === 'stay') return from;
      const [updated] = await tx
        .update(stores)
        .set({
          ...next.to,
          reasonCode: null,
          reasonMessage: null,
          stepStartedAt: this.#now.sql(),
          deadlineAt: next.to.step ? deadlineFor(next.to.step) : null,
          attempt: 0,
          nextAttemptAt: null,
          updatedAt: this.#now.sql(),
        })
        .where(eq(stores.id, id))
        .returning();
      await appendEvent(
        tx,
        id,
        from.status,
        { actor, toStatus: next.to.status, step: null, message },
        this.#now.sql(),
      );
      await notify(tx, id);
      // Queue positions change when a store joins or leaves the queue.
      if (isQueued(from) || isQueued(next.to)) await notifyQueued(tx);
      return toRecord(updated!);
    });
  }

  async counts(): Promise<{ byStatus: Record<string, number>; queued: number }> {
    const rows = await this.#db
      .select({
        status: stores.status,
        n: sql<number>`count(*)::int`,
        queued: sql<number>`(count(*) filter (where ${stores.step} = 'queued'))::int`,
      })
      .from(stores)
      .groupBy(stores.status);
    return {
      byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])),
      queued: rows.reduce((sum, r) => sum + r.queued, 0),
    };
  }
}
