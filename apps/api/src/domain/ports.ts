import type {
  ListStoresQuery,
  ReasonCode,
  StoreEvent,
  StoreStatus,
  StoreStep,
  StoreType,
} from '@urumi/contracts';
import type { StoreRecord } from './store.ts';

/** The deadline of a store that enters `step` now: now plus that step's budget. */
export type DeadlineFor = (step: StoreStep) => Date;

/** A change to apply to a store by the engine, with the event that records it. */
export interface StorePatch {
  status?: StoreStatus;
  step?: StoreStep | null;
  reasonCode?: ReasonCode | null;
  reasonMessage?: string | null;
  stepStartedAt?: Date | null;
  deadlineAt?: Date | null;
  provisionDeadlineAt?: Date | null;
  readyAt?: Date | null;
  deletedAt?: Date | null;
  attempt?: number;
  nextAttemptAt?: Date | null;
}

export interface EventInput {
  actor: string;
  toStatus: StoreStatus;
  step: StoreStep | null;
  reasonCode?: ReasonCode | null;
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
  /**
   * Starts the store's teardown (domain/lifecycle.ts, `delete`); a provision in flight is cancelled
   * by the engine. A store already being deleted, or deleted, is returned as it is.
   */
  requestDelete(id: string, actor: string, deadlineFor: DeadlineFor): Promise<StoreRecord>;
  /**
   * Sends a Failed store back to work (domain/lifecycle.ts, `retry`): to the provisioning queue,
   * or (when its delete had failed) back into teardown. Refused (INVALID_STATE) in any other status.
   */
  retry(id: string, actor: string, deadlineFor: DeadlineFor): Promise<StoreRecord>;

