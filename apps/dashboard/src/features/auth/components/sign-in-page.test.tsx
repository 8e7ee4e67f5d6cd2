import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { tokenStorageKey } from '../../../lib/auth.tsx';
import { apiError, goodToken, installFakeApi } from '../../../test/fake-api.ts';
import { makeStore } from '../../../test/fixtures.ts';
import { renderApp } from '../../../test/render-app.tsx';

describe('sign-in', () => {
  it('signs in with a valid token, keeps it in sessionStorage and sends it as a bearer header', async () => {
    const api = installFakeApi({ stores: [makeStore({ name: 'corner-shop' })] });
    const { user } = renderApp({ token: null });

    await user.type(screen.getByLabelText(/api token/i), `  ${goodToken} `);
    await user.click(screen.getByRole('button', { name: /sign in/i }));

    expect(await screen.findByRole('heading', { name: /^stores$/i, level: 1 })).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: 'corner-shop' })).toBeInTheDocument();
    expect(screen.getByRole('main')).toHaveFocus();
    expect(sessionStorage.getItem(tokenStorageKey)).toBe(goodToken);
    const storeCalls = api.calls('/api/stores');
    expect(storeCalls.length).toBeGreaterThan(0);
    for (const call of storeCalls) expect(call.headers.get('authorization')).toBe(`Bearer ${goodToken}`);
  });

  it('says clearly that a wrong token was refused and stays signed out', async () => {
    installFakeApi();
    const { user } = renderApp({ token: null });

    await user.type(screen.getByLabelText(/api token/i), 'urumi_wrong');
    await user.click(screen.getByRole('button', { name: /sign in/i }));

    expect(await screen.findByRole('alert')).toHaveTextContent(/did not accept this token/i);
    expect(sessionStorage.getItem(tokenStorageKey)).toBeNull();
    expect(screen.queryByRole('heading', { name: /^stores$/i })).not.toBeInTheDocument();
  });

  it('asks for a token when the field is empty, without calling the API', async () => {
    const api = installFakeApi();
    const { user } = renderApp({ token: null });

    await user.click(screen.getByRole('button', { name: /sign in/i }));

    expect(screen.getByLabelText(/api token/i)).toHaveAccessibleDescription(/enter your api token/i);
    expect(screen.getByLabelText(/api token/i)).toHaveFocus();
    expect(api.requests).toHaveLength(0);
  });

  it('shows the API message when sign-ins are rate limited', async () => {
    const api = installFakeApi();
    api.on('GET', '/api/stores', () =>
      apiError(429, 'RATE_LIMITED', 'too many failed sign-ins from this address; wait a minute'),
    );
    const { user } = renderApp({ token: null });

    await user.type(screen.getByLabelText(/api token/i), 'urumi_whatever');
    await user.click(screen.getByRole('button', { name: /sign in/i }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Too many failed sign-ins from this address; wait a minute.',
    );
  });

  it('clears the token on sign-out', async () => {
    installFakeApi();
    const { user } = renderApp();

    await user.click(await screen.findByRole('button', { name: /sign out/i }));

    expect(screen.getByRole('button', { name: /sign in/i })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(/you signed out/i);
    expect(sessionStorage.getItem(tokenStorageKey)).toBeNull();
  });

  it('signs out with an explanation when the API stops accepting the token', async () => {
    const api = installFakeApi();
    api.on('GET', '/api/stores', () => apiError(401, 'UNAUTHORIZED', 'this API token is not valid'));
    renderApp();

    expect(await screen.findByText(/no longer accepts your token/i)).toBeInTheDocument();
    await waitFor(() => expect(sessionStorage.getItem(tokenStorageKey)).toBeNull());
    expect(screen.getByLabelText(/api token/i)).toBeInTheDocument();
  });
});
