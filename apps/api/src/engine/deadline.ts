import type { ClusterPort } from '../domain/ports.ts';
import type { Reason } from '../domain/reasons.ts';
import { storeNamespace } from '../domain/store-id.ts';
import type { StoreRecord } from '../domain/store.ts';
import { diagnose } from './diagnose.ts';

/**
 * Why a store that missed its deadline fails: the most specific reason there is. In the queue,
 * that the slots stayed busy; in teardown, what holds the namespace; in a provision or a repair,
 * what last held the store (why it is Degraded, or a page of its site not answering) (a page of its site not answering), else what the cluster shows,
 * else TIMEOUT naming the step.
 */
export async function missedDeadlineReason(store: StoreRecord, cluster: ClusterPort): Promise<Reason> {
  const namespace = storeNamespace(store.id);
  if (store.step === 'queued')
    return {
      code: 'TIMEOUT',
      message:
        'the store waited in the provisioning queue past its deadline (QUEUE_TIMEOUT_SECONDS): ' +
        'the provisioning slots stayed busy; retry it, or raise MAX_CONCURRENT_PROVISIONS',
    };
  if (store.status === 'Deleting') {
    const blockers = await cluster.deletionBlockers(namespace).catch(() => null);
    return {
      code: 'TEARDOWN_BLOCKED',
      message: blockers ?? `teardown step ${store.step} did not finish in time`,
    };
  }
  if (
    (store.status === 'Provisioning' || store.status === 'Degraded') &&
    store.reasonCode &&
    store.reasonMessage
  )
    return { code: store.reasonCode, message: store.reasonMessage };
  const warnings = await cluster.warnings(namespace).catch(() => []);
  return (
    diagnose(cluster.snapshot(namespace), warnings) ?? {
      code: 'TIMEOUT',
      message: `step ${store.step} did not finish before its deadline`,
    }
  );
}
