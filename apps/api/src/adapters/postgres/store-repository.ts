import {
  type ListStoresQuery,
  type ReasonCode,
  type StoreEvent,
  type StoreStatus,
  type StoreStep,
  type StoreType,
} from '@urumi/contracts';
import { and, asc, desc, eq, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import {
  idempotencyKeyReused,
  invalidState,
  nameTaken,
  notFound,
  storeLimitReached,
} from '../../domain/errors.ts';
import { initialPosition, transition } from '../../domain/lifecycle.ts';
import type {
  Clock,
  CreateStoreInput,
  DeadlineFor,
  EventInput,
  StorePatch,
  StoreRepository,
} from '../../domain/ports.ts';
import { isQueued, type StoreRecord } from '../../domain/store.ts';
import type { Db } from './database.ts';
import { idempotencyKeys, storeEvents, stores } from './schema.ts';

/** NOTIFY channel carrying the id of every store whose row changed. */
export const storeChangesChannel = 'urumi_store_changes';

// Transaction-scoped advisory locks: one serialises admission, one the promotion out of the queue.
const admissionLock = 7_201_001;
const promotionLock = 7_201_002;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

type Row = typeof stores.$inferSelect;

/** Stores waiting in the provisioning queue (domain/store.ts `isQueued`). */
const waitingInQueue = () => and(eq(stores.status, 'Provisioning'), eq(stores.step, 'queued'));
/** Stores holding a provisioning slot: Provisioning and past the queue. */
const inFlight = () => and(eq(stores.status, 'Provisioning'), ne(stores.step, 'queued'));

function toRecord(row: Row): StoreRecord {
  return {
    ...row,
    type: row.type as StoreType,
    status: row.status as StoreStatus,
    step: row.step as StoreStep | null,
    reasonCode: row.reasonCode as ReasonCode | null,
    desired: row.desired === 'absent' ? 'absent' : 'present',
  };
}

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) return null;
  return { createdAt, id };
}

