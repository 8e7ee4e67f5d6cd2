import { storeNameSchema, storeTypes, type Store, type StoreType } from '@urumi/contracts';
import { useRef, useState, type FormEvent } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { SelectField, TextField } from '../../../components/ui/field.tsx';
import { isApiError } from '../../../lib/api-client.ts';
import { sentence } from '../../../lib/format.ts';
import { useCreateStore } from '../api/create-store.ts';
import { storeTypeLabels } from '../labels.ts';
import { CreationFeedback } from './creation-feedback.tsx';

/** The rule a name breaks, as a sentence; null when the name is fine or empty (it is optional). */
export function nameError(name: string): string | null {
  if (name === '') return null;
  const result = storeNameSchema.safeParse(name);
  return result.success ? null : sentence(result.error.issues[0]?.message ?? 'this name is not valid');
}

/** An API error that is about the name field, so it is shown there rather than above the form. */
function nameErrorFromApi(error: unknown): string | null {
  if (!isApiError(error)) return null;
  if (error.code === 'NAME_TAKEN') return sentence(error.message);
  if (error.code !== 'VALIDATION_FAILED' || !Array.isArray(error.details)) return null;
  const issue = (error.details as { path?: unknown; message?: unknown }[]).find((d) => d.path === 'name');
  return typeof issue?.message === 'string' ? sentence(issue.message) : null;
}

export function CreateStoreForm() {
  const create = useCreateStore();
  const nameInput = useRef<HTMLInputElement>(null);
  const [type, setType] = useState<StoreType>(storeTypes[0]);
  const [name, setName] = useState('');
  const [isNameTouched, setIsNameTouched] = useState(false);
  const [created, setCreated] = useState<Store | null>(null);

  const localError = isNameTouched ? nameError(name) : null;
  const apiNameError = create.isError ? nameErrorFromApi(create.error) : null;
  const fieldError = localError ?? apiNameError;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    setIsNameTouched(true);
    if (nameError(name)) {
      nameInput.current?.focus();
      return;
    }
    setCreated(null);
    create.mutate(
      { type, ...(name ? { name } : {}) },
      {
        onSuccess: (store) => {
          setCreated(store);
          setName('');
          setIsNameTouched(false);
        },
      },
    );
  };

  return (
    <section
      aria-labelledby="create-store-heading"
      className="rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
    >
      <h2 id="create-store-heading" className="text-lg font-semibold text-slate-900">
        Create a store
      </h2>
      <form
        noValidate
        onSubmit={submit}
        className="mt-4 grid gap-4 sm:grid-cols-[12rem_1fr_auto] sm:items-start"
      >
        <SelectField
          label="Store type"
          value={type}
          onChange={(e) => setType(storeTypes.find((t) => t === e.target.value) ?? storeTypes[0])}
        >
          {storeTypes.map((t) => (
            <option key={t} value={t}>
              {storeTypeLabels[t]}
            </option>
          ))}
        </SelectField>
        <TextField
          ref={nameInput}
          label="Name (optional)"
          hint="Lowercase letters, digits and '-', up to 63 characters. Leave it empty for a generated name."
          autoComplete="off"
          spellCheck={false}
          value={name}
          error={fieldError}
          onChange={(e) => {
            setName(e.target.value);
            if (create.isError) create.reset();
          }}
          onBlur={() => setIsNameTouched(name !== '')}
        />
        <Button type="submit" className="sm:mt-6">
          {create.isPending ? 'Creating store…' : 'Create store'}
        </Button>
      </form>
      {create.isError && !apiNameError && (
        <Alert tone="error" role="alert" title="The store was not created" className="mt-4">
          {sentence(create.error.message)}
        </Alert>
      )}
      {created && <CreationFeedback initial={created} onDismiss={() => setCreated(null)} />}
    </section>
  );
}
