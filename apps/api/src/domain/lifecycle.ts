import { provisionSteps, teardownSteps, type StoreStatus, type StoreStep } from '@urumi/contracts';
import type { Desired } from './store.ts';

/**
 * A store's lifecycle, in one table. Every change of a store's status or step is one of these
 * events, decided here by pure functions; the engine and the API ask `transition` what an event
 * does, and the repository only persists the answer (with its deadline, lease and event row).
 */

/** Where a store is: what the table is keyed by. */
export interface Position {
  status: StoreStatus;
  step: StoreStep | null;
  desired: Desired;
}

export const lifecycleEvents = [
  /** The engine: a provisioning slot is free for a store waiting in the queue. */
  'promote',
  /** The engine: the store's current step finished. */
  'step-done',
  /** The engine: a step failed for good, or missed its deadline. */
  'fail',
  /** The API: the owner deletes the store. */
  'delete',
  /** The API: the owner retries a Failed store. */
  'retry',
  /** The engine's health check: a Ready store's workloads stopped being ready. */
  'degrade',
  /** The engine's health check: a Degraded store's workloads are ready again. */
  'recover',
  /** The engine: a Degraded store past its deadline is repaired (its Secrets and release re-applied). */
  'repair',
] as const;
export type LifecycleEvent = (typeof lifecycleEvents)[number];

/**
 * What an event does: the store moves to a position; or it `stay`s where it is, the event having
 * nothing left to do (a delete of a store already being deleted); or the event is `refused` in
 * this position, with the reason in words (the API answers 409 with it).
 */
export type Transition = { kind: 'move'; to: Position } | { kind: 'stay' } | { kind: 'refused'; why: string };

/**
 * The steps a repair runs, in a Degraded store: what a provision does from its Secrets on, each
 * safe to repeat, so missing Secrets are made again and the release re-applied (a deleted or edited
 * workload comes back); then the same readiness and site checks as a new store's.
 */
export const repairSteps = provisionSteps.slice(provisionSteps.indexOf('secrets'));

/** Where every store starts: waiting in the provisioning queue. */
export const initialPosition = {
  status: 'Provisioning',
  step: 'queued',
  desired: 'present',
} as const satisfies Position;

type Rule = (from: Position) => Transition;

function move(status: StoreStatus, step: StoreStep | null, desired: Desired): Transition {
  return { kind: 'move', to: { status, step, desired } };
}

/** The step after the current one in `order`, or `last` when it was the last one. */
function nextIn(order: readonly StoreStep[], last: StoreStatus): Rule {
  return (from) => {
    const index = from.step ? order.indexOf(from.step) : -1;
    if (index < 0) return { kind: 'refused', why: `step ${String(from.step)} is not a ${from.status} step` };
    const next = order[index + 1];
    return next ? move(from.status, next, from.desired) : move(last, null, from.desired);
  };
}

/** A delete from anywhere but the teardown itself starts the teardown from its first step. */
const startTeardown: Rule = () => move('Deleting', teardownSteps[0], 'absent');

/** A Failed store keeps the step it failed at, so the timeline and the API can say where. */
const fail: Rule = (from) => move('Failed', from.step, from.desired);

/** The table: what each event does in each status. An event a status has no rule for is refused. */
const table: Record<StoreStatus, Partial<Record<LifecycleEvent, Rule>>> = {
  Provisioning: {
    promote: (from) =>
      from.step === 'queued'
        ? move('Provisioning', provisionSteps[1], from.desired)
        : { kind: 'refused', why: 'the store has already left the queue' },
    'step-done': (from) =>
      from.step === 'queued'
        ? { kind: 'refused', why: 'a queued store leaves the queue only when promoted' }
        : nextIn(provisionSteps, 'Ready')(from),
    fail,
    delete: startTeardown,
  },
  Ready: {
    delete: startTeardown,
    degrade: (from) => move('Degraded', null, from.desired),
  },
  Degraded: {
    delete: startTeardown,
    // A repair in progress ends Ready through its own checks, not through the health watch.
    recover: (from) =>
      from.step === null
        ? move('Ready', null, from.desired)
        : { kind: 'refused', why: 'the store is being repaired' },
    repair: (from) =>
      from.step === null
        ? move('Degraded', repairSteps[0]!, from.desired)
        : { kind: 'refused', why: 'the store is already being repaired' },
    'step-done': nextIn(repairSteps, 'Ready'),
    fail,
  },
  Failed: {
    delete: startTeardown,
    // A store whose delete failed (TEARDOWN_BLOCKED) is still meant to go: retrying it runs the
    // teardown again from the start (every teardown step is safe to repeat), never a provision.
    retry: (from) =>
      from.desired === 'absent'
        ? move('Deleting', teardownSteps[0], 'absent')
        : move('Provisioning', provisionSteps[0], 'present'),
  },
  Deleting: {
    'step-done': nextIn(teardownSteps, 'Deleted'),
    fail,
    delete: () => ({ kind: 'stay' }),
  },
  Deleted: {
    delete: () => ({ kind: 'stay' }),
  },
};

/** Words for a refusal: "a Ready store cannot be retried". */
const refusedAs: Record<LifecycleEvent, string> = {
  promote: 'leave the queue',
  'step-done': 'finish a step',
  fail: 'fail',
  delete: 'be deleted',
  retry: 'be retried',
  degrade: 'become Degraded',
  recover: 'recover',
  repair: 'be repaired',
};

/** What `event` does to a store at `from`. Pure: the same position and event, the same answer. */
export function transition(from: Position, event: LifecycleEvent): Transition {
  const rule = table[from.status][event];
  if (!rule) {
    const why =
      event === 'retry'
        ? `only a Failed store can be retried; this store is ${from.status}`
        : `a ${from.status} store cannot ${refusedAs[event]}`;
    return { kind: 'refused', why };
  }
  return rule(from);
}

/** The events a status has a rule for (the rest are refused there). */
export function eventsIn(status: StoreStatus): LifecycleEvent[] {
  return lifecycleEvents.filter((event) => table[status][event] !== undefined);
}

/** How long a store may stay at each step before it fails (TIMEOUT): every state has a deadline. */
export type StepBudgets = Readonly<Record<StoreStep, number>>;

/**
 * Deadlines of steps entered at `now`, each `now` plus the step's budget, and never after `cap`
 * (the whole provision's deadline, for a store past the queue).
 */
export function deadlines(budgets: StepBudgets, now: Date, cap?: Date | null): (step: StoreStep) => Date {
  return (step) => {
    const own = now.getTime() + budgets[step];
    return new Date(cap ? Math.min(own, cap.getTime()) : own);
  };
}
