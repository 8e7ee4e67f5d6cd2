import type { StoreType } from '@urumi/contracts';
import type { Logger } from 'pino';
import { transition } from '../domain/lifecycle.ts';
import type { ClusterPort, Clock, StoreRepository } from '../domain/ports.ts';
import type { Reason } from '../domain/reasons.ts';
import { storeNamespace } from '../domain/store-id.ts';
import type { StoreTypeDefinition } from '../domain/store-type.ts';
import type { StoreRecord } from '../domain/store.ts';
import { diagnose } from './diagnose.ts';

export interface HealthOptions {
  repository: StoreRepository;
  cluster: ClusterPort;
  storeTypes: ReadonlyMap<StoreType, StoreTypeDefinition>;
  clock: Clock;
  log: Logger;
  /** How long a Degraded store may take to recover by itself before it is repaired. */
  repairAfterMs: number;
  /** Who writes the health events (the engine's owner id). */
  actor: string;
  /** Whether a store is not to be checked now: a step works on it, or the engine is stopping. */
  busy: (id: string) => boolean;
}

/**
 * The health of Ready and Degraded stores, from the watch caches only: a Ready store whose
 * long-running workloads stop being ready becomes Degraded (with the reason the cluster shows), a
 * Degraded store that recovers becomes Ready again (domain/lifecycle.ts, `degrade`, `recover`).
 */
export class HealthMonitor {
  readonly #o: HealthOptions;
  /** Stores whose health is checked shortly, each with the cancel of its timer. */
  readonly #pending = new Map<string, () => void>();

  constructor(options: HealthOptions) {
    this.#o = options;
  }

  /** Checks every Ready and Degraded store (the periodic sweep). */
  async sweep(): Promise<void> {
    const stores = await this.#o.repository.listInStatus(['Ready', 'Degraded'], 2_000);
    for (const store of stores) await this.check(store);
  }

  /**
   * A watch event for a store that no step is waiting on: check its health soon (after the burst
   * of events one change makes), so a database pod that is back within seconds still shows as
   * Degraded in between, and recovery is seen at once rather than at the next sweep.
   */
  soon(id: string): void {
    if (this.#pending.has(id) || this.#o.busy(id)) return;
    const cancel = this.#o.clock.after(200, () => {
      this.#pending.delete(id);
      if (this.#o.busy(id)) return;
      this.#o.repository
        .get(id)
        .then((store) => (store ? this.check(store) : undefined))
        .catch((error: unknown) => this.#o.log.warn({ err: error, storeId: id }, 'health check failed'));
    });
    this.#pending.set(id, cancel);
  }

  /** Cancels the checks not yet made. */
  stop(): void {
    for (const cancel of this.#pending.values()) cancel();
    this.#pending.clear();
  }

  async check(store: StoreRecord): Promise<void> {
    const definition = this.#o.storeTypes.get(store.type);
    if (!definition) return;
    const snapshot = this.#o.cluster.snapshot(storeNamespace(store.id));
    const unhealthy = [definition.checks.database(snapshot), definition.checks.app(snapshot)].find(
      (check) => check.kind !== 'ready',
    );
    const healthy = snapshot.exists && !unhealthy;
    const next = transition(store, healthy ? 'recover' : 'degrade');
    if (next.kind !== 'move') return;
    const { repository, actor, log } = this.#o;
    if (next.to.status === 'Degraded') {
      const reason: Reason = snapshot.exists
        ? (diagnose(snapshot) ?? {
            code: 'NOT_READY',
            message: unhealthy?.kind === 'waiting' ? unhealthy.detail : 'a store workload is no longer ready',
          })
        : { code: 'KUBERNETES_ERROR', message: `namespace ${storeNamespace(store.id)} no longer exists` };
      const repairAt = new Date(this.#o.clock.now().getTime() + this.#o.repairAfterMs);
      await repository.setHealth(store.id, store.status, next.to.status, reason, actor, repairAt);
      log.warn({ storeId: store.id, reason: reason.code }, 'store degraded');
    } else {
      await repository.setHealth(store.id, store.status, next.to.status, null, actor);
      log.info({ storeId: store.id }, 'store recovered');
    }
  }
}
