import type { StoreStep } from '@urumi/contracts';
import type { ClusterPort, HelmPort, NamespaceSpec, SitePort } from '../../domain/ports.ts';
import type { Reason } from '../../domain/reasons.ts';
import type { StoreTypeDefinition } from '../../domain/store-type.ts';
import type { StoreRecord } from '../../domain/store.ts';

export interface StepContext {
  store: StoreRecord;
  definition: StoreTypeDefinition;
  cluster: ClusterPort;
  helm: HelmPort;
  chartsDir: string;
  valuesProfile: 'local' | 'prod' | null;
  extraValuesFiles: string[];
  typeValuesDir: string | null;
  host: string;
  grant?: NamespaceSpec['grant'];
  /** Sends the verify step's requests; null when STORE_SITE_CHECK is off. */
  site: SitePort | null;
  /** The store's pods are simulated (STORE_PODS) and nothing answers: its site is not asked. */
  unasked: boolean;
}

/**
 * What one run of a step found. `done` may say what it saw (recorded on the step's event). `wait`
 * holds the store until something changes (a watch event or the re-check timer, sooner with
 * `recheckMs`); its `reason` is what holds the store now, shown while it waits and given if the
 * deadline passes (null clears it). `retry` is a transient error, retried with backoff until the
 * step's deadline.
 */
export type StepOutcome =
  | { kind: 'done'; note?: string }
  | { kind: 'wait'; reason?: Reason | null; recheckMs?: number }
  | { kind: 'retry'; error: string }
  | { kind: 'failed'; reason: Reason };

/**
 * One step of a store's life. Where it sits in the order and what follows it is the lifecycle's
 * (domain/lifecycle.ts); what it does, how long it may take and how it is undone is here.
 */
export interface Step<Id extends StoreStep = StoreStep> {
  id: Id;
  /**
   * Does the step's work once. Every step is safe to repeat (create-if-absent, upgrade --install,
   * delete-if-present): a process killed in the middle runs it again from the start.
   */
  run(c: StepContext): Promise<StepOutcome>;
  /** How long the store may stay at this step before it fails with TIMEOUT (configurable). */
  budgetMs: number;
  /**
   * How what the step makes is removed when the store is deleted: the teardown steps that do it.
   * Empty for a step that makes nothing of its own (it waits, or checks), and for the teardown
   * steps themselves, which undo rather than being undone.
   */
  undoneBy: readonly StoreStep[];
}
