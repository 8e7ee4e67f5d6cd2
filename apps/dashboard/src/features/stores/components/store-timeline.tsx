import type { StoreEvent } from '@urumi/contracts';
import { Alert } from '../../../components/ui/alert.tsx';
import { formatDuration, formatTime, sentence } from '../../../lib/format.ts';
import { reasonTitle, stepDone, stepNames } from '../labels.ts';

const requests: Record<string, string> = {
  created: 'Store created',
  'delete requested': 'Deletion requested',
  'retry requested': 'Retry requested',
};

function why(event: StoreEvent): string | null {
  const parts = [event.reasonCode && reasonTitle(event.reasonCode), event.message && sentence(event.message)];
  return parts.filter(Boolean).join(': ') || null;
}

function describe(event: StoreEvent): { title: string; detail: string | null; isFailure: boolean } {
  if (event.step === null) {
    if (event.toStatus === 'Degraded')
      return { title: 'Store degraded', detail: why(event), isFailure: true };
    if (event.fromStatus === 'Degraded' && event.toStatus === 'Ready') {
      return { title: 'Store recovered', detail: null, isFailure: false };
    }
    const request = requests[event.message ?? ''];
    if (request) return { title: request, detail: `by ${event.actor}`, isFailure: false };
    const title = sentence(event.message ?? `${event.fromStatus ?? 'new'} → ${event.toStatus}`);
    return { title, detail: null, isFailure: false };
  }
  if (event.toStatus === 'Failed') {
    return { title: `${stepNames[event.step]} failed`, detail: why(event), isFailure: true };
  }
  const end =
    event.toStatus === 'Ready' ? ' — store ready' : event.toStatus === 'Deleted' ? ' — store deleted' : '';
  return { title: `${stepDone[event.step]}${end}`, detail: null, isFailure: false };
}

export interface StoreTimelineProps {
  events: StoreEvent[] | undefined;
  error: Error | null;
  onRetry: () => void;
}

/** The store's history: requests, each finished step with how long it took, health changes. */
export function StoreTimeline({ events, error, onRetry }: StoreTimelineProps) {
  return (
    <section
      aria-labelledby="timeline-heading"
      className="rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
    >
      <h2 id="timeline-heading" className="text-lg font-semibold text-slate-900">
        Timeline
      </h2>
      {error && !events && (
        <Alert tone="error" role="alert" className="mt-3" title="The timeline could not be loaded">
          {sentence(error.message)}{' '}
          <button type="button" className="font-medium underline" onClick={onRetry}>
            Try again
          </button>
        </Alert>
      )}
      {!events && !error && (
        <p role="status" className="mt-3 text-sm text-slate-600">
          Loading the timeline…
        </p>
      )}
      {events && (
        <ol aria-labelledby="timeline-heading" className="mt-3 space-y-3 border-l-2 border-slate-200 pl-4">
          {events.map((event) => {
            const { title, detail, isFailure } = describe(event);
            return (
              <li key={event.id} className="text-sm">
                <div className="flex flex-wrap items-baseline gap-x-3">
                  <time dateTime={event.at} className="text-xs text-slate-600 tabular-nums">
                    {formatTime(event.at)}
                  </time>
                  <span className={`font-medium ${isFailure ? 'text-red-800' : 'text-slate-900'}`}>
                    {title}
                  </span>
                  {event.durationMs !== null && (
                    <span className="text-slate-700 tabular-nums">
                      <span className="sr-only">took </span>
                      {formatDuration(event.durationMs)}
                    </span>
                  )}
                </div>
                {detail && <p className="mt-0.5 break-words text-slate-700">{detail}</p>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
