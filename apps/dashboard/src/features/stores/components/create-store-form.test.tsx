import { storeTypes } from '@urumi/contracts';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError, installFakeApi } from '../../../test/fake-api.ts';
import { makeStore } from '../../../test/fixtures.ts';
import { renderApp } from '../../../test/render-app.tsx';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });

describe('create store form', () => {
  it('offers every store type from the contracts', async () => {
    installFakeApi();
    renderApp();

    const select = await screen.findByLabelText('Store type');
    expect(
      within(select)
        .getAllByRole('option')
        .map((o) => o.getAttribute('value')),
    ).toEqual([...storeTypes]);
  });

  it('shows the naming rule inline for a bad name and does not send it', async () => {
    const api = installFakeApi();
    const { user } = renderApp();
    const name = await screen.findByLabelText(/name/i, { selector: 'input' });

    await user.type(name, 'Corner_Shop');
    await user.tab();

    expect(name).toBeInvalid();
    expect(name).toHaveAccessibleDescription(/uses lowercase letters, digits and '-'/);
    await user.click(screen.getByRole('button', { name: /create store/i }));
    expect(name).toHaveFocus();
    expect(api.calls('/api/stores', 'POST')).toHaveLength(0);

    await user.clear(name);
    await user.type(name, 'corner-shop');
    expect(name).toBeValid();
  });

  it('refuses a reserved name before asking the API', async () => {
    const api = installFakeApi();
    const { user } = renderApp();

    await user.type(await screen.findByLabelText(/name/i, { selector: 'input' }), 'admin');
    await user.click(screen.getByRole('button', { name: /create store/i }));

    expect(screen.getByLabelText(/name/i, { selector: 'input' })).toHaveAccessibleDescription(/reserved/i);
    expect(api.calls('/api/stores', 'POST')).toHaveLength(0);
  });

  it("shows the API's error message when the store is refused", async () => {
    const api = installFakeApi();
    api.on('POST', '/api/stores', () =>
      apiError(
        409,
        'STORE_LIMIT_REACHED',
        'the platform already runs its maximum of 50 stores; delete a store or raise MAX_STORES',
        { limit: 50 },
      ),
    );
    const { user } = renderApp();

    await user.click(await screen.findByRole('button', { name: /create store/i }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(/the store was not created/i);
    expect(alert).toHaveTextContent(
      'The platform already runs its maximum of 50 stores; delete a store or raise MAX_STORES.',
    );
  });

  it('puts a taken name error on the name field', async () => {
    const api = installFakeApi();
    api.on('POST', '/api/stores', () =>
      apiError(409, 'NAME_TAKEN', 'a store named "corner-shop" already exists; choose another name'),
    );
    const { user } = renderApp();
    const name = await screen.findByLabelText(/name/i, { selector: 'input' });

    await user.type(name, 'corner-shop');
    await user.click(screen.getByRole('button', { name: /create store/i }));

    await waitFor(() => expect(name).toBeInvalid());
    expect(name).toHaveAccessibleDescription(/already exists; choose another name/);
  });

  it('sends the type and name, then shows the queue position and the new row at once', async () => {
    const api = installFakeApi({ stores: [makeStore({ name: 'older-shop', status: 'Ready', step: null })] });
    const created = makeStore({ name: 'corner-shop', step: 'queued', queuePosition: 2 });
    api.on('POST', '/api/stores', () => json(202, created));
    const { user } = renderApp();
    await screen.findByRole('row', { name: /older-shop/ });

    await user.type(screen.getByLabelText(/name/i, { selector: 'input' }), 'corner-shop');
    await user.click(screen.getByRole('button', { name: /create store/i }));

    const feedback = await screen.findByText(/Waiting for a provisioning slot: 2nd in the queue/, {
      selector: '[role="status"] p',
    });
    expect(feedback).toBeInTheDocument();
    const [post] = api.calls('/api/stores', 'POST');
    expect(post?.body).toEqual({ type: 'woocommerce', name: 'corner-shop' });
    expect(post?.headers.get('idempotency-key')).toMatch(/^dashboard-[0-9a-f]{32}$/);

    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('link')[0]?.textContent)).toEqual([
      'corner-shop',
      'older-shop',
    ]);
    expect(api.calls('/api/stores')).toHaveLength(1);
    expect(screen.getByLabelText(/name/i, { selector: 'input' })).toHaveValue('');
  });

  it('leaves the name out when it is empty, so the API generates one', async () => {
    const api = installFakeApi();
    api.on('POST', '/api/stores', () => json(202, makeStore({ step: 'namespace' })));
    const { user } = renderApp();

    await user.click(await screen.findByRole('button', { name: /create store/i }));

    await waitFor(() => expect(api.calls('/api/stores', 'POST')).toHaveLength(1));
    expect(api.calls('/api/stores', 'POST')[0]?.body).toEqual({ type: 'woocommerce' });
    expect(
      await screen.findByText(/Creating the namespace/, { selector: '[role="status"] p' }),
    ).toBeInTheDocument();
  });
});