  /**
   * Moves queued stores to their first step while fewer than `maxInFlight` provisions run; the
   * count and the promotion happen under one lock, so parallel engines never exceed the limit.
   */
  promoteQueued(
    maxInFlight: number,
    actor: string,
    deadlines: { step: DeadlineFor; provision: Date },
  ): Promise<number>;
  /**
   * Claims up to `limit` stores that need work (due, or past their deadline) and whose lease is
   * free or expired, with `FOR UPDATE SKIP LOCKED` so parallel engines never claim the same store.
   */
  claim(owner: string, leaseMs: number, limit: number): Promise<StoreRecord[]>;
  renewLease(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /**
   * Applies a patch if `owner` still holds the lease and the store is still in the status and step
   * of `current` (what the caller decided from); returns null otherwise.
   */
  update(
    current: Pick<StoreRecord, 'id' | 'status' | 'step'>,
    owner: string,
    patch: StorePatch,
    event?: EventInput,
  ): Promise<StoreRecord | null>;
  releaseLease(id: string, owner: string, nextAttemptAt: Date | null): Promise<void>;
  countInFlight(): Promise<number>;
  /** Stores in the given statuses, oldest first (the engine's health sweep). */
  listInStatus(statuses: StoreStatus[], limit: number): Promise<StoreRecord[]>;
  /**
   * Moves a store between Ready and Degraded (domain/lifecycle.ts, `degrade` and `recover`) if it
   * is still `from` and not being repaired. No lease is needed: the change is a compare-and-set on
   * the status, so two engines sweeping at once write it once. `deadlineAt`: when a Degraded store
   * is repaired if it has not recovered by then.
   */
  setHealth(
    id: string,
    from: StoreStatus,
    to: StoreStatus,
    reason: { code: ReasonCode; message: string } | null,
    actor: string,
    deadlineAt?: Date | null,
  ): Promise<boolean>;
  /** Number of stores per status, and how many wait in the queue (for metrics). */
  counts(): Promise<{ byStatus: Record<string, number>; queued: number }>;
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
  /** Called when changes may have been missed (the feed's connection was lost and is back). */
  onGap(listener: () => void): () => void;
}

/**
 * Time: what it is, and waking up later. The engine takes both only from here, so a test can run
 * it on a manual clock and a seed replays the same run (test/engine.replay.db.test.ts).
 */
export interface Clock {
  now(): Date;
  /** Calls `fn` once, `ms` from now; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** A namespace for one store, with the guardrails the platform (not the chart) owns. */
export interface NamespaceSpec {
  name: string;
  labels: Record<string, string>;
  /** Applied before anything runs in the namespace (engine/policy.ts decides it). */
  policy: NamespacePolicy;
  /**
   * When the platform runs with least privilege: bind this ClusterRole to the platform's
   * ServiceAccount inside the new namespace, before anything else is created in it.
   */
  grant?: { clusterRole: string; serviceAccount: { namespace: string; name: string } } | undefined;
}

/** A store namespace's guardrails, as data: a ResourceQuota, a LimitRange and NetworkPolicies. */
export interface NamespacePolicy {
  quota: { name: string; hard: Record<string, string> };
  /** Defaults and the maximum per container. */
  limitRange: {
    name: string;
    container: {
      request: Record<string, string>;
      limit: Record<string, string>;
      max: Record<string, string>;
    };
  };
  /** Each selects every pod of the namespace. */
  networkPolicies: NetworkPolicyRule[];
}

export interface NetworkPolicyRule {
  name: string;
  /** A type listed with no rule of its own denies that direction. */
  policyTypes: ('Ingress' | 'Egress')[];
  /** Egress allowed: to the namespaces with these labels, on these ports. */
  egress: {
    toNamespaceLabels: Record<string, string>;
    ports: { protocol: 'TCP' | 'UDP'; port: number }[];
  }[];
}

/** What the engine can see of a store namespace, from watch caches (no API call per look). */
export interface NamespaceSnapshot {
  exists: boolean;
  terminating: boolean;
  statefulSets: WorkloadView[];
  deployments: WorkloadView[];
  jobs: JobView[];
  pods: PodView[];
  volumeClaims: { name: string; phase: string }[];
}

export interface WorkloadView {
  name: string;
  desired: number;
  ready: number;
  available: number;
  upToDate: boolean;
  /** A ReplicaFailure-style condition message, e.g. quota refusals. */
  failure: string | null;
  /**
   * Pods of a StatefulSet still on an old template and not ready. A StatefulSet never replaces
   * such a pod by itself (its rolling update waits for it to become ready), so a retry with a fixed
   * template would hang on it.
   */
  stuckPods: string[];
}

export interface JobView {
  name: string;
  complete: boolean;
  failed: boolean;
  message: string | null;
}

export interface PodView {
  name: string;
  phase: string;
  ready: boolean;
  unschedulable: string | null;
  /** Waiting reasons (ImagePullBackOff, CrashLoopBackOff...) and last termination reasons (OOMKilled). */
  waiting: { reason: string; message: string }[];
  terminated: { reason: string; exitCode: number }[];
  restarts: number;
}

export interface ClusterPort {
  ensureNamespace(spec: NamespaceSpec): Promise<void>;
  /** Creates the Secret when absent; an existing Secret is never changed (passwords are set once). */
  ensureSecret(namespace: string, name: string, generate: () => Record<string, string>): Promise<void>;
  snapshot(namespace: string): NamespaceSnapshot;
  /** Warning events in the namespace (read on demand, for diagnosis). */
  warnings(namespace: string): Promise<{ reason: string; message: string; object: string }[]>;
  deleteVolumeClaims(namespace: string): Promise<void>;
  deletePod(namespace: string, name: string): Promise<void>;
  /** Deletes a Job (and, in the background, its pods) if it exists. */
  deleteJob(namespace: string, name: string): Promise<void>;
  /** Starts deleting the namespace; resolves `gone` once it no longer exists. */
  deleteNamespace(namespace: string): Promise<'gone' | 'deleting'>;
  /** Why a terminating namespace is not gone yet (its status conditions), or null. */
  deletionBlockers(namespace: string): Promise<string | null>;
  /** Calls `listener` with the namespace of every watched change. */
  onChange(listener: (namespace: string) => void): () => void;
  /** Number of open watches (constant, whatever the number of stores). */
  watchCount(): number;
  ping(): Promise<boolean>;
}

export interface ReleaseSpec {
  release: string;
  namespace: string;
  chart: string;
  /** Values (never secrets); written to a file for helm. */
  values: Record<string, unknown>;
  valuesFiles: string[];
}

export interface HelmPort {
  /** The release's status (`deployed`, `pending-install`, ...), or null when there is none. */
  status(release: string, namespace: string): Promise<{ status: string; revision: number } | null>;
  upgradeInstall(spec: ReleaseSpec): Promise<void>;
  rollback(release: string, namespace: string): Promise<void>;
  uninstall(release: string, namespace: string): Promise<void>;
  version(): Promise<string>;
}

/** One page of a store, requested by the verify step to prove the store answers. */
export interface SiteRequest {
  /** The store's host name (`<id>.<base domain>`), sent as the Host header. */
  host: string;
  path: string;
  /** The store's web Service, for platforms that reach stores inside the cluster. */
  service: { namespace: string; name: string; port: number };
}

/** What answered: an HTTP status, or why nothing did (refused, timed out, no such host). */
export type SiteAnswer = { status: number; statusText: string; url: string } | { error: string; url: string };

/** Sends one request to a store (adapters/site): through its ingress host, or to its Service. */
export interface SitePort {
  get(request: SiteRequest): Promise<SiteAnswer>;
}

/** What the engine reports for Prometheus. */
export interface EngineMetrics {
  provisioned(type: string, seconds: number): void;
  failed(type: string, reasonCode: ReasonCode): void;
  reconcileError(step: string): void;
}
