import type { Store } from '@urumi/contracts';
import { useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { sentence } from '../../../lib/format.ts';
import { useRetryStore } from '../api/retry-store.ts';
import { DeleteStoreDialog } from './delete-store-dialog.tsx';

/**
 * Retry (Failed stores only) and Delete (any store not already going away). Both buttons vanish
 * once they did their job, so `onDone` moves focus somewhere that stays.
 */
export function StoreActions({ store, onDone }: { store: Store; onDone: () => void }) {
  const retry = useRetryStore(store.id);
  const [isDeleteOpen, setIsDeleteOpen] = useState(false);
  const canDelete = store.status !== 'Deleting' && store.status !== 'Deleted';

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-3">
        {store.status === 'Failed' && (
          <Button
            onClick={() => {
              if (!retry.isPending) retry.mutate(undefined, { onSuccess: onDone });
            }}
          >
            {retry.isPending ? 'Retrying…' : 'Retry'}
          </Button>
        )}
        {canDelete && (
          <Button variant="danger" onClick={() => setIsDeleteOpen(true)}>
            Delete…
          </Button>
        )}
      </div>
      {retry.isError && (
        <Alert tone="error" role="alert" title="The retry was refused">
          {sentence(retry.error.message)}
        </Alert>
      )}
      <DeleteStoreDialog
        store={store}
        isOpen={isDeleteOpen}
        onClose={() => setIsDeleteOpen(false)}
        onDeleted={onDone}
      />
    </div>
  );
}
