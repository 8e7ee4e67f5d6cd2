import { provisionSteps, teardownSteps, type Store, type StoreEvent, type StoreStep } from '@urumi/contracts';
import { formatDuration } from '../../../lib/format.ts';
import { stepNames } from '../labels.ts';
import { Elapsed } from './elapsed.tsx';

type StepState = 'done' | 'current' | 'failed' | 'pending';

export function isTeardown(store: Store): boolean {
  if (store.status === 'Deleting' || store.status === 'Deleted') return true;
  return store.status === 'Failed' && (teardownSteps as readonly string[]).includes(store.step ?? '');
}

function stepStates(store: Store, steps: readonly StoreStep[]): StepState[] {
  if (store.status === 'Ready' || store.status === 'Degraded' || store.status === 'Deleted') {
    return steps.map(() => 'done');
  }
  const current = store.step ? steps.indexOf(store.step) : -1;
  return steps.map((_, i) => {
    if (current === -1 || i > current) return 'pending';
    if (i < current) return 'done';
    return store.status === 'Failed' ? 'failed' : 'current';
  });
}

/**
 * Each step's duration in the current attempt: the events after the last request that started one
 * (create and retry go to Provisioning, delete to Deleting; health changes start nothing).
 */
function durations(events: StoreEvent[]): Map<StoreStep, number> {
  const lastRequest = events.findLastIndex(
    (e) => e.step === null && (e.toStatus === 'Provisioning' || e.toStatus === 'Deleting'),
  );
  const result = new Map<StoreStep, number>();
  for (const e of events.slice(lastRequest + 1)) {
    if (e.step && e.durationMs !== null) result.set(e.step, e.durationMs);
  }
  return result;
}

const marks: Record<StepState, { icon: string; label: string; className: string }> = {
  done: { icon: '✓', label: 'done', className: 'bg-green-700 text-white' },
  current: { icon: '•', label: 'in progress', className: 'bg-blue-700 text-white motion-safe:animate-pulse' },
  failed: { icon: '✕', label: 'failed', className: 'bg-red-700 text-white' },
  pending: { icon: '', label: 'not started', className: 'border border-slate-400 bg-white' },
};

/** The steps of a provision or a teardown, each done, in progress, failed or not started. */
export function StepProgress({ store, events }: { store: Store; events: StoreEvent[] }) {
  const steps = isTeardown(store) ? teardownSteps : provisionSteps;
  const states = stepStates(store, steps);
  const took = durations(events);
  return (
    <ol aria-label={isTeardown(store) ? 'Teardown steps' : 'Provisioning steps'} className="space-y-2">
      {steps.map((step, i) => {
        const state = states[i] ?? 'pending';
        const mark = marks[state];
        const duration = took.get(step);
        return (
          <li key={step} className="flex items-center gap-3 text-sm">
            <span
              aria-hidden="true"
              className={`flex size-6 shrink-0 items-center justify-center rounded-full text-xs font-bold ${mark.className}`}
            >
              {mark.icon}
            </span>
            <span className={state === 'pending' ? 'text-slate-600' : 'font-medium text-slate-900'}>
              {stepNames[step]}
              <span className="sr-only">: {mark.label}</span>
            </span>
            <span className="ml-auto text-slate-700 tabular-nums">
              {state === 'current' && store.stepStartedAt ? (
                <Elapsed since={store.stepStartedAt} />
              ) : duration !== undefined && state !== 'pending' ? (
                formatDuration(duration)
              ) : null}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
