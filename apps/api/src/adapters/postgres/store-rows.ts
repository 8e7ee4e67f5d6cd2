import type { ReasonCode, StoreStatus, StoreStep, StoreType } from '@urumi/contracts';
import { and, eq, ne, sql, type SQL } from 'drizzle-orm';
import type { Clock, EventInput } from '../../domain/ports.ts';
import type { StoreRecord } from '../../domain/store.ts';
import type { Db } from './database.ts';
import { storeEvents, stores } from './schema.ts';

/** What the store repository's parts share: rows, the queue's conditions, NOTIFY, events, time. */

/** NOTIFY channel carrying the id of every store whose row changed. */
export const storeChangesChannel = 'urumi_store_changes';

// Transaction-scoped advisory locks: one serialises admission, one the promotion out of the queue.
export const admissionLock = 7_201_001;
export const promotionLock = 7_201_002;

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type Row = typeof stores.$inferSelect;

/** Stores waiting in the provisioning queue (domain/store.ts `isQueued`). */
export const waitingInQueue = () => and(eq(stores.status, 'Provisioning'), eq(stores.step, 'queued'));
/** Stores holding a provisioning slot: Provisioning and past the queue. */
export const inFlight = () => and(eq(stores.status, 'Provisioning'), ne(stores.step, 'queued'));

export function toRecord(row: Row): StoreRecord {
  return {
    ...row,
    type: row.type as StoreType,
    status: row.status as StoreStatus,
    step: row.step as StoreStep | null,
    reasonCode: row.reasonCode as ReasonCode | null,
    desired: row.desired === 'absent' ? 'absent' : 'present',
  };
}

export async function notify(tx: Tx, storeId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${storeChangesChannel}, ${storeId})`);
}

/** Every queued store's position may have changed: tell their listeners. */
export async function notifyQueued(tx: Tx): Promise<void> {
  await tx.execute(
    sql`SELECT pg_notify(${storeChangesChannel}, ${stores.id}) FROM ${stores} WHERE ${stores.status} = 'Provisioning' AND ${stores.step} = 'queued'`,
  );
}

export async function appendEvent(
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
/** The time the repository writes and compares with. */
export interface Now {
  sql(): SQL;
  ms(): number;
}

/**
 * `clock` unset: the database's own `now()`, one clock for every replica, so leases never depend on
 * the hosts' clocks agreeing. Tests that replay a run give a manual one.
 */
export function timeFrom(clock: Clock | null): Now {
  return clock
    ? { sql: () => sql`${clock.now().toISOString()}::timestamptz`, ms: () => clock.now().getTime() }
    : { sql: () => sql`now()`, ms: () => Date.now() };
}
