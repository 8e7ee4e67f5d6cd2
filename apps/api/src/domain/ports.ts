import type { ListStoresQuery, StoreEvent, StoreStatus, StoreStep, StoreType } from '@urumi/contracts';
import type { StoreRecord } from './store.ts';

/** A change to apply to a store by the engine, with the event that records it. */
export interface StorePatch {
  status?: StoreStatus;
  step?: StoreStep | null;
  reasonCode?: string | null;
  reasonMessage?: string | null;
  stepStartedAt?: Date | null;
  deadlineAt?: Date | null;
  readyAt?: Date | null;
  deletedAt?: Date | null;
  attempt?: number;
  nextAttemptAt?: Date | null;
}

export interface EventInput {
  actor: string;
  toStatus: StoreStatus;
  step: StoreStep | null;
  reasonCode?: string | null;
  message?: string | null;
  durationMs?: number | null;
}

export interface CreateStoreInput {
  id: string;
  name: string;
  type: StoreType;
  actor: string;
  /** Admission limit on stores that are not Deleted. */
  maxStores: number;
  deadlineAt: Date;
  idempotency?: { tokenId: string; key: string; requestHash: string; expiresAt: Date };
}

/**
 * Stores, their events and admission, in one database. Every write that changes a store also
 * appends its event and notifies the change feed, in the same transaction.
 */
export interface StoreRepository {
  /**
   * Admits and inserts a store atomically: holds MAX_STORES under any number of parallel calls,
   * refuses a taken name, and replays an earlier result for the same idempotency key and body.
   * Throws DomainError (STORE_LIMIT_REACHED, NAME_TAKEN, IDEMPOTENCY_KEY_REUSED).
   */
  create(input: CreateStoreInput): Promise<{ store: StoreRecord; replayed: boolean }>;
  get(id: string): Promise<StoreRecord | null>;
  list(query: ListStoresQuery): Promise<{ items: StoreRecord[]; nextCursor: string | null }>;
  events(id: string): Promise<StoreEvent[]>;
  /** 1-based positions of the given queued stores in the provisioning queue (oldest first). */
  queuePositions(ids: string[]): Promise<Map<string, number>>;
  /** Marks a store for deletion (status Deleting); a provision in flight is cancelled by the engine. */
  requestDelete(id: string, actor: string, deadlineAt: Date): Promise<StoreRecord>;
  /** Sends a Failed store back to the queue. */
  retry(id: string, actor: string, deadlineAt: Date): Promise<StoreRecord>;

  /**
   * Moves queued stores to their first step while fewer than `maxInFlight` provisions run; the
   * count and the promotion happen under one lock, so parallel engines never exceed the limit.
   */
  promoteQueued(maxInFlight: number, actor: string, deadlineFor: (step: StoreStep) => Date): Promise<number>;
  /**
   * Claims up to `limit` stores that need work (due, or past their deadline) and whose lease is
   * free or expired, with `FOR UPDATE SKIP LOCKED` so parallel engines never claim the same store.
   */
  claim(owner: string, leaseMs: number, limit: number): Promise<StoreRecord[]>;
  renewLease(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Applies a patch if `owner` still holds the lease; returns null when it lost it. */
  update(id: string, owner: string, patch: StorePatch, event?: EventInput): Promise<StoreRecord | null>;
  releaseLease(id: string, owner: string, nextAttemptAt: Date | null): Promise<void>;
  countInFlight(): Promise<number>;
}

export interface ApiToken {
  id: string;
  name: string;
}

export interface TokenRepository {
  /** Finds a live token by the hash of its secret. */
  findByHash(hash: string): Promise<ApiToken | null>;
  create(token: { id: string; name: string; hash: string }): Promise<void>;
  count(): Promise<number>;
}

/** Store ids whose row changed, from any process on the same database. */
export interface ChangeFeed {
  subscribe(listener: (storeId: string) => void): () => void;
}

/** The time, as a seam for tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
