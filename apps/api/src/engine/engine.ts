import { randomBytes } from 'node:crypto';
import type { StoreStep, StoreType } from '@urumi/contracts';
import type { Logger } from 'pino';
import type {
  ClusterPort,
  Clock,
  EngineMetrics,
  HelmPort,
  NamespaceSpec,
  SitePort,
  StorePatch,
  StoreRepository,
} from '../domain/ports.ts';
import { ConfigurationProblem } from '../domain/errors.ts';
import { deadlines, transition, type StepBudgets } from '../domain/lifecycle.ts';
import type { Reason } from '../domain/reasons.ts';
import type { StoreTypeDefinition } from '../domain/store-type.ts';
import type { StoreRecord } from '../domain/store.ts';
import { missedDeadlineReason } from './deadline.ts';
import { HealthMonitor } from './health.ts';
import { runStep, type StepContext, type StepOutcome } from './steps/index.ts';

export interface EngineOptions {
  repository: StoreRepository;
  cluster: ClusterPort;
  helm: HelmPort;
  storeTypes: ReadonlyMap<StoreType, StoreTypeDefinition>;
  clock: Clock;
  log: Logger;
  metrics: EngineMetrics;
  chartsDir: string;
  /** `values-<profile>.yaml` of each chart is used when it exists. */
  valuesProfile: 'local' | 'prod' | null;
  extraValuesFiles: string[];
  /** Folder of `<store type>.yaml` files, each merged last into the releases of that type only. */
  typeValuesDir?: string | null;
  baseDomain: string;
  maxInFlight: number;
  leaseMs: number;
  /** Each step's time budget (steps/index.ts `stepBudgets`), capped by the whole provision's. */
  budgets: StepBudgets;
  provisionTimeoutMs: number;
  /** How often the engine looks for work when nothing wakes it. */
  pollIntervalMs?: number;
  /** How long a waiting step sleeps when no watch event arrives before it looks again. */
  recheckMs?: number;
  /** Stores handled at once by this process (most of them just wait on watches). */
  concurrency?: number;
  /** Identifies this process in leases and events. */
  owner?: string;
  /** The jitter of retry backoff (tests replay a run with a seeded one). */
  random?: () => number;
  /** Least-privilege installs: the ClusterRole to bind into each store namespace. */
  grant?: NamespaceSpec['grant'];
  /** How often Ready and Degraded stores are checked against the watch caches. */
  healthIntervalMs?: number;
  /** How long a Degraded store may take to recover by itself before it is repaired. */
  repairAfterMs?: number;
  /** Repairs tried on a store that stays Degraded before it fails. */
  maxRepairs?: number;
  /**
   * Sends the verify step's HTTP requests to each store. Absent or null: stores are not asked
   * (STORE_SITE_CHECK=off), and the verify event says so.
   */
  site?: SitePort | null;
  /** Store types whose stores are not asked: their pods are simulated and serve nothing. */
  unaskedTypes?: readonly StoreType[];
}

/** Exponential backoff for transient errors: 1 s, 2 s, 4 s ... capped at 30 s, with jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

/**
 * The durable reconciler. Desired state lives in the database; the engine claims stores with a
 * lease, looks at the store row and the cluster (never at what woke it), runs the store's current
 * step, and records the outcome. Waiting steps hold their lease and sleep until a watch event for
 * the store's namespace, a re-check timer, or the deadline, so readiness is seen as soon as
 * Kubernetes reports it without polling the API. A process that dies simply stops renewing its
 * leases; another claims the stores when they expire.
 */
export class Engine {
  readonly owner: string;
  readonly #o: EngineOptions;
  readonly #active = new Set<string>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #health: HealthMonitor;
  #wake: (() => void) | null = null;
  #running = false;
  #loop: Promise<void> | null = null;
  #unwatch: (() => void) | null = null;
  #lastHealthSweep = 0;

