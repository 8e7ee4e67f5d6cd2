import {
  provisionSteps,
  storeStatuses,
  teardownSteps,
  type StoreStatus,
  type StoreStep,
} from '@urumi/contracts';
import { describe, expect, it } from 'vitest';
import {
  deadlines,
  eventsIn,
  repairSteps,
  initialPosition,
  lifecycleEvents,
  transition,
  type LifecycleEvent,
  type Position,
  type Transition,
} from '../src/domain/lifecycle.ts';
import type { Desired } from '../src/domain/store.ts';
import { stepBudgets, steps } from '../src/engine/steps/index.ts';

const at = (status: StoreStatus, step: StoreStep | null, desired: Desired): Position => ({
  status,
  step,
  desired,
});
const moveTo = (status: StoreStatus, step: StoreStep | null, desired: Desired): Transition => ({
  kind: 'move',
  to: at(status, step, desired),
});
const stay: Transition = { kind: 'stay' };
const key = (p: Position, event: LifecycleEvent) => `${p.status}/${p.step ?? '-'}/${p.desired} ${event}`;

/** Every position a store can be in. */
const positions: Position[] = [
  ...provisionSteps.map((step) => at('Provisioning', step, 'present')),
  at('Ready', null, 'present'),
  at('Degraded', null, 'present'),
  // A Degraded store being repaired runs the repair steps.
  ...repairSteps.map((step) => at('Degraded', step, 'present')),
  // A Failed store keeps the step it failed at; its desired state says whether a retry provisions.
  ...provisionSteps.map((step) => at('Failed', step, 'present')),
  // A Degraded store that could not be repaired fails with no step.
  at('Failed', null, 'present'),
  ...teardownSteps.map((step) => at('Failed', step, 'absent')),
  ...teardownSteps.map((step) => at('Deleting', step, 'absent')),
  at('Deleted', null, 'absent'),
];

/**
 * Every transition the lifecycle has, written out: the test per transition. Anything not listed
 * here must be refused (checked exhaustively below).
 */
const expected = new Map<string, { from: Position; event: LifecycleEvent; outcome: Transition }>();
const allow = (from: Position, event: LifecycleEvent, outcome: Transition) =>
  expected.set(key(from, event), { from, event, outcome });

allow(at('Provisioning', 'queued', 'present'), 'promote', moveTo('Provisioning', 'namespace', 'present'));
/** Each step of `order`, done, moves to the next; the last one to `last`. */
function walk(status: StoreStatus, order: readonly StoreStep[], last: StoreStatus, desired: Desired) {
  order.forEach((step, index) => {
    const next = order[index + 1];
    allow(
      at(status, step, desired),
      'step-done',
      next ? moveTo(status, next, desired) : moveTo(last, null, desired),
    );
  });
}
walk('Provisioning', provisionSteps.slice(1), 'Ready', 'present');
walk('Deleting', teardownSteps, 'Deleted', 'absent');
walk('Degraded', repairSteps, 'Ready', 'present');
allow(at('Degraded', null, 'present'), 'repair', moveTo('Degraded', 'secrets', 'present'));
for (const from of positions) {
  // A Degraded store fails too: a repair that does not bring it back, or none left to try.
  if (['Provisioning', 'Deleting', 'Degraded'].includes(from.status))
    allow(from, 'fail', moveTo('Failed', from.step, from.desired));
  if (['Provisioning', 'Ready', 'Degraded', 'Failed'].includes(from.status))
    allow(from, 'delete', moveTo('Deleting', 'uninstall', 'absent'));
  if (from.status === 'Deleting' || from.status === 'Deleted') allow(from, 'delete', stay);
  if (from.status === 'Failed')
    allow(
      from,
      'retry',
      from.desired === 'absent'
        ? moveTo('Deleting', 'uninstall', 'absent')
        : moveTo('Provisioning', 'queued', 'present'),
    );
}
allow(at('Ready', null, 'present'), 'degrade', moveTo('Degraded', null, 'present'));
allow(at('Degraded', null, 'present'), 'recover', moveTo('Ready', null, 'present'));

