import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { provisionSteps, teardownSteps, type StoreStep } from '@urumi/contracts';
import type { ClusterPort, HelmPort, NamespaceSnapshot, NamespaceSpec, SitePort } from '../domain/ports.ts';
import { ClusterConflict, ConfigurationProblem } from '../domain/errors.ts';
import type { Reason } from '../domain/reasons.ts';
import { storeNamespace } from '../domain/store-id.ts';
import { readinessSteps, type ReadinessStep, type StoreTypeDefinition } from '../domain/store-type.ts';
import type { StoreRecord } from '../domain/store.ts';

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

/** Helm is asked to install a release at most this many times before the store fails. */
const maxReleaseAttempts = 5;

export function releaseName(store: StoreRecord): string {
  return `store-${store.id}`;
}

/** The step after the store's current one, or `ready`/`deleted` when it was the last. */
export function nextStep(store: StoreRecord): StoreStep | 'ready' | 'deleted' {
  const order: readonly StoreStep[] = store.status === 'Deleting' ? teardownSteps : provisionSteps;
  const index = order.indexOf(store.step!);
  const next = order[index + 1];
  if (next) return next;
  return store.status === 'Deleting' ? 'deleted' : 'ready';
}

function secretValue(): string {
  return randomBytes(24).toString('base64url');
}

