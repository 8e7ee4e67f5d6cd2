import type { ReasonCode } from '@urumi/contracts';

/**
 * Why a store failed or is degraded, in plain language with a hint. Codes are part of the API
 * contract; engines derive them from Kubernetes signals (see engine/diagnose.ts).
 */
export const reasons = {
  TIMEOUT: {
    message: 'The store did not become ready before its deadline.',
    hint: 'Retry the store; if it keeps timing out, check the cluster has capacity.',
  },
  SCHEDULING_FAILED: {
    message: 'Kubernetes could not find a node with room for the store.',
    hint: 'Add nodes or free capacity in the cluster, then retry.',
  },
  QUOTA_EXCEEDED: {
    message: "The store's resource quota refused one of its workloads.",
    hint: 'Raise the per-store quota or lower the store resources, then retry.',
  },
  IMAGE_PULL_FAILED: {
    message: 'A container image could not be pulled.',
    hint: 'Check that the image exists and the cluster can reach its registry, then retry.',
  },
  CRASH_LOOP: {
    message: 'A container keeps crashing and restarting.',
    hint: 'Look at the container logs in the store namespace; retry once the cause is fixed.',
  },
  OOM_KILLED: {
    message: 'A container ran out of memory and was killed.',
    hint: 'Raise the memory limit of the store workloads, then retry.',
  },
  VOLUME_PENDING: {
    message: 'A storage volume for the store could not be provisioned.',
    hint: 'Check that the cluster has a default StorageClass that can provision volumes.',
  },
  MIGRATIONS_FAILED: {
    message: 'The database migrations job failed.',
    hint: 'Look at the migrations job logs in the store namespace, fix the cause (often the image or the database), then retry.',
  },
  SETUP_FAILED: {
    message: 'The store setup job failed.',
    hint: 'Look at the setup job logs in the store namespace, then retry.',
  },
  RELEASE_FAILED: {
    message: 'Helm could not install the store.',
    hint: 'The message shows what Helm reported; retry once the cause is fixed.',
  },
  KUBERNETES_ERROR: {
    message: 'The Kubernetes API refused a request for the store.',
    hint: 'The message shows what Kubernetes reported; retry once the cause is fixed.',
  },
  NOT_READY: {
    message: 'A store workload is running but not ready.',
    hint: 'Check the workload readiness probes and logs in the store namespace.',
  },
  PLATFORM_MISCONFIGURED: {
    message: "Urumi's own configuration stops this step.",
    hint: 'An operator must fix the setting the message names (helm binary, kubeconfig, store charts or values), then retry the store.',
  },
  SITE_ERROR: {
    message: 'The store is running, but its site answers with an error.',
    hint: "The message names the page and what it answered; look at the web server's logs in the store namespace, then retry.",
  },
  SITE_UNREACHABLE: {
    message: 'The store is running, but its site cannot be reached.',
    hint: "Check the store's ingress (host, ingress class, DNS) and that the platform can reach it (STORE_SITE_CHECK), then retry.",
  },
  TEARDOWN_BLOCKED: {
    message: 'Deleting the store namespace is blocked.',
    hint: 'The message names what blocks it (usually a finalizer); remove that to let deletion finish.',
  },
} as const satisfies Record<ReasonCode, { message: string; hint: string }>;

export type { ReasonCode };

export interface Reason {
  code: ReasonCode;
  /** The specific message: what Kubernetes or Helm said, made readable. */
  message: string;
}

export function reasonHint(code: ReasonCode): string {
  return reasons[code].hint;
}
