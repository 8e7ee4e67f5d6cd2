import { useId, type ComponentProps, type ReactNode } from 'react';

interface FieldProps {
  label: ReactNode;
  hint?: ReactNode;
  /** Shown under the field, linked to it and marking it invalid. */
  error?: string | null | undefined;
}

const control =
  'mt-1 block min-h-10 w-full rounded-md border bg-white px-3 py-2 text-sm text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-blue-600';

function useFieldIds(id: string | undefined, hint: ReactNode, error: string | null | undefined) {
  const generated = useId();
  const controlId = id ?? generated;
  const hintId = `${controlId}-hint`;
  const errorId = `${controlId}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return { controlId, hintId, errorId, describedBy };
}

function FieldText({
  hint,
  hintId,
  error,
  errorId,
}: Omit<FieldProps, 'label'> & { hintId: string; errorId: string }) {
  return (
    <>
      {hint && (
        <p id={hintId} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      )}
      <p id={errorId} aria-live="polite" className="text-sm text-red-800">
        {error && <span className="mt-1 block">{error}</span>}
      </p>
    </>
  );
}

export function TextField({
  label,
  hint,
  error,
  id,
  className = '',
  ...input
}: FieldProps & ComponentProps<'input'>) {
  const ids = useFieldIds(id, hint, error);
  return (
    <div className={className}>
      <label htmlFor={ids.controlId} className="block text-sm font-medium text-slate-900">
        {label}
      </label>
      <input
        id={ids.controlId}
        aria-invalid={error ? true : undefined}
        aria-describedby={ids.describedBy}
        className={`${control} ${error ? 'border-red-700' : 'border-slate-400'}`}
        {...input}
      />
      <FieldText hint={hint} hintId={ids.hintId} error={error} errorId={ids.errorId} />
    </div>
  );
}

export function SelectField({
  label,
  hint,
  error,
  id,
  className = '',
  children,
  ...select
}: FieldProps & ComponentProps<'select'>) {
  const ids = useFieldIds(id, hint, error);
  return (
    <div className={className}>
      <label htmlFor={ids.controlId} className="block text-sm font-medium text-slate-900">
        {label}
      </label>
      <select
        id={ids.controlId}
        aria-invalid={error ? true : undefined}
        aria-describedby={ids.describedBy}
        className={`${control} ${error ? 'border-red-700' : 'border-slate-400'}`}
        {...select}
      >
        {children}
      </select>
      <FieldText hint={hint} hintId={ids.hintId} error={error} errorId={ids.errorId} />
    </div>
  );
}
