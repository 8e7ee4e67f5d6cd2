import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { TextField } from '../../../components/ui/field.tsx';
import { isApiError } from '../../../lib/api-client.ts';
import { useAuth } from '../../../lib/auth.tsx';
import { sentence } from '../../../lib/format.ts';
import { useVerifyToken } from '../api/verify-token.ts';

function errorText(error: Error): string {
  if (isApiError(error) && error.status === 401) {
    return 'The API did not accept this token. Check that you pasted all of it: tokens start with "urumi_".';
  }
  return sentence(error.message);
}

export function SignInPage() {
  const { signIn, notice } = useAuth();
  const verify = useVerifyToken();
  const input = useRef<HTMLInputElement>(null);
  const [token, setToken] = useState('');
  const [isEmpty, setIsEmpty] = useState(false);

  useEffect(() => {
    document.title = 'Sign in · Urumi';
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (verify.isPending) return;
    const trimmed = token.trim();
    setIsEmpty(trimmed === '');
    if (!trimmed) {
      input.current?.focus();
      return;
    }
    verify.mutate(trimmed, { onSuccess: () => signIn(trimmed) });
  };

  return (
    <main
      id="main"
      tabIndex={-1}
      className="mx-auto flex min-h-dvh max-w-md flex-col justify-center px-4 py-10 focus:outline-none"
    >
      <p className="text-sm font-semibold tracking-wide text-blue-800 uppercase">Urumi</p>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">Sign in</h1>
      <p className="mt-2 text-sm text-slate-700">
        Paste an API token, such as the admin token Urumi printed when it first started. This browser tab
        keeps it until you sign out or close the tab.
      </p>
      {notice && (
        <Alert tone="info" role="status" className="mt-6">
          {notice}
        </Alert>
      )}
      <form
        noValidate
        onSubmit={submit}
        className="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6"
      >
        <TextField
          ref={input}
          label="API token"
          type="password"
          autoComplete="current-password"
          spellCheck={false}
          value={token}
          error={isEmpty ? 'Enter your API token.' : null}
          onChange={(e) => {
            setToken(e.target.value);
            setIsEmpty(false);
            verify.reset();
          }}
        />
        {verify.isError && (
          <Alert tone="error" role="alert" title="Sign-in failed">
            {errorText(verify.error)}
          </Alert>
        )}
        {/* Never disabled: a disabled button drops keyboard focus to the page. */}
        <Button type="submit" className="w-full">
          {verify.isPending ? 'Checking the token…' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}
