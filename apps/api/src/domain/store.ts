import type { ReasonCode, StoreStatus, StoreStep, StoreType } from '@urumi/contracts';

/** What the owner wants: the store to exist, or to be gone. The engine converges to it. */
export type Desired = 'present' | 'absent';

/** A store as the engine and repository see it (the API shows a projection of it). */
export interface StoreRecord {
  id: string;
  name: string;
  type: StoreType;
  status: StoreStatus;
  step: StoreStep | null;
  desired: Desired;
  reasonCode: ReasonCode | null;
  reasonMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** When the current step began; with `deadlineAt` it bounds every non-terminal state. */
  stepStartedAt: Date | null;
  deadlineAt: Date | null;
  /** The whole provision's deadline, set when the store leaves the queue; caps every step's. */
  provisionDeadlineAt: Date | null;
  readyAt: Date | null;
  deletedAt: Date | null;
  /** Attempts of the current step that failed transiently. */
  attempt: number;
  /** The engine looks at the store again no sooner than this (backoff, or a periodic re-check). */
  nextAttemptAt: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
}

/**
 * A store waits in the provisioning queue while it is Provisioning at the `queued` step, and is in
 * flight (holding one of MAX_CONCURRENT_PROVISIONS slots) once it has left it. The repository's
 * SQL says the same (adapters/postgres/store-repository.ts: `waitingInQueue`, `inFlight`).
 */
export function isQueued(r: { status: string; step: string | null }): boolean {
  return r.status === 'Provisioning' && r.step === 'queued';
}

export const terminalStatuses: ReadonlySet<StoreStatus> = new Set(['Ready', 'Failed', 'Deleted']);

/** Statuses that count against MAX_STORES: everything but the Deleted tombstone. */
export const activeStatuses: readonly StoreStatus[] = [
  'Provisioning',
  'Ready',
  'Degraded',
  'Failed',
  'Deleting',
];
