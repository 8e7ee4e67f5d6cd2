import type { Store } from '@urumi/contracts';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Link } from '../../../lib/router.tsx';
import { useStore } from '../api/get-store.ts';
import { reasonTitle, stepInProgress } from '../labels.ts';
import { queueText } from './step-summary.tsx';

function progressText(store: Store): string {
  if (store.status === 'Ready') return 'It is ready.';
  if (store.status === 'Failed')
    return store.reason ? `It failed: ${reasonTitle(store.reason.code)}.` : 'It failed.';
  if (store.status !== 'Provisioning' || !store.step) return `It is ${store.status.toLowerCase()}.`;
  if (store.step === 'queued') return `${queueText(store)}.`;
  return `${stepInProgress[store.step]}.`;
}

/**
 * What happened to the store just created: its place in the queue, then its progress, kept current
 * by the event stream through the store's cache entry.
 */
export function CreationFeedback({ initial, onDismiss }: { initial: Store; onDismiss: () => void }) {
  // The create answer seeded this cache entry, so no request goes out for it.
  const { data } = useStore(initial.id);
  const store = data ?? initial;
  return (
    <Alert tone="success" role="status" className="mt-4" title={`Store ${store.name} created`}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p>
          {progressText(store)}{' '}
          <Link to={`/stores/${store.id}`} className="font-medium underline underline-offset-2">
            Follow its progress
          </Link>
        </p>
        <Button variant="secondary" onClick={onDismiss}>
          Dismiss
        </Button>
      </div>
    </Alert>
  );
}
