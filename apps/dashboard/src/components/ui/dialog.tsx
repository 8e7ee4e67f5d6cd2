import { useEffect, useId, useRef, type ReactNode } from 'react';

export interface DialogProps {
  isOpen: boolean;
  /** Called when the user dismisses the dialog (Escape) or it closes otherwise. */
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
}

/**
 * A modal on the native `<dialog>`: the browser traps focus, makes the page behind inert, closes on
 * Escape and gives focus back to the opener. The element marked `data-autofocus` receives focus.
 */
export function Dialog({ isOpen, onClose, title, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (isOpen && !dialog.open) {
      dialog.showModal();
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!isOpen && dialog.open) {
      dialog.close();
    }
  }, [isOpen]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onClose}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-lg bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/60"
    >
      {isOpen && (
        <div className="p-6">
          <h2 id={titleId} className="text-lg font-semibold">
            {title}
          </h2>
          {children}
        </div>
      )}
    </dialog>
  );
}