function isPosition(p: Position): boolean {
  return positions.some((q) => q.status === p.status && q.step === p.step && q.desired === p.desired);
}

describe('the store lifecycle', () => {
  it.each([...expected.entries()])('%s', (_name, { from, event, outcome }) => {
    expect(transition(from, event)).toEqual(outcome);
  });

  it('refuses every other event in every position, and moves only to positions a store can be in', () => {
    let checked = 0;
    for (const from of positions) {
      for (const event of lifecycleEvents) {
        const outcome = transition(from, event);
        const listed = expected.get(key(from, event));
        if (listed) expect(outcome, key(from, event)).toEqual(listed.outcome);
        else expect(outcome.kind, key(from, event)).toBe('refused');
        if (outcome.kind === 'move') expect(isPosition(outcome.to), key(from, event)).toBe(true);
        if (outcome.kind !== 'refused') expect(eventsIn(from.status)).toContain(event);
        checked++;
      }
    }
    expect(checked).toBe(positions.length * lifecycleEvents.length);
  });

  it('never brings back a store its owner deleted, and reaches Deleted only through the teardown', () => {
    for (const from of positions.filter((p) => p.desired === 'absent')) {
      for (const event of lifecycleEvents) {
        const outcome = transition(from, event);
        if (outcome.kind !== 'move') continue;
        expect(outcome.to.desired, key(from, event)).toBe('absent');
        expect(['Provisioning', 'Ready', 'Degraded']).not.toContain(outcome.to.status);
      }
    }
    for (const from of positions)
      for (const event of lifecycleEvents) {
        const outcome = transition(from, event);
        if (outcome.kind === 'move' && outcome.to.status === 'Deleted')
          expect(from).toEqual(at('Deleting', 'namespace-delete', 'absent'));
      }
  });

  it('says in words why an event is refused', () => {
    expect(transition(at('Ready', null, 'present'), 'retry')).toEqual({
      kind: 'refused',
      why: 'only a Failed store can be retried; this store is Ready',
    });
    expect(transition(at('Deleted', null, 'absent'), 'degrade')).toEqual({
      kind: 'refused',
      why: 'a Deleted store cannot become Degraded',
    });
  });

  it('covers every status', () => {
    expect(new Set(positions.map((p) => p.status))).toEqual(new Set(storeStatuses));
    for (const status of storeStatuses) expect(eventsIn(status)).toContain('delete');
  });

  it('starts every store in the queue', () => {
    expect(isPosition(initialPosition)).toBe(true);
    expect(transition(initialPosition, 'promote').kind).toBe('move');
  });
});

describe('the steps', () => {
  it('has one module per step, each with a budget and the teardown steps that undo it', () => {
    const all = [...provisionSteps, ...teardownSteps];
    expect(Object.keys(steps).sort()).toEqual([...all].sort());
    for (const id of all) {
      const step = steps[id];
      expect(step.id).toBe(id);
      expect(step.budgetMs).toBeGreaterThan(0);
      for (const undo of step.undoneBy) expect(teardownSteps).toContain(undo);
      if (teardownSteps.includes(id as never)) expect(step.undoneBy).toEqual([]);
    }
    // Every teardown step undoes something a provision made, and what the provision makes is undone.
    const undone = new Set(provisionSteps.flatMap((id) => steps[id].undoneBy));
    expect([...undone].sort()).toEqual([...teardownSteps].sort());
    expect(steps.namespace.undoneBy).toContain('namespace-delete');
    expect(steps.release.undoneBy).toEqual(['uninstall', 'volumes']);
  });

  it("gives each step its own budget unless configured, and caps a deadline by the provision's", () => {
    const budgets = stepBudgets({ queued: 5_000 });
    expect(budgets.queued).toBe(5_000);
    expect(budgets.setup).toBe(steps.setup.budgetMs);
    const now = new Date('2026-01-01T00:00:00Z');
    expect(deadlines(budgets, now)('queued')).toEqual(new Date('2026-01-01T00:00:05Z'));
    const cap = new Date('2026-01-01T00:00:01Z');
    expect(deadlines(budgets, now, cap)('setup')).toEqual(cap);
  });
});