  constructor(options: EngineOptions) {
    this.#o = options;
    this.owner = options.owner ?? `engine-${randomBytes(4).toString('hex')}`;
    this.#health = new HealthMonitor({
      ...options,
      repairAfterMs: options.repairAfterMs ?? 120_000,
      actor: this.owner,
      busy: (id) => this.#active.has(id) || !this.#running,
    });
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unwatch = this.#o.cluster.onChange((namespace) => this.#notifyNamespace(namespace));
    this.#loop = this.#run();
  }

  /** Stops claiming work, waits for the stores in hand to reach a safe point, and frees their leases. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unwatch?.();
    this.#wake?.();
    this.#health.stop();
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
    await this.#loop;
  }

  /** Looks for work now instead of at the next poll (called after API writes). */
  poke(): void {
    this.#wake?.();
  }

  get activeCount(): number {
    return this.#active.size;
  }

  async #run(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (this.#running) {
      try {
        await this.tick(inFlight);
      } catch (error) {
        this.#o.log.error({ err: error }, 'engine tick failed');
      }
      await new Promise<void>((resolve) => {
        const cancel = this.#o.clock.after(this.#o.pollIntervalMs ?? 1_000, resolve);
        this.#wake = () => {
          cancel();
          resolve();
        };
      });
      this.#wake = null;
    }
    await Promise.allSettled(inFlight);
  }

  /** One pass: let queued stores in while there is room, then claim and start what is due. */
  async tick(inFlight: Set<Promise<void>> = new Set()): Promise<void> {
    const at = this.#o.clock.now();
    const now = at.getTime();
    const provision = new Date(now + this.#o.provisionTimeoutMs);
    await this.#o.repository.promoteQueued(this.#o.maxInFlight, this.owner, {
      step: deadlines(this.#o.budgets, at, provision),
      provision,
    });
    if (now - this.#lastHealthSweep >= (this.#o.healthIntervalMs ?? 5_000)) {
      this.#lastHealthSweep = now;
      await this.#health.sweep();
    }
    const room = (this.#o.concurrency ?? 100) - this.#active.size;
    if (room <= 0) return;
    const claimed = await this.#o.repository.claim(this.owner, this.#o.leaseMs, room);
    for (const store of claimed) {
      this.#active.add(store.id);
      const work = this.#reconcile(store)
        .catch((error: unknown) => this.#o.log.error({ err: error, storeId: store.id }, 'reconcile failed'))
        .finally(() => {
          this.#active.delete(store.id);
          inFlight.delete(work);
        });
      inFlight.add(work);
    }
  }

  #notifyNamespace(namespace: string): void {
    const id = namespace.startsWith('store-') ? namespace.slice('store-'.length) : null;
    const waiters = id ? this.#waiters.get(id) : undefined;
    if (waiters) for (const wake of waiters) wake();
    else if (id) this.#health.soon(id);
  }

  /** Resolves on a watch event for the store's namespace, after `ms`, or on stop. */
  #sleepFor(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, waiters);
      const done = () => {
        cancel();
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(id);
        resolve();
      };
      const cancel = this.#o.clock.after(Math.max(0, ms), done);
      waiters.add(done);
    });
  }

  /** Calls `fn` every `ms` until the returned function is called. */
  #every(ms: number, fn: () => void): () => void {
    let cancel = () => {};
    const schedule = () => {
      cancel = this.#o.clock.after(ms, () => {
        fn();
        schedule();
      });
    };
    schedule();
    return () => cancel();
  }

  #deadlineFor(step: StoreStep, store: StoreRecord, now: Date): Date {
    const cap = store.status === 'Provisioning' ? store.provisionDeadlineAt : null;
    return deadlines(this.#o.budgets, now, cap)(step);
  }

  async #reconcile(claimed: StoreRecord): Promise<void> {
    const log = this.#o.log.child({ storeId: claimed.id });
    const renew = this.#every(Math.max(500, this.#o.leaseMs / 3), () => {
      void this.#o.repository.renewLease(claimed.id, this.owner, this.#o.leaseMs).catch(() => undefined);
    });
    let nextAttemptAt: Date | null = null;
    try {
      let store: StoreRecord | null = claimed;
      while (store && this.#running) {
        const result = await this.#advance(store, log);
        if (result.kind === 'continue') {
          store = result.store;
          continue;
        }
        if (result.kind === 'wait') {
          const now = this.#o.clock.now().getTime();
          const recheck = Math.min(this.#o.recheckMs ?? 10_000, result.recheckMs ?? Infinity);
          const deadline = store.deadlineAt?.getTime() ?? now + recheck;
          await this.#sleepFor(store.id, Math.min(recheck, deadline - now + 10));
          // Look at the row again: a delete may have arrived while we waited.
          store = await this.#o.repository.get(store.id);
          if (store?.leaseOwner !== this.owner) return;
          continue;
        }
        nextAttemptAt = result.nextAttemptAt;
        return;
      }
    } finally {
      renew();
      await this.#o.repository.releaseLease(claimed.id, this.owner, nextAttemptAt).catch(() => undefined);
    }
  }

  /** Runs the store's current step once and records what happened. */
  async #advance(
    store: StoreRecord,
    log: Logger,
  ): Promise<
    | { kind: 'continue'; store: StoreRecord | null }
    | { kind: 'wait'; recheckMs?: number }
    | { kind: 'stop'; nextAttemptAt: Date | null }
  > {
    const definition = this.#o.storeTypes.get(store.type);
    const now = this.#o.clock.now();
    if (!definition) return { kind: 'stop', nextAttemptAt: null };
    if (store.status === 'Degraded' && !store.step) return this.#repair(store, log);
    if (!store.step) return { kind: 'stop', nextAttemptAt: null };
    const context: StepContext = {
      store,
      definition,
      cluster: this.#o.cluster,
      helm: this.#o.helm,
      chartsDir: this.#o.chartsDir,
      valuesProfile: this.#o.valuesProfile,
      extraValuesFiles: this.#o.extraValuesFiles,
      typeValuesDir: this.#o.typeValuesDir ?? null,
      host: `${store.id}.${this.#o.baseDomain}`,
      grant: this.#o.grant,
      site: this.#o.site ?? null,
      unasked: this.#o.unaskedTypes?.includes(store.type) ?? false,
    };

    if (store.deadlineAt && now >= store.deadlineAt) return this.#missedDeadline(store, log);

    let outcome: StepOutcome;
    try {
      outcome = await runStep(context);
    } catch (error) {
      outcome =
        error instanceof ConfigurationProblem
          ? { kind: 'failed', reason: { code: 'PLATFORM_MISCONFIGURED', message: error.message } }
          : { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    switch (outcome.kind) {
      case 'done': {
        const next = transition(store, 'step-done');
        if (next.kind !== 'move') {
          log.error(
            { step: store.step, why: next.kind === 'refused' ? next.why : next.kind },
            'step done refused',
          );
          return { kind: 'stop', nextAttemptAt: null };
        }
        const finished = this.#o.clock.now();
        const duration = finished.getTime() - (store.stepStartedAt ?? now).getTime();
        if (next.to.status === 'Ready')
          return { kind: 'continue', store: await this.#ready(store, duration, outcome.note) };
        if (next.to.status === 'Deleted')
          return { kind: 'continue', store: await this.#deleted(store, duration) };
        const step = next.to.step!;
        const updated = await this.#o.repository.update(
          store,
          this.owner,
          {
            step,
            stepStartedAt: finished,
            deadlineAt: this.#deadlineFor(step, store, finished),
            attempt: 0,
            reasonCode: null,
            reasonMessage: null,
          },
          // Events record the step that finished and how long it took; the row holds the new one.
          {
            actor: this.owner,
            toStatus: next.to.status,
            step: store.step,
            durationMs: duration,
            message: outcome.note ?? null,
          },
        );
        log.info({ step, from: store.step, durationMs: duration }, 'step done');
        return { kind: 'continue', store: updated };
      }
      case 'wait':
        if (outcome.reason !== undefined && (outcome.reason?.message ?? null) !== store.reasonMessage) {
          await this.#o.repository.update(store, this.owner, {
            reasonCode: outcome.reason?.code ?? null,
            reasonMessage: outcome.reason?.message ?? null,
          });
        }
        return { kind: 'wait', recheckMs: outcome.recheckMs };
      case 'retry': {
        const attempt = store.attempt + 1;
        this.#o.metrics.reconcileError(store.step);
        const delay = backoffMs(attempt, this.#o.random);
        log.warn(
          { step: store.step, attempt, delayMs: delay, error: outcome.error },
          'step failed, will retry',
        );
        const at = new Date(now.getTime() + delay);
        await this.#o.repository.update(store, this.owner, { attempt, nextAttemptAt: at });
        return { kind: 'stop', nextAttemptAt: at };
      }
      case 'failed':
        await this.#fail(store, outcome.reason, log);
        return { kind: 'stop', nextAttemptAt: null };
    }
  }

  /**
   * A Degraded store that did not recover by its deadline: repaired (domain/lifecycle.ts, `repair`),
   * its Secrets and release re-applied and then checked like a new store's, at most `maxRepairs`
   * times since it was last Ready; after that it fails with the reason it is Degraded.
   */
  async #repair(
    store: StoreRecord,
    log: Logger,
  ): Promise<{ kind: 'continue'; store: StoreRecord | null } | { kind: 'stop'; nextAttemptAt: null }> {
    const now = this.#o.clock.now();
    if (!store.deadlineAt || now < store.deadlineAt) return { kind: 'stop', nextAttemptAt: null };
    const maxRepairs = this.#o.maxRepairs ?? 3;
    const since = (store.readyAt ?? store.createdAt).getTime();
    const tried = (await this.#o.repository.events(store.id)).filter(
      (e) => e.message?.startsWith('repair ') && Date.parse(e.at) >= since,
    ).length;
    const why = store.reasonMessage ?? 'a store workload is not ready';
    if (tried >= maxRepairs) {
      await this.#fail(
        store,
        {
          code: store.reasonCode ?? 'NOT_READY',
          message: `${why} (still, after ${tried} repair${tried === 1 ? '' : 's'})`,
        },
        log,
      );
      return { kind: 'stop', nextAttemptAt: null };
    }
    const next = transition(store, 'repair');
    if (next.kind !== 'move') return { kind: 'stop', nextAttemptAt: null };
    const step = next.to.step!;
    const updated = await this.#o.repository.update(
      store,
      this.owner,
      { step, stepStartedAt: now, deadlineAt: this.#deadlineFor(step, store, now), attempt: 0 },
      {
        actor: this.owner,
        toStatus: next.to.status,
        step: null,
        reasonCode: store.reasonCode,
        message: `repair ${tried + 1} of ${maxRepairs}: ${why}`,
      },
    );
    log.warn({ step, repair: tried + 1, reason: store.reasonCode }, 'repairing store');
    return { kind: 'continue', store: updated };
  }

  async #missedDeadline(store: StoreRecord, log: Logger): Promise<{ kind: 'stop'; nextAttemptAt: null }> {
    await this.#fail(store, await missedDeadlineReason(store, this.#o.cluster), log);
    return { kind: 'stop', nextAttemptAt: null };
  }

  async #fail(store: StoreRecord, reason: Reason, log: Logger): Promise<void> {
    const next = transition(store, 'fail');
    if (next.kind !== 'move') return;
    const patch: StorePatch = {
      status: next.to.status,
      reasonCode: reason.code,
      reasonMessage: reason.message,
      deadlineAt: null,
      nextAttemptAt: null,
    };
    const updated = await this.#o.repository.update(store, this.owner, patch, {
      actor: this.owner,
      toStatus: next.to.status,
      step: store.step,
      reasonCode: reason.code,
      message: reason.message,
      durationMs: store.stepStartedAt ? this.#o.clock.now().getTime() - store.stepStartedAt.getTime() : null,
    });
    // Refused: the lease was lost, or a delete arrived while the step ran.
    if (!updated) return;
    this.#o.metrics.failed(store.type, reason.code);
    log.warn({ step: store.step, reason: reason.code, message: reason.message }, 'store failed');
  }

  async #ready(store: StoreRecord, durationMs: number, note?: string): Promise<StoreRecord | null> {
    const now = this.#o.clock.now();
    const updated = await this.#o.repository.update(
      store,
      this.owner,
      {
        status: 'Ready',
        step: null,
        readyAt: now,
        deadlineAt: null,
        stepStartedAt: null,
        attempt: 0,
        reasonCode: null,
        reasonMessage: null,
      },
      { actor: this.owner, toStatus: 'Ready', step: store.step, durationMs, message: note ?? null },
    );
    if (!updated) return null;
    // A repaired store was provisioned long ago: only a provision's time is measured.
    if (store.status !== 'Provisioning') {
      this.#o.log.info({ storeId: store.id }, 'store repaired');
      return null;
    }
    const events = await this.#o.repository.events(store.id);
    const promoted = events.findLast(
      (e) => e.step === 'queued' && e.toStatus === 'Provisioning' && e.durationMs !== null,
    );
    if (promoted) this.#o.metrics.provisioned(store.type, (now.getTime() - Date.parse(promoted.at)) / 1000);
    this.#o.log.info({ storeId: store.id }, 'store ready');
    return null;
  }

  async #deleted(store: StoreRecord, durationMs: number): Promise<StoreRecord | null> {
    const now = this.#o.clock.now();
    await this.#o.repository.update(
      store,
      this.owner,
      {
        status: 'Deleted',
        step: null,
        deletedAt: now,
        deadlineAt: null,
        stepStartedAt: null,
        reasonCode: null,
        reasonMessage: null,
      },
      { actor: this.owner, toStatus: 'Deleted', step: store.step, durationMs },
    );
    this.#o.log.info({ storeId: store.id }, 'store deleted');
    return null;
  }
}
