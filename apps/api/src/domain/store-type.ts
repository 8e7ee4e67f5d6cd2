import type { StoreType } from '@urumi/contracts';
import type { NamespacePolicy, NamespaceSnapshot } from './ports.ts';
import type { Reason } from './reasons.ts';
import type { StoreRecord } from './store.ts';

/** The verdict of one readiness check on a namespace snapshot. */
export type StepCheck =
  { kind: 'ready' } | { kind: 'waiting'; detail: string } | { kind: 'failed'; reason: Reason };

/** Readiness steps every store type answers; their order is the provision order. */
export const readinessSteps = ['database', 'app', 'setup'] as const;
export type ReadinessStep = (typeof readinessSteps)[number];

/**
 * Everything the engine needs to know about one kind of store. Adding a store type is a new
 * folder under store-types/ that exports one of these, plus its chart.
 */
export interface StoreTypeDefinition {
  type: StoreType;
  /** Chart folder name under the charts directory. */
  chart: string;
  /** Secrets created before helm runs, each key a fresh random value; the chart references them. */
  secrets: { name: string; keys: readonly string[] }[];
  /** The type's room in its namespace: quota `hard` limits and container defaults. */
  guardrails: {
    quota: NamespacePolicy['quota']['hard'];
    containerDefaults: NamespacePolicy['limitRange']['container'];
  };
  /** Helm values for a store. Never secrets: those live only in the Secrets above. */
  values(store: StoreRecord, context: { host: string }): Record<string, unknown>;
  /**
   * Jobs deleted before every helm upgrade, so a retry runs them again and changed settings do
   * not hit the Job template's immutability. They must be safe to re-run.
   */
  rerunJobs: readonly string[];
  checks: Record<ReadinessStep, (snapshot: NamespaceSnapshot) => StepCheck>;
  /** Path of the store's admin UI, appended to its URL. */
  adminPath: string;
  /**
   * What the verify step requests to prove the store answers: its web Service (the ingress
   * backend) and the pages that must answer below 400 (a redirect is an answer).
   */
  site: { service: string; port: number; pages: readonly { what: string; path: string }[] };
}
