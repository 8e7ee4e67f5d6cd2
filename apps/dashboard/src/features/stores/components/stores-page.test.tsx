import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError, installFakeApi } from '../../../test/fake-api.ts';
import { changed, makeStore } from '../../../test/fixtures.ts';
import { renderApp } from '../../../test/render-app.tsx';

const rowOf = (name: string) => screen.getByRole('row', { name: new RegExp(name) });

describe('stores list', () => {
  it('shows each store with its status, current step, running time, URL and creation time', async () => {
    const ready = makeStore({
      name: 'corner-shop',
      status: 'Ready',
      step: null,
      stepStartedAt: null,
      readyAt: new Date().toISOString(),
    });
    const building = makeStore({ name: 'bakery', status: 'Provisioning', step: 'release' });
    installFakeApi({ stores: [ready, building] });
    renderApp();

    const readyRow = await screen.findByRole('row', { name: /corner-shop/ });
    expect(within(readyRow).getByText('Ready')).toBeInTheDocument();
    expect(
      within(readyRow).getByRole('link', { name: /corner-shop\.?.*localhost|localhost/ }),
    ).toHaveAttribute('href', ready.url);
    expect(within(readyRow).getByText(/WooCommerce · created/)).toBeInTheDocument();
    expect(within(readyRow).getByRole('link', { name: 'corner-shop' })).toHaveAttribute(
      'href',
      `/stores/${ready.id}`,
    );

    const buildingRow = rowOf('bakery');
    expect(within(buildingRow).getByText('Provisioning')).toBeInTheDocument();
    expect(within(buildingRow).getByText(/Installing the Helm release ·/)).toHaveTextContent(/4\d s/);
    // Not Ready yet: the URL is text, not a link.
    expect(within(buildingRow).getByText(building.url)).not.toHaveAttribute('href');
    expect(within(buildingRow).getAllByRole('link')).toHaveLength(1);
  });

  it('tells a queued store its place in the queue', async () => {
    installFakeApi({ stores: [makeStore({ name: 'queued-shop', step: 'queued', queuePosition: 2 })] });
    renderApp();

    expect(await screen.findByText(/Waiting for a provisioning slot: 2nd in the queue/)).toBeInTheDocument();
  });

  it('filters by status and type through the API and keeps the filter in the address', async () => {
    const failed = makeStore({ name: 'broken-shop', status: 'Failed', step: 'release' });
    const api = installFakeApi({
      stores: [failed, makeStore({ name: 'fine-shop', status: 'Ready', step: null })],
    });
    const { user } = renderApp();
    await screen.findByRole('row', { name: /fine-shop/ });

    await user.selectOptions(screen.getByLabelText('Status'), 'Failed');

    await waitFor(() => expect(screen.queryByRole('row', { name: /fine-shop/ })).not.toBeInTheDocument());
    expect(rowOf('broken-shop')).toBeInTheDocument();
    expect(api.calls('/api/stores').at(-1)?.query.get('status')).toBe('Failed');
    expect(window.location.search).toBe('?status=Failed');

    await user.selectOptions(screen.getByLabelText('Type'), 'woocommerce');
    await waitFor(() => expect(api.calls('/api/stores').at(-1)?.query.get('type')).toBe('woocommerce'));
    expect(window.location.search).toBe('?status=Failed&type=woocommerce');
  });

  it('says when there are no stores yet', async () => {
    installFakeApi();
    renderApp();

    expect(await screen.findByText('No stores yet.')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('says when no store matches the filters, and clears them', async () => {
    installFakeApi({ stores: [makeStore({ name: 'fine-shop', status: 'Ready', step: null })] });
    const { user } = renderApp({ path: '/?status=Failed' });

    expect(await screen.findByText('No stores match these filters.')).toBeInTheDocument();
    expect(screen.getByLabelText('Status')).toHaveValue('Failed');
    await user.click(screen.getByRole('button', { name: /clear filters/i }));

    expect(await screen.findByRole('row', { name: /fine-shop/ })).toBeInTheDocument();
    expect(window.location.search).toBe('');
  });

  it('shows a loading state, then an error with a way to try again', async () => {
    const api = installFakeApi();
    let fail = true;
    api.on('GET', '/api/stores', () =>
      fail ? apiError(500, 'INTERNAL', 'something failed on our side') : undefined,
    );
    const { user } = renderApp();

    expect(screen.getByText(/loading stores/i)).toBeInTheDocument();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(/the stores could not be loaded/i);
    expect(alert).toHaveTextContent('Something failed on our side.');

    fail = false;
    await user.click(within(alert).getByRole('button', { name: /try again/i }));
    expect(await screen.findByText('No stores yet.')).toBeInTheDocument();
  });

  it('applies a store event from the stream to its row without refetching the list', async () => {
    const store = makeStore({ name: 'corner-shop', step: 'setup' });
    const api = installFakeApi({ stores: [store] });
    renderApp();
    await screen.findByRole('row', { name: /corner-shop/ });
    expect(await screen.findByText('Live')).toBeInTheDocument();

    api.pushStore(
      changed(store, { status: 'Ready', step: null, stepStartedAt: null, readyAt: new Date().toISOString() }),
    );

    await waitFor(() => expect(within(rowOf('corner-shop')).getByText('Ready')).toBeInTheDocument());
    expect(within(rowOf('corner-shop')).getByRole('link', { name: /localhost/ })).toHaveAttribute(
      'href',
      store.url,
    );
    expect(api.calls('/api/stores')).toHaveLength(1);
  });

  it('adds a store created elsewhere and drops a deleted one, from stream events alone', async () => {
    const old = makeStore({ name: 'old-shop', status: 'Deleting', step: 'namespace-delete' });
    const api = installFakeApi({ stores: [old] });
    renderApp();
    await screen.findByRole('row', { name: /old-shop/ });
    expect(await screen.findByText('Live')).toBeInTheDocument();

    api.pushStore(makeStore({ name: 'new-shop', step: 'queued', queuePosition: 1 }));
    api.pushStore(changed(old, { status: 'Deleted', step: null, deletedAt: new Date().toISOString() }));

    expect(await screen.findByRole('row', { name: /new-shop/ })).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('row', { name: /old-shop/ })).not.toBeInTheDocument());
    const names = screen
      .getAllByRole('row')
      .slice(1)
      .map((row) => within(row).getAllByRole('link')[0]?.textContent);
    expect(names).toEqual(['new-shop']);
    expect(api.calls('/api/stores')).toHaveLength(1);
  });
});
