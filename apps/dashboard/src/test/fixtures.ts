import type { Store, StoreEvent } from '@urumi/contracts';

let counter = 0;

/** A store as the API returns it; ids and creation times are unique and increasing per call. */
export function makeStore(overrides: Partial<Store> = {}): Store {
  counter += 1;
  const id = overrides.id ?? counter.toString(16).padStart(12, '0');
  const createdAt = new Date(Date.UTC(2026, 10, 29, 7, 0, counter)).toISOString();
  return {
    id,
    name: `store-${id}`,
    type: 'woocommerce',
    status: 'Provisioning',
    step: 'release',
    queuePosition: null,
    reason: null,
    url: `http://${id}.localhost`,
    adminUrl: `http://${id}.localhost/wp-admin/`,
    simulated: false,
    namespace: `store-${id}`,
    createdAt,
    updatedAt: createdAt,
    readyAt: null,
    deletedAt: null,
    deadlineAt: null,
    stepStartedAt: new Date(Date.now() - 42_000).toISOString(),
    ...overrides,
  };
}

export function makeEvent(storeId: string, overrides: Partial<StoreEvent> & { id: number }): StoreEvent {
  return {
    storeId,
    at: new Date(Date.UTC(2026, 10, 29, 7, 0, overrides.id)).toISOString(),
    actor: 'engine-1',
    fromStatus: 'Provisioning',
    toStatus: 'Provisioning',
    step: null,
    reasonCode: null,
    message: null,
    durationMs: null,
    ...overrides,
  };
}

/** The same store, changed, with a later updatedAt (as the API would send it). */
export function changed(store: Store, changes: Partial<Store>): Store {
  return { ...store, ...changes, updatedAt: new Date(Date.parse(store.updatedAt) + 60_000).toISOString() };
}
