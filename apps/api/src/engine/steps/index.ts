import type { StoreStep } from '@urumi/contracts';
import type { StepBudgets } from '../../domain/lifecycle.ts';
import { namespace } from './namespace.ts';
import { queued } from './queued.ts';
import { app, database, setup } from './readiness.ts';
import { release } from './release.ts';
import { secrets } from './secrets.ts';
import type { Step, StepContext, StepOutcome } from './step.ts';
import { namespaceDelete, uninstall, volumes } from './teardown.ts';
import { verify } from './verify.ts';

export type { Step, StepContext, StepOutcome } from './step.ts';
export { releaseName } from './release.ts';

/** Every step, by id. Their order is the lifecycle's (domain/lifecycle.ts). */
export const steps: { readonly [Id in StoreStep]: Step<Id> } = {
  queued,
  namespace,
  secrets,
  release,
  database,
  app,
  setup,
  verify,
  uninstall,
  volumes,
  'namespace-delete': namespaceDelete,
};

/** Runs the store's current step once. */
export function runStep(c: StepContext): Promise<StepOutcome> {
  if (!c.store.step) {
    return Promise.resolve({
      kind: 'failed',
      reason: { code: 'KUBERNETES_ERROR', message: `a ${c.store.status} store has no step to run` },
    });
  }
  return steps[c.store.step].run(c);
}

/** Each step's budget: its own, unless configured (config.ts `stepBudgetOverrides`). */
export function stepBudgets(overrides: Partial<Record<StoreStep, number>> = {}): StepBudgets {
  const budgets = {} as Record<StoreStep, number>;
  for (const step of Object.values(steps)) budgets[step.id] = overrides[step.id] ?? step.budgetMs;
  return budgets;
}
