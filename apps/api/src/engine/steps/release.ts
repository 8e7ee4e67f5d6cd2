import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationProblem } from '../../domain/errors.ts';
import type { NamespaceSnapshot } from '../../domain/ports.ts';
import { storeNamespace } from '../../domain/store-id.ts';
import type { StoreRecord } from '../../domain/store.ts';
import type { Step, StepContext, StepOutcome } from './step.ts';

/** Helm is asked to install a release at most this many times before the store fails. */
const maxReleaseAttempts = 5;

export function releaseName(store: StoreRecord): string {
  return `store-${store.id}`;
}

/** The store's Helm release: `helm upgrade --install` of its type's chart with its values. */
export const release: Step<'release'> = {
  id: 'release',
  run: installRelease,
  budgetMs: 180_000,
  // Uninstalling removes what the chart made; the database's volume claims (a StatefulSet's
  // volumeClaimTemplates) outlive an uninstall and are deleted by `volumes`.
  undoneBy: ['uninstall', 'volumes'],
};

async function installRelease(c: StepContext): Promise<StepOutcome> {
  const namespace = storeNamespace(c.store.id);
  const name = releaseName(c.store);
  let current = await c.helm.status(name, namespace);
  // A process killed in the middle of helm leaves the release pending-*; helm then refuses to
  // touch it. Repair it: roll back an upgrade, remove a first install, then install again.
  if (current?.status.startsWith('pending-')) {
    if (current.status === 'pending-install' || current.revision <= 1) {
      await c.helm.uninstall(name, namespace);
      // A first install that never finished holds no data: its volumes go too.
      await c.cluster.deleteVolumeClaims(namespace);
      current = null;
    } else await c.helm.rollback(name, namespace);
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
      release: name,
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