/** Every step is safe to repeat: create-if-absent, upgrade --install, delete-if-present. */
export async function runStep(c: StepContext): Promise<StepOutcome> {
  const namespace = storeNamespace(c.store.id);
  switch (c.store.step) {
    case 'namespace':
      try {
        await c.cluster.ensureNamespace({
          name: namespace,
          labels: {
            'app.kubernetes.io/managed-by': 'urumi',
            'urumi.io/store-id': c.store.id,
            'urumi.io/store-type': c.store.type,
            // Merchants run plugins, i.e. untrusted code. Every store workload meets the restricted
            // profile (charts/store-woocommerce/README.md, "Pod Security"), so that is what is enforced.
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
          ...c.definition.guardrails,
          grant: c.grant,
        });
      } catch (error) {
        if (error instanceof ClusterConflict)
          return { kind: 'failed', reason: { code: 'KUBERNETES_ERROR', message: error.message } };
        throw error;
      }
      return { kind: 'done' };
    case 'secrets':
      for (const secret of c.definition.secrets) {
        await c.cluster.ensureSecret(namespace, secret.name, () =>
          Object.fromEntries(secret.keys.map((key) => [key, secretValue()])),
        );
      }
      return { kind: 'done' };
    case 'release':
      return installRelease(c, namespace);
    case 'database':
    case 'app':
    case 'setup': {
      const snapshot = c.cluster.snapshot(namespace);
      for (const pod of snapshot.statefulSets.flatMap((s) => s.stuckPods))
        await c.cluster.deletePod(namespace, pod);
      return checkReadiness(c, namespace, c.store.step);
    }
    case 'verify': {
      // Everything must still be ready together: a workload that was ready a moment ago and is not
      // now sends the store back to waiting rather than to Ready.
      for (const step of readinessSteps) {
        const outcome = checkReadiness(c, namespace, step);
        if (outcome.kind !== 'done') return outcome;
      }
      if (c.unasked)
        return { kind: 'done', note: "no HTTP check: this store's pods are simulated (STORE_PODS)" };
      return c.site
        ? checkSite(c, c.site, namespace)
        : { kind: 'done', note: 'no HTTP check (STORE_SITE_CHECK is off)' };
    }
    case 'uninstall':
      if (!c.cluster.snapshot(namespace).exists) return { kind: 'done' };
      await c.helm.uninstall(releaseName(c.store), namespace);
      return { kind: 'done' };
    case 'volumes':
      if (!c.cluster.snapshot(namespace).exists) return { kind: 'done' };
      await c.cluster.deleteVolumeClaims(namespace);
      return { kind: 'done' };
    case 'namespace-delete': {
      if ((await c.cluster.deleteNamespace(namespace)) === 'gone') return { kind: 'done' };
      const blockers = await c.cluster.deletionBlockers(namespace);
      return { kind: 'wait', reason: blockers ? { code: 'TEARDOWN_BLOCKED', message: blockers } : null };
    }
    default:
      return {
        kind: 'failed',
        reason: { code: 'KUBERNETES_ERROR', message: `unknown step ${String(c.store.step)}` },
      };
  }
}

async function installRelease(c: StepContext, namespace: string): Promise<StepOutcome> {
  const release = releaseName(c.store);
  let current = await c.helm.status(release, namespace);
  // A process killed in the middle of helm leaves the release pending-*; helm then refuses to
  // touch it. Repair it: roll back an upgrade, remove a first install, then install again.
  if (current?.status.startsWith('pending-')) {
    if (current.status === 'pending-install' || current.revision <= 1) {
      await c.helm.uninstall(release, namespace);
      // A first install that never finished holds no data: its volumes go too.
      await c.cluster.deleteVolumeClaims(namespace);
      current = null;
    } else await c.helm.rollback(release, namespace);
  }
  // Without a release, anything still in the namespace is an uninstalled one being garbage-collected.
  // Installing now would race it: a new StatefulSet adopts a claim that is about to be deleted under
  // it, and its pod never starts. Wait until it is gone (watch events wake the step).
  if (!current && hasLeftovers(c.cluster.snapshot(namespace))) return { kind: 'wait' };
  for (const job of c.definition.rerunJobs) await c.cluster.deleteJob(namespace, job);
  const chart = join(c.chartsDir, c.definition.chart);
  const profileFile = c.valuesProfile ? join(chart, `values-${c.valuesProfile}.yaml`) : null;
  // Last: the operator's values for this store type only (each chart's schema refuses the others').
  const typeFile = c.typeValuesDir ? join(c.typeValuesDir, `${c.store.type}.yaml`) : null;
  try {
    await c.helm.upgradeInstall({
      release,
      namespace,
      chart,
      values: c.definition.values(c.store, { host: c.host }),
      // The profile and type files are optional; STORE_EXTRA_VALUES_FILE must exist (helm says so).
      valuesFiles: [
        ...(profileFile && existsSync(profileFile) ? [profileFile] : []),
        ...c.extraValuesFiles,
        ...(typeFile && existsSync(typeFile) ? [typeFile] : []),
      ],
    });
  } catch (error) {
    if (error instanceof ConfigurationProblem) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (c.store.attempt + 1 >= maxReleaseAttempts) {
      return { kind: 'failed', reason: { code: 'RELEASE_FAILED', message } };
    }
    return { kind: 'retry', error: message };
  }
  return { kind: 'done' };
}

function hasLeftovers(s: NamespaceSnapshot): boolean {
  return (
    s.statefulSets.length + s.deployments.length + s.jobs.length + s.pods.length + s.volumeClaims.length > 0
  );
}

function checkReadiness(c: StepContext, namespace: string, step: ReadinessStep): StepOutcome {
  const verdict = c.definition.checks[step](c.cluster.snapshot(namespace));
  if (verdict.kind === 'ready') return { kind: 'done' };
  if (verdict.kind === 'failed') return { kind: 'failed', reason: verdict.reason };
  return { kind: 'wait' };
}

/** How soon the verify step asks a store again after a page did not answer (nothing else wakes it). */
const siteRecheckMs = 2_000;

/**
 * Ready means the store answers: every page of its site must answer below 400 (a redirect is an
 * answer; Traefik's 404 for a host it does not route yet is not). Until the step's deadline a
 * page that does not is retried, since an ingress controller takes a moment to route a new host.
 */
async function checkSite(c: StepContext, site: SitePort, namespace: string): Promise<StepOutcome> {
  const { service, port, pages } = c.definition.site;
  const answers = await Promise.all(
    pages.map(async (page) => ({
      page,
      answer: await site.get({ host: c.host, path: page.path, service: { namespace, name: service, port } }),
    })),
  );
  const seen: string[] = [];
  for (const { page, answer } of answers) {
    if ('error' in answer) {
      const message = `${page.what} (GET ${answer.url}) did not answer: ${answer.error}`;
      return { kind: 'wait', reason: { code: 'SITE_UNREACHABLE', message }, recheckMs: siteRecheckMs };
    }
    const status = `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`;
    if (answer.status >= 400 || answer.status < 100) {
      const message = `${page.what} (GET ${answer.url}) answered ${status}`;
      return { kind: 'wait', reason: { code: 'SITE_ERROR', message }, recheckMs: siteRecheckMs };
    }
    seen.push(`${page.what} (GET ${answer.url}) answered ${status}`);
  }
  return { kind: 'done', note: seen.join('; ') };
}
