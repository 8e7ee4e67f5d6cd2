import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const stores = pgTable(
  'stores',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    status: text('status').notNull(),
    step: text('step'),
    desired: text('desired').notNull().default('present'),
    reasonCode: text('reason_code'),
    reasonMessage: text('reason_message'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    stepStartedAt: at('step_started_at'),
    deadlineAt: at('deadline_at'),
    /** The whole provision's deadline, set when the store leaves the queue; caps every step's. */
    provisionDeadlineAt: at('provision_deadline_at'),
    readyAt: at('ready_at'),
    deletedAt: at('deleted_at'),
    attempt: integer('attempt').notNull().default(0),
    nextAttemptAt: at('next_attempt_at'),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: at('lease_expires_at'),
  },
  (t) => [
    // Names are unique among stores that still exist; a Deleted tombstone frees its name.
    uniqueIndex('stores_live_name_unique')
      .on(t.name)
      .where(sql`${t.status} <> 'Deleted'`),
    index('stores_created_idx').on(t.createdAt, t.id),
    index('stores_status_idx').on(t.status, t.step),
  ],
);

export const storeEvents = pgTable(
  'store_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    storeId: text('store_id')
      .notNull()
      .references(() => stores.id),
    at: at('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    step: text('step'),
    reasonCode: text('reason_code'),
    message: text('message'),
    durationMs: integer('duration_ms'),
  },
  (t) => [index('store_events_store_idx').on(t.storeId, t.id)],
);

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: at('created_at').notNull().defaultNow(),
  revokedAt: at('revoked_at'),
});

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tokenId: text('token_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    storeId: text('store_id').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] })],
);