async function notify(tx: Tx, storeId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${storeChangesChannel}, ${storeId})`);
}

/** Every queued store's position may have changed: tell their listeners. */
async function notifyQueued(tx: Tx): Promise<void> {
  await tx.execute(
    sql`SELECT pg_notify(${storeChangesChannel}, ${stores.id}) FROM ${stores} WHERE ${stores.status} = 'Provisioning' AND ${stores.step} = 'queued'`,
  );
}

async function appendEvent(
  tx: Tx,
  storeId: string,
  fromStatus: StoreStatus | null,
  event: EventInput,
  at: SQL,
) {
  await tx.insert(storeEvents).values({
    storeId,
    at,
    actor: event.actor,
    fromStatus,
    toStatus: event.toStatus,
    step: event.step,
    reasonCode: event.reasonCode ?? null,
    message: event.message ?? null,
    durationMs: event.durationMs ?? null,
  });
}

export class PostgresStoreRepository implements StoreRepository {
  readonly #db: Db;
  readonly #clock: Clock | null;

  /**
   * `clock`: the time the repository writes and compares leases and deadlines with. Unset, it is
   * the database's own `now()`: one clock for every replica, so leases never depend on the hosts'
   * clocks agreeing. Tests that replay a run set a manual one.
   */
  constructor(options: { db: Db; clock?: Clock }) {
    this.#db = options.db;
    this.#clock = options.clock ?? null;
  }

  /** The current time in SQL. */
  #now(): SQL {
    return this.#clock ? sql`${this.#clock.now().toISOString()}::timestamptz` : sql`now()`;
  }

  #nowMs(): number {
    return (this.#clock?.now() ?? new Date()).getTime();
  }

  async create(input: CreateStoreInput): Promise<{ store: StoreRecord; replayed: boolean }> {
    return this.#db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${admissionLock})`);
      if (input.idempotency) {
        const { tokenId, key, requestHash } = input.idempotency;
        const [previous] = await tx
          .select()
          .from(idempotencyKeys)
          .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key)));
        if (previous && previous.expiresAt.getTime() > this.#nowMs()) {
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
      const [counted] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(stores)
        .where(ne(stores.status, 'Deleted'));
      if ((counted?.n ?? 0) >= input.maxStores) throw storeLimitReached(input.maxStores);
      const [taken] = await tx
        .select({ id: stores.id })
        .from(stores)
        .where(and(eq(stores.name, input.name), ne(stores.status, 'Deleted')));
      if (taken) throw nameTaken(input.name);

      const [row] = await tx
        .insert(stores)
        .values({
          id: input.id,
          name: input.name,
          type: input.type,
          ...initialPosition,
          createdAt: this.#now(),
          updatedAt: this.#now(),
          stepStartedAt: this.#now(),
          deadlineAt: input.deadlineAt,
        })
        .returning();
      if (!row) throw new Error('insert returned no row');
      await appendEvent(
        tx,
        row.id,
        null,
        {
          actor: input.actor,
          toStatus: initialPosition.status,
          step: null,
          message: 'created',
        },
        this.#now(),
      );
      if (input.idempotency) {
        await tx.insert(idempotencyKeys).values({
          tokenId: input.idempotency.tokenId,
          key: input.idempotency.key,
          requestHash: input.idempotency.requestHash,
          storeId: row.id,
          expiresAt: input.idempotency.expiresAt,
        });
      }
      await notify(tx, row.id);
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
          stepStartedAt: this.#now(),
          deadlineAt: next.to.step ? deadlineFor(next.to.step) : null,
          attempt: 0,
          nextAttemptAt: null,
          updatedAt: this.#now(),
        })
        .where(eq(stores.id, id))
        .returning();
      await appendEvent(
        tx,
        id,
        from.status,
        { actor, toStatus: next.to.status, step: null, message },
        this.#now(),
      );
      await notify(tx, id);
      // Queue positions change when a store joins or leaves the queue.
      if (isQueued(from) || isQueued(next.to)) await notifyQueued(tx);
      return toRecord(updated!);
    });
  }

  async promoteQueued(
    maxInFlight: number,
    actor: string,
    deadlines: { step: DeadlineFor; provision: Date },
  ): Promise<number> {
    return this.#db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${promotionLock})`);
      const [busy] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(stores)
        .where(inFlight());
      const slots = maxInFlight - (busy?.n ?? 0);
      if (slots <= 0) return 0;
      const queued = await tx
        .select()
        .from(stores)
        .where(
          and(
            waitingInQueue(),
            // One that waited past its queue deadline is failed by claim() instead.
            sql`(${stores.deadlineAt} IS NULL OR ${stores.deadlineAt} > ${this.#now()})`,
          ),
        )
        .orderBy(asc(stores.createdAt), asc(stores.id))
        .limit(slots)
        .for('update');
      let promoted = 0;
      for (const row of queued) {
        const next = transition(toRecord(row), 'promote');
        if (next.kind !== 'move') continue;
        await tx
          .update(stores)
          .set({
            ...next.to,
            stepStartedAt: this.#now(),
            deadlineAt: next.to.step ? deadlines.step(next.to.step) : null,
            provisionDeadlineAt: deadlines.provision,
            attempt: 0,
            nextAttemptAt: null,
            updatedAt: this.#now(),
          })
          .where(eq(stores.id, row.id));
        await appendEvent(
          tx,
          row.id,
          row.status as StoreStatus,
          {
            actor,
            toStatus: next.to.status,
            step: row.step as StoreStep,
            durationMs: row.stepStartedAt ? Math.max(0, this.#nowMs() - row.stepStartedAt.getTime()) : null,
          },
          this.#now(),
        );
        await notify(tx, row.id);
        promoted++;
      }
      if (promoted > 0) await notifyQueued(tx);
      return promoted;
    });
  }

  async claim(owner: string, leaseMs: number, limit: number): Promise<StoreRecord[]> {
    const due = this.#db
      .select({ id: stores.id })
      .from(stores)
      .where(
        and(
          or(
            inFlight(),
            eq(stores.status, 'Deleting'),
            // Queued stores wait for promotion, not for an engine, until their queue deadline.
            and(eq(stores.step, 'queued'), sql`${stores.deadlineAt} <= ${this.#now()}`),
          ),
          sql`(${stores.leaseExpiresAt} IS NULL OR ${stores.leaseExpiresAt} < ${this.#now()})`,
          sql`(${stores.nextAttemptAt} IS NULL OR ${stores.nextAttemptAt} <= ${this.#now()} OR ${stores.deadlineAt} <= ${this.#now()})`,
        ),
      )
      .orderBy(sql`${stores.nextAttemptAt} ASC NULLS FIRST`, asc(stores.updatedAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await this.#db
      .update(stores)
      .set({
        leaseOwner: owner,
        leaseExpiresAt: sql`${this.#now()} + ${`${leaseMs} milliseconds`}::interval`,
      })
      .where(inArray(stores.id, due))
      .returning();
    return rows.map(toRecord);
  }

  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#db
      .update(stores)
      .set({ leaseExpiresAt: sql`${this.#now()} + ${`${leaseMs} milliseconds`}::interval` })
      .where(and(eq(stores.id, id), eq(stores.leaseOwner, owner)))
      .returning({ id: stores.id });
    return rows.length === 1;
  }

  async update(
    current: Pick<StoreRecord, 'id' | 'status' | 'step'>,
    owner: string,
    patch: StorePatch,
    event?: EventInput,
  ): Promise<StoreRecord | null> {
    const id = current.id;
    return this.#db.transaction(async (tx) => {
      const [row] = await tx.select().from(stores).where(eq(stores.id, id)).for('update');
      // Compare-and-set on the lease and on the state the engine decided from: a worker that lost
      // its lease must not write, and neither may one whose store moved on meanwhile (a delete keeps
      // the lease but turns Provisioning into Deleting: the outcome of a provision step that was
      // running must not land on the teardown, nor make the store Ready).
      if (!row || row.leaseOwner !== owner) return null;
      if (row.status !== current.status || row.step !== current.step) return null;
      const [updated] = await tx
        .update(stores)
        .set({ ...patch, updatedAt: this.#now() })
        .where(eq(stores.id, id))
        .returning();
      if (event) await appendEvent(tx, id, row.status, event, this.#now());
      await notify(tx, id);
      return updated ? toRecord(updated) : null;
    });
  }

  async releaseLease(id: string, owner: string, nextAttemptAt: Date | null): Promise<void> {
    await this.#db
      .update(stores)
      .set({ leaseOwner: null, leaseExpiresAt: null, nextAttemptAt })
      .where(and(eq(stores.id, id), eq(stores.leaseOwner, owner)));
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

  async listInStatus(statuses: StoreStatus[], limit: number): Promise<StoreRecord[]> {
    const rows = await this.#db
      .select()
      .from(stores)
      .where(inArray(stores.status, statuses))
      .orderBy(asc(stores.createdAt), asc(stores.id))
      .limit(limit);
    return rows.map(toRecord);
  }

  async setHealth(
    id: string,
    from: StoreStatus,
    to: StoreStatus,
    reason: { code: ReasonCode; message: string } | null,
    actor: string,
  ): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const [updated] = await tx
        .update(stores)
        .set({
          status: to,
          reasonCode: reason?.code ?? null,
          reasonMessage: reason?.message ?? null,
          updatedAt: this.#now(),
        })
        .where(and(eq(stores.id, id), eq(stores.status, from)))
        .returning({ id: stores.id });
      if (!updated) return false;
      await appendEvent(
        tx,
        id,
        from,
        {
          actor,
          toStatus: to,
          step: null,
          reasonCode: reason?.code ?? null,
          message: reason?.message ?? 'workloads ready again',
        },
        this.#now(),
      );
      await notify(tx, id);
      return true;
    });
  }

  async countInFlight(): Promise<number> {
    const [row] = await this.#db
      .select({ n: sql<number>`count(*)::int` })
      .from(stores)
      .where(inFlight());
    return row?.n ?? 0;
  }
}
