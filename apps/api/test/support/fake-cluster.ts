import { ClusterConflict } from '../../src/domain/errors.ts';
import {
  systemClock,
  type Clock,
  type ClusterPort,
  type HelmPort,
  type NamespaceSnapshot,
  type NamespaceSpec,
  type ReleaseSpec,
  type StoreRepository,
} from '../../src/domain/ports.ts';
import { woocommerceNames } from '../../src/store-types/woocommerce/index.ts';

/**
 * In-memory stand-ins behind the engine's ClusterPort and HelmPort, for property tests of the
 * engine's state machine (the database tier keeps the real repository). One `FakeWorld` is the
 * cluster; each engine process sees it through its own `FakeProcess`, which can be crashed.
 */

/** How a store's workloads behave once its release is installed. */
export type WorkloadHealth = 'pending' | 'ready' | 'setup-failed' | 'crash-loop';

interface Release {
  status: string;
  revision: number;
}

interface Namespace {
  storeId: string;
  terminating: boolean;
  secrets: Set<string>;
  /** The release's workloads and setup Job exist (helm installed them). */
  hasWorkloads: boolean;
  hasSetupJob: boolean;
  hasVolumes: boolean;
  releases: Map<string, Release>;
}

const storeLabel = 'urumi.io/store-id';

/** The fake cluster and helm state, shared by every engine process of one test run. */
export class FakeWorld {
  readonly namespaces = new Map<string, Namespace>();
  /** Every release name ever installed per namespace (more than one is a property violation). */
  readonly installs = new Map<string, Set<string>>();
  /** Broken promises seen synchronously (e.g. two release names in one store namespace). */
  readonly violations: string[] = [];
  readonly #health = new Map<string, WorkloadHealth>();
  readonly #flakyInstalls = new Map<string, number>();
  readonly #blockedDeletions = new Set<string>();
  readonly #listeners = new Set<(namespace: string) => void>();
  readonly #timers = new Set<() => void>();
  readonly helmDelayMs: number;
  readonly namespaceDeleteMs: number;
  /** The time helm takes and namespaces take to go pass on (a manual one replays a run). */
  readonly clock: Clock;

  constructor(options: { helmDelayMs: number; namespaceDeleteMs: number; clock?: Clock }) {
    this.helmDelayMs = options.helmDelayMs;
    this.namespaceDeleteMs = options.namespaceDeleteMs;
    this.clock = options.clock ?? systemClock;
  }

  // --- what the test (the "cluster") does -----------------------------------------------------

  setHealth(storeId: string, health: WorkloadHealth): void {
    this.#health.set(storeId, health);
    this.#emit(`store-${storeId}`);
  }

  /** The next `count` helm installs for this store fail (a transient helm error). */
  failInstalls(storeId: string, count: number): void {
    this.#flakyInstalls.set(storeId, count);
  }

  /** A finalizer keeps the store's namespace in Terminating until `unblockDeletion`. */
  blockDeletion(storeId: string): void {
    this.#blockedDeletions.add(`store-${storeId}`);
  }

