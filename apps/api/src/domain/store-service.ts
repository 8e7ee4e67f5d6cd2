import type { CreateStoreBody, ListStoresQuery, Store, StoreEvent, StoreType } from '@urumi/contracts';
import { notFound } from './errors.ts';
import { deadlines, initialPosition, type StepBudgets } from './lifecycle.ts';
import type { Clock, StoreRepository } from './ports.ts';
import { reasonHint } from './reasons.ts';
import { newStoreId, storeAuthority, storeNamespace } from './store-id.ts';
import { isQueued, type StoreRecord } from './store.ts';

export interface StoreServiceOptions {
  repository: StoreRepository;
  clock: Clock;
  baseDomain: string;
  urlScheme: 'http' | 'https';
  /** The port in store URLs, when not the scheme's own. */
  urlPort?: number;
  /** The store types whose pods are simulated (STORE_PODS): said on each of their stores. */
  simulatedTypes?: readonly StoreType[];
  /** Path of each store type's admin UI, appended to the store URL. */
  adminPaths: Record<StoreType, string>;
  maxStores: number;
  /** Each step's time budget (engine/steps): a deleted or retried store's new step gets its deadline. */
  budgets: StepBudgets;
  /** Makes a new store's id (default: 48 random bits); tests that replay a run give a seeded one. */
  newId?: () => string;
  /** Called after a write, to wake the local engine rather than wait for its next poll. */
  onChange?: () => void;
}

export interface Caller {
  tokenId: string;
  actor: string;
}

const idempotencyTtlMs = 24 * 60 * 60 * 1000;

/** The use cases behind the store routes. */
export class StoreService {
  readonly #o: StoreServiceOptions;

  constructor(options: StoreServiceOptions) {
    this.#o = options;
  }

  async create(
    body: CreateStoreBody,
    caller: Caller,
    idempotency?: { key: string; requestHash: string },
  ): Promise<{ store: Store; replayed: boolean }> {
    const id = (this.#o.newId ?? newStoreId)();
    const now = this.#o.clock.now();
    const { store, replayed } = await this.#o.repository.create({
      id,
      name: body.name ?? `store-${id}`,
      type: body.type,
      actor: caller.actor,
      maxStores: this.#o.maxStores,
      deadlineAt: deadlines(this.#o.budgets, now)(initialPosition.step),
      ...(idempotency && {
        idempotency: {
          tokenId: caller.tokenId,
          key: idempotency.key,
          requestHash: idempotency.requestHash,
          expiresAt: new Date(now.getTime() + idempotencyTtlMs),
        },
      }),
    });
    if (!replayed) this.#o.onChange?.();
    // Read it again: the engine may already have taken it out of the queue.
    return { store: await this.view((await this.#o.repository.get(store.id)) ?? store), replayed };
  }

  async get(id: string): Promise<Store> {
    const record = await this.#o.repository.get(id);
    if (!record) throw notFound(`store ${id}`);
    return this.view(record);
  }

  async list(query: ListStoresQuery): Promise<{ items: Store[]; nextCursor: string | null }> {
    const page = await this.#o.repository.list(query);
    return { items: await this.views(page.items), nextCursor: page.nextCursor };
  }

  async events(id: string): Promise<StoreEvent[]> {
    await this.get(id);
    return this.#o.repository.events(id);
  }

  async delete(id: string, caller: Caller): Promise<Store> {
    const deadlineFor = deadlines(this.#o.budgets, this.#o.clock.now());
    const record = await this.#o.repository.requestDelete(id, caller.actor, deadlineFor);
    this.#o.onChange?.();
    return this.view(record);
  }

  async retry(id: string, caller: Caller): Promise<Store> {
    const deadlineFor = deadlines(this.#o.budgets, this.#o.clock.now());
    const record = await this.#o.repository.retry(id, caller.actor, deadlineFor);
    this.#o.onChange?.();
    return this.view(record);
  }

  async view(record: StoreRecord): Promise<Store> {
    const [store] = await this.views([record]);
    return store!;
  }

  async views(records: StoreRecord[]): Promise<Store[]> {
    const queued = records.filter(isQueued).map((r) => r.id);
    const positions = await this.#o.repository.queuePositions(queued);
    return records.map((r) => toStore(r, positions.get(r.id) ?? null, this.#o));
  }
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function toStore(
  r: StoreRecord,
  queuePosition: number | null,
  o: {
    baseDomain: string;
    urlScheme: 'http' | 'https';
    urlPort?: number;
    simulatedTypes?: readonly StoreType[];
    adminPaths: Record<StoreType, string>;
  },
): Store {
  const url = `${o.urlScheme}://${storeAuthority(`${r.id}.${o.baseDomain}`, o.urlScheme, o.urlPort)}`;
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    status: r.status,
    step: r.step,
    queuePosition,
    reason: r.reasonCode
      ? { code: r.reasonCode, message: r.reasonMessage ?? '', hint: reasonHint(r.reasonCode) }
      : null,
    url,
    adminUrl: `${url}${o.adminPaths[r.type]}`,
    simulated: o.simulatedTypes?.includes(r.type) ?? false,
    namespace: storeNamespace(r.id),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    readyAt: iso(r.readyAt),
    deletedAt: iso(r.deletedAt),
    deadlineAt:
      r.status === 'Ready' || r.status === 'Failed' || r.status === 'Deleted' ? null : iso(r.deadlineAt),
    stepStartedAt: iso(r.stepStartedAt),
  };
}
