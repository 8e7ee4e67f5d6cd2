import type { Store } from '@urumi/contracts';
import { useRef, useState, type FormEvent } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Dialog } from '../../../components/ui/dialog.tsx';
import { TextField } from '../../../components/ui/field.tsx';
import { sentence } from '../../../lib/format.ts';
import { useDeleteStore } from '../api/delete-store.ts';

export interface DeleteStoreDialogProps {
  store: Store;
  isOpen: boolean;
  onClose: () => void;
  onDeleted: () => void;
}

/** Deleting cannot be undone, so the user types the store's exact name to confirm. */
export function DeleteStoreDialog({ store, isOpen, onClose, onDeleted }: DeleteStoreDialogProps) {
  const remove = useDeleteStore(store.id);
  const [typed, setTyped] = useState('');
  const wasDeleted = useRef(false);
  const isConfirmed = typed === store.name;

  // Runs when the dialog has closed (and the browser has put focus back on the opener, which a
  // deleted store no longer shows): only then can onDeleted move focus somewhere useful.
  const close = () => {
    setTyped('');
    remove.reset();
    onClose();
    if (wasDeleted.current) {
      wasDeleted.current = false;
      onDeleted();
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!isConfirmed || remove.isPending) return;
    remove.mutate(undefined, {
      onSuccess: () => {
        wasDeleted.current = true;
        onClose();
      },
    });
  };

  return (
    <Dialog isOpen={isOpen} onClose={close} title={`Delete ${store.name}?`}>
      <form onSubmit={submit} className="mt-3 space-y-4">
        <p className="text-sm text-slate-700">
          This uninstalls the store, deletes its volumes (every product, order and upload) and its namespace{' '}
          <code className="font-mono">{store.namespace}</code>. It cannot be undone.
        </p>
        <TextField
          data-autofocus
          label={
            <>
              Type <span className="font-mono font-semibold">{store.name}</span> to confirm
            </>
          }
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        {remove.isError && (
          <Alert tone="error" role="alert" title="The store was not deleted">
            {sentence(remove.error.message)}
          </Alert>
        )}
        <div className="flex flex-wrap justify-end gap-3">
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" disabled={!isConfirmed}>
            {remove.isPending ? 'Deleting…' : 'Delete store'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