  /** The cluster cooperates from now on: everything becomes ready and nothing blocks deletion. */
  cooperate(storeIds: Iterable<string>): void {
    this.#flakyInstalls.clear();
    for (const id of storeIds) this.#health.set(id, 'ready');
    for (const namespace of [...this.#blockedDeletions]) {
      this.#blockedDeletions.delete(namespace);
      if (this.namespaces.get(namespace)?.terminating) this.#finishDeletion(namespace);
    }
    for (const namespace of this.namespaces.keys()) this.#emit(namespace);
  }

  /** Cancels pending namespace deletions' timers (end of a run). */
  dispose(): void {
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#listeners.clear();
  }

  // --- ClusterPort, as seen by one process ------------------------------------------------------

  onChange(listener: (namespace: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  ensureNamespace(spec: NamespaceSpec): void {
    const existing = this.namespaces.get(spec.name);
    if (existing) {
      if (existing.storeId !== spec.labels[storeLabel])
        throw new ClusterConflict(`namespace ${spec.name} belongs to another store`);
      if (existing.terminating) throw new Error(`namespace ${spec.name} is still being deleted`);
      return;
    }
    this.namespaces.set(spec.name, {
      storeId: spec.labels[storeLabel] ?? '',
      terminating: false,
      secrets: new Set(),
      hasWorkloads: false,
      hasSetupJob: false,
      hasVolumes: false,
      releases: new Map(),
    });
    this.#emit(spec.name);
  }

  ensureSecret(namespace: string, name: string): void {
    this.#live(namespace).secrets.add(name);
  }

  snapshot(namespace: string): NamespaceSnapshot {
    const ns = this.namespaces.get(namespace);
    const empty: NamespaceSnapshot = {
      exists: false,
      terminating: false,
      statefulSets: [],
      deployments: [],
      jobs: [],
      pods: [],
      volumeClaims: [],
    };
    if (!ns) return empty;
    const health = this.#health.get(ns.storeId) ?? 'pending';
    const ready = ns.hasWorkloads && health !== 'pending' && health !== 'crash-loop' ? 1 : 0;
    const workload = (name: string) => ({
      name,
      desired: 1,
      ready,
      available: ready,
      upToDate: true,
      failure: null,
      stuckPods: [],
    });
    return {
      ...empty,
      exists: true,
      terminating: ns.terminating,
      statefulSets: ns.hasWorkloads ? [workload(woocommerceNames.database)] : [],
      deployments: ns.hasWorkloads ? [workload(woocommerceNames.app)] : [],
      jobs: ns.hasSetupJob
        ? [
            {
              name: woocommerceNames.setupJob,
              complete: health === 'ready',
              failed: health === 'setup-failed',
              message: health === 'setup-failed' ? 'BackoffLimitExceeded' : null,
            },
          ]
        : [],
      pods:
        ns.hasWorkloads && health === 'crash-loop'
          ? [
              {
                name: `${woocommerceNames.app}-0`,
                phase: 'Running',
                ready: false,
                unschedulable: null,
                waiting: [{ reason: 'CrashLoopBackOff', message: 'back-off restarting' }],
                terminated: [],
                restarts: 5,
              },
            ]
          : [],
      volumeClaims: ns.hasVolumes ? [{ name: `data-${woocommerceNames.database}-0`, phase: 'Bound' }] : [],
    };
  }

  deleteVolumeClaims(namespace: string): void {
    const ns = this.namespaces.get(namespace);
    if (ns) ns.hasVolumes = false;
  }

  deleteJob(namespace: string, name: string): void {
    const ns = this.namespaces.get(namespace);
    if (ns && name === woocommerceNames.setupJob) ns.hasSetupJob = false;
  }

  deleteNamespace(namespace: string): 'gone' | 'deleting' {
    const ns = this.namespaces.get(namespace);
    if (!ns) return 'gone';
    if (!ns.terminating) {
      ns.terminating = true;
      if (!this.#blockedDeletions.has(namespace)) {
        const cancel = this.clock.after(this.namespaceDeleteMs, () => {
          this.#timers.delete(cancel);
          if (!this.#blockedDeletions.has(namespace)) this.#finishDeletion(namespace);
        });
        this.#timers.add(cancel);
      }
    }
    return 'deleting';
  }

  deletionBlockers(namespace: string): string | null {
    return this.#blockedDeletions.has(namespace) && this.namespaces.has(namespace)
      ? 'NamespaceFinalizersRemaining: example.com/finalizer in 1 resource instances'
      : null;
  }

  // --- HelmPort ----------------------------------------------------------------------------------

  releaseStatus(release: string, namespace: string): Release | null {
    const found = this.namespaces.get(namespace)?.releases.get(release);
    return found ? { ...found } : null;
  }

  /**
   * Starts an install: the release is pending until `finish` is called (helm ran to the end) or
   * stays pending forever when the caller dies first, as after a kill -9 in the middle of helm.
   */
  beginInstall(spec: ReleaseSpec): { finish: () => void } {
    const ns = this.#live(spec.namespace);
    const names = this.installs.get(spec.namespace) ?? new Set();
    names.add(spec.release);
    this.installs.set(spec.namespace, names);
    if (names.size > 1 || spec.release !== `store-${ns.storeId}`) {
      this.violations.push(
        `namespace ${spec.namespace} got helm release ${spec.release} (installed so far: ${[...names].join(', ')})`,
      );
    }
    const current = ns.releases.get(spec.release);
    if (current?.status.startsWith('pending-'))
      throw new Error(`another operation (install/upgrade/rollback) is in progress on ${spec.release}`);
    const flaky = this.#flakyInstalls.get(ns.storeId) ?? 0;
    if (flaky > 0) {
      this.#flakyInstalls.set(ns.storeId, flaky - 1);
      throw new Error(`helm: the server is currently unable to handle the request (${spec.release})`);
    }
    const release: Release = current
      ? { status: 'pending-upgrade', revision: current.revision + 1 }
      : { status: 'pending-install', revision: 1 };
    ns.releases.set(spec.release, release);
    return {
      finish: () => {
        release.status = 'deployed';
        ns.hasWorkloads = true;
        ns.hasSetupJob = true;
        ns.hasVolumes = true;
        this.#emit(spec.namespace);
      },
    };
  }

  rollback(release: string, namespace: string): void {
    const found = this.namespaces.get(namespace)?.releases.get(release);
    if (!found) throw new Error(`release ${release} not found`);
    found.status = 'deployed';
    found.revision += 1;
  }

  uninstall(release: string, namespace: string): void {
    const ns = this.namespaces.get(namespace);
    if (!ns?.releases.delete(release)) return;
    ns.hasWorkloads = false;
    ns.hasSetupJob = false;
    this.#emit(namespace);
  }

  // --- internals -----------------------------------------------------------------------------------

  #live(namespace: string): Namespace {
    const ns = this.namespaces.get(namespace);
    if (!ns) throw new Error(`namespaces "${namespace}" not found`);
    if (ns.terminating)
      throw new Error(`namespace ${namespace} is being terminated: new content may not be created in it`);
    return ns;
  }

  #finishDeletion(namespace: string): void {
    // Helm keeps its release records in the namespace: they go with it.
    this.namespaces.delete(namespace);
    this.#emit(namespace);
  }

  #emit(namespace: string): void {
    for (const listener of [...this.#listeners]) listener(namespace);
  }
}

/** An error every port call of a crashed process ends with (it never sees a result again). */
export class ProcessCrashed extends Error {
  override name = 'ProcessCrashed';
}

/**
 * One engine process's view of the world. `crash()` is a kill -9: from then on every call it makes
 * rejects (even one whose effect already happened), helm calls in progress never finish (their
 * release stays pending-*), and it gets no more watch events. Nothing is released or cleaned up.
 */
export class FakeProcess {
  #crashed = false;
  readonly #world: FakeWorld;

  constructor(world: FakeWorld) {
    this.#world = world;
  }

  get crashed(): boolean {
    return this.#crashed;
  }

  crash(): void {
    this.#crashed = true;
  }

  #check(): void {
    if (this.#crashed) throw new ProcessCrashed('this process was killed');
  }

  async #call<T>(action: () => T): Promise<T> {
    this.#check();
    await Promise.resolve();
    this.#check();
    const result = action();
    await Promise.resolve();
    this.#check();
    return result;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#world.clock.after(ms, resolve));
  }

  cluster(): ClusterPort {
    const world = this.#world;
    return {
      ensureNamespace: (spec) => this.#call(() => world.ensureNamespace(spec)),
      ensureSecret: (namespace, name) => this.#call(() => world.ensureSecret(namespace, name)),
      snapshot: (namespace) => {
        this.#check();
        return world.snapshot(namespace);
      },
      warnings: () => this.#call(() => []),
      deleteVolumeClaims: (namespace) => this.#call(() => world.deleteVolumeClaims(namespace)),
      deletePod: () => this.#call(() => undefined),
      deleteJob: (namespace, name) => this.#call(() => world.deleteJob(namespace, name)),
      deleteNamespace: (namespace) => this.#call(() => world.deleteNamespace(namespace)),
      deletionBlockers: (namespace) => this.#call(() => world.deletionBlockers(namespace)),
      onChange: (listener) =>
        world.onChange((namespace) => {
          if (!this.#crashed) listener(namespace);
        }),
      watchCount: () => 5,
      ping: () => this.#call(() => true),
    };
  }

  helm(): HelmPort {
    const world = this.#world;
    return {
      status: (release, namespace) => this.#call(() => world.releaseStatus(release, namespace)),
      upgradeInstall: async (spec) => {
        const install = await this.#call(() => world.beginInstall(spec));
        await this.#sleep(world.helmDelayMs);
        this.#check();
        install.finish();
      },
      rollback: (release, namespace) => this.#call(() => world.rollback(release, namespace)),
      uninstall: async (release, namespace) => {
        this.#check();
        await this.#sleep(world.helmDelayMs / 2);
        return this.#call(() => world.uninstall(release, namespace));
      },
      version: () => this.#call(() => 'v3.fake'),
    };
  }

  /** The repository as this process uses it: after the crash nothing it sends or awaits gets through. */
  repository(inner: StoreRepository): StoreRepository {
    return new Proxy(inner, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          this.#check();
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          this.#check();
          return result;
        };
      },
    });
  }
}
