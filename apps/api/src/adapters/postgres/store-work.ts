import type { ReasonCode, StoreStatus, StoreStep } from '@urumi/contracts';
import { and, asc, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { transition } from '../../domain/lifecycle.ts';
import type { DeadlineFor, EventInput, StorePatch } from '../../domain/ports.ts';
import type { StoreRecord } from '../../domain/store.ts';
import type { Db } from './database.ts';
import { stores } from './schema.ts';
import {
  appendEvent,
  inFlight,
  notify,
  notifyQueued,
  promotionLock,
  toRecord,
  waitingInQueue,
  type Now,
} from './store-rows.ts';

/**
 * The engine's side of the stores table: the provisioning queue, claims and leases, and the
 * engine's compare-and-set writes. PostgresStoreRepository extends it with the API's side.
 */
export class StoreWork {
  readonly #db: Db;
  readonly #now: Now;

  constructor(db: Db, now: Now) {
    this.#db = db;
    this.#now = now;
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
            sql`(${stores.deadlineAt} IS NULL OR ${stores.deadlineAt} > ${this.#now.sql()})`,
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
            stepStartedAt: this.#now.sql(),
            deadlineAt: next.to.step ? deadlines.step(next.to.step) : null,
            provisionDeadlineAt: deadlines.provision,
            attempt: 0,
            nextAttemptAt: null,
            updatedAt: this.#now.sql(),
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
            durationMs: row.stepStartedAt ? Math.max(0, this.#now.ms() - row.stepStartedAt.getTime()) : null,
          },
          this.#now.sql(),
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
            and(eq(stores.step, 'queued'), sql`${stores.deadlineAt} <= ${this.#now.sql()}`),
            // Degraded stores being repaired, and those whose deadline says it is time to repair.
            and(
              eq(stores.status, 'Degraded'),
              or(isNotNull(stores.step), sql`${stores.deadlineAt} <= ${this.#now.sql()}`),
            ),
          ),
          sql`(${stores.leaseExpiresAt} IS NULL OR ${stores.leaseExpiresAt} < ${this.#now.sql()})`,
          sql`(${stores.nextAttemptAt} IS NULL OR ${stores.nextAttemptAt} <= ${this.#now.sql()} OR ${stores.deadlineAt} <= ${this.#now.sql()})`,
        ),
      )
      .orderBy(sql`${stores.nextAttemptAt} ASC NULLS FIRST`, asc(stores.updatedAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await this.#db
      .update(stores)
      .set({
        leaseOwner: owner,
        leaseExpiresAt: sql`${this.#now.sql()} + ${`${leaseMs} milliseconds`}::interval`,
      })
      .where(inArray(stores.id, due))
      .returning();
    return rows.map(toRecord);
  }

  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#db
      .update(stores)
      .set({ leaseExpiresAt: sql`${this.#now.sql()} + ${`${leaseMs} milliseconds`}::interval` })
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
        .set({ ...patch, updatedAt: this.#now.sql() })
        .where(eq(stores.id, id))
        .returning();
      if (event) await appendEvent(tx, id, row.status, event, this.#now.sql());
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
    deadlineAt: Date | null = null,
  ): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const [updated] = await tx
        .update(stores)
        .set({
          status: to,
          reasonCode: reason?.code ?? null,
          reasonMessage: reason?.message ?? null,
          deadlineAt,
          updatedAt: this.#now.sql(),
        })
        // Never a store being repaired: its repair ends it, Ready or Failed.
        .where(and(eq(stores.id, id), eq(stores.status, from), isNull(stores.step)))
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
        this.#now.sql(),
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
