import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { installFakeApi } from '../../../test/fake-api.ts';
import { changed, makeEvent, makeStore } from '../../../test/fixtures.ts';
import { renderApp } from '../../../test/render-app.tsx';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });

const failedStore = () =>
  makeStore({
    name: 'corner-shop',
    status: 'Failed',
    step: 'app',
    reason: {
      code: 'IMAGE_PULL_FAILED',
      message: 'image "wordpress:9.9" could not be pulled: not found',
      hint: 'Check that the image exists and the cluster can reach its registry, then retry.',
    },
  });

describe('store page', () => {
  it('shows the timeline with each finished step and how long it took', async () => {
    const store = failedStore();
    const events = [
      makeEvent(store.id, { id: 1, fromStatus: null, message: 'created', actor: 'token:admin' }),
      makeEvent(store.id, { id: 2, step: 'queued', durationMs: 1500 }),
      makeEvent(store.id, { id: 3, step: 'namespace', durationMs: 850 }),
      makeEvent(store.id, {
        id: 4,
        step: 'app',
        toStatus: 'Failed',
        durationMs: 300_000,
        reasonCode: 'IMAGE_PULL_FAILED',
        message: 'image "wordpress:9.9" could not be pulled',
      }),
    ];
    installFakeApi({ stores: [store], events: { [store.id]: events } });
    renderApp({ path: `/stores/${store.id}` });

    const timeline = await screen.findByRole('list', { name: /timeline/i });
    const items = await within(timeline).findAllByRole('listitem');
    expect(items.map((item) => item.textContent)).toEqual([
      expect.stringMatching(/Store created.*by token:admin/),
      expect.stringMatching(/Left the queue.*1\.5 s/),
      expect.stringMatching(/Namespace created.*850 ms/),
      expect.stringMatching(/Store app failed.*5 min 00 s.*container image could not be downloaded/),
    ]);
    const steps = screen.getByRole('list', { name: /provisioning steps/i });
    expect(
      within(steps)
        .getByText(/Namespace/)
        .closest('li'),
    ).toHaveTextContent(/done.*850 ms/);
    expect(
      within(steps)
        .getByText(/Store app/)
        .closest('li'),
    ).toHaveTextContent(/failed/);
  });

  it('explains a failure in plain language with its hint, and offers Retry', async () => {
    const store = failedStore();
    const api = installFakeApi({ stores: [store] });
    api.on('POST', `/api/stores/${store.id}/retry`, () =>
      json(202, changed(store, { status: 'Provisioning', step: 'queued', queuePosition: 1, reason: null })),
    );
    const { user } = renderApp({ path: `/stores/${store.id}` });

    const reason = await screen.findByRole('region', { name: /why it failed/i });
    expect(reason).toHaveTextContent('A container image could not be downloaded.');
    expect(reason).toHaveTextContent('Image "wordpress:9.9" could not be pulled: not found.');
    expect(reason).toHaveTextContent(
      'What to do: Check that the image exists and the cluster can reach its registry, then retry.',
    );
    expect(reason).toHaveTextContent('IMAGE_PULL_FAILED');

    await user.click(screen.getByRole('button', { name: /retry/i }));

    await waitFor(() => expect(api.calls(`/api/stores/${store.id}/retry`, 'POST')).toHaveLength(1));
    expect(await screen.findByText(/Waiting for a provisioning slot: 1st in the queue/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /retry/i })).not.toBeInTheDocument();
    expect(screen.queryByRole('region', { name: /why it failed/i })).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'corner-shop', level: 1 })).toHaveFocus();
  });

  it.each([
    {
      type: 'woocommerce' as const,
      adminPath: '/wp-admin/',
      labels: ['Storefront', 'WordPress admin'],
    },
    { type: 'medusa' as const, adminPath: '/app', labels: ['Storefront API', 'Medusa admin'] },
  ])('names a Ready $type store’s two addresses for what they are', async ({ type, adminPath, labels }) => {
    const store = makeStore({ type, status: 'Ready', step: null });
    store.adminUrl = `${store.url}${adminPath}`;
    installFakeApi({ stores: [store], events: { [store.id]: [] } });
    renderApp({ path: `/stores/${store.id}` });

    const details = await screen.findByRole('region', { name: 'Details' });
    const [url, admin] = labels as [string, string];
    expect(within(details).getByText(url, { selector: 'dt' }).nextSibling).toHaveTextContent(store.url);
    expect(within(details).getByText(admin, { selector: 'dt' }).nextSibling).toHaveTextContent(
      store.adminUrl,
    );
    expect(within(details).getByRole('link', { name: new RegExp(adminPath) })).toHaveAttribute(
      'href',
      store.adminUrl,
    );
  });

  it('offers no Retry for a store that has not failed', async () => {
    const store = makeStore({
      name: 'corner-shop',
      status: 'Ready',
      step: null,
      readyAt: new Date().toISOString(),
    });
    installFakeApi({ stores: [store] });
    renderApp({ path: `/stores/${store.id}` });

    expect(await screen.findByRole('heading', { name: 'corner-shop', level: 1 })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /delete/i })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /retry/i })).not.toBeInTheDocument();
  });

  it('explains a degraded store, keeps its step durations and offers no Retry', async () => {
    const store = makeStore({
      name: 'corner-shop',
      status: 'Degraded',
      step: null,
      readyAt: new Date().toISOString(),
      reason: {
        code: 'CRASH_LOOP',
        message: 'container wordpress keeps restarting',
        hint: 'Look at the container logs in the store namespace; retry once the cause is fixed.',
      },
    });
    const events = [
      makeEvent(store.id, { id: 1, fromStatus: null, message: 'created', actor: 'token:admin' }),
      makeEvent(store.id, { id: 2, step: 'setup', durationMs: 2_500 }),
      makeEvent(store.id, { id: 3, step: 'verify', toStatus: 'Ready', durationMs: 40 }),
      makeEvent(store.id, {
        id: 4,
        fromStatus: 'Ready',
        toStatus: 'Degraded',
        reasonCode: 'CRASH_LOOP',
        message: 'container wordpress keeps restarting',
      }),
    ];
    installFakeApi({ stores: [store], events: { [store.id]: events } });
    renderApp({ path: `/stores/${store.id}` });

    const reason = await screen.findByRole('region', { name: /why it is degraded/i });
    expect(reason).toHaveTextContent('Part of the store keeps crashing.');
    expect(reason).toHaveTextContent('What to do: Look at the container logs');
    expect(screen.queryByRole('button', { name: /retry/i })).not.toBeInTheDocument();
    const timeline = await screen.findByRole('list', { name: /timeline/i });
    expect(within(timeline).getAllByRole('listitem').at(-1)).toHaveTextContent(
      /Store degraded.*Part of the store keeps crashing: Container wordpress keeps restarting\./,
    );
    const steps = screen.getByRole('list', { name: /provisioning steps/i });
    expect(within(steps).getByText(/Setup/).closest('li')).toHaveTextContent(/done.*2\.5 s/);
  });

  it('shows the URLs (links once Ready), namespace and type', async () => {
    const store = makeStore({
      name: 'corner-shop',
      status: 'Ready',
      step: null,
      readyAt: new Date().toISOString(),
    });
    installFakeApi({ stores: [store] });
    renderApp({ path: `/stores/${store.id}` });

    const details = await screen.findByRole('region', { name: /details/i });
    expect(
      within(details).getByRole('link', { name: /^http:\/\/\w+\.localhost\s*\(opens in a new tab\)$/ }),
    ).toHaveAttribute('href', store.url);
    expect(within(details).getByRole('link', { name: /wp-admin/ })).toHaveAttribute('href', store.adminUrl);
    expect(within(details).getByText(store.namespace, { selector: 'code' })).toBeInTheDocument();
    expect(within(details).getByText('WooCommerce')).toBeInTheDocument();
  });

  it('says plainly when a store runs on simulated pods, and not otherwise', async () => {
    const simulated = makeStore({ name: 'sim-shop', status: 'Ready', step: null, simulated: true });
    const real = makeStore({ name: 'real-shop', status: 'Ready', step: null });
    installFakeApi({ stores: [simulated, real] });
    renderApp({ path: `/stores/${simulated.id}` });
    const details = await screen.findByRole('region', { name: /details/i });
    expect(within(details).getByText(/simulated pods: this store does not really run/i)).toBeInTheDocument();
    expect(within(details).getByText(/no container runs, so its links open nothing/)).toBeInTheDocument();

    renderApp({ path: '/' });
    const rows = await screen.findAllByRole('row');
    const row = (name: string) => rows.find((r) => within(r).queryByText(name))!;
    expect(within(row('sim-shop')).getByText('simulated')).toBeInTheDocument();
    expect(within(row('sim-shop')).getByText(/nothing answers at this link/)).toBeInTheDocument();
    expect(within(row('real-shop')).queryByText('simulated')).toBeNull();
  });

  it('deletes only after the exact store name is typed, then shows the teardown', async () => {
    const store = makeStore({
      name: 'corner-shop',
      status: 'Ready',
      step: null,
      readyAt: new Date().toISOString(),
    });
    const api = installFakeApi({ stores: [store] });
    api.on('DELETE', `/api/stores/${store.id}`, () =>
      json(
        202,
        changed(store, { status: 'Deleting', step: 'uninstall', stepStartedAt: new Date().toISOString() }),
      ),
    );
    const { user } = renderApp({ path: `/stores/${store.id}` });

    await user.click(await screen.findByRole('button', { name: /delete/i }));
    const dialog = screen.getByRole('dialog', { name: /delete corner-shop\?/i });
    const confirm = within(dialog).getByLabelText(/type corner-shop to confirm/i);
    const deleteButton = within(dialog).getByRole('button', { name: /delete store/i });
    expect(confirm).toHaveFocus();
    expect(deleteButton).toBeDisabled();

    await user.type(confirm, 'corner-sho');
    expect(deleteButton).toBeDisabled();
    await user.type(confirm, 'p ');
    expect(deleteButton).toBeDisabled();
    await user.keyboard('{Enter}');
    expect(api.calls(`/api/stores/${store.id}`, 'DELETE')).toHaveLength(0);

    await user.type(confirm, '{Backspace}');
    expect(deleteButton).toBeEnabled();
    await user.click(deleteButton);

    await waitFor(() => expect(api.calls(`/api/stores/${store.id}`, 'DELETE')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.getByRole('heading', { name: 'corner-shop', level: 1 })).toHaveFocus();
    expect(screen.getByRole('heading', { name: /deleting the store/i })).toBeInTheDocument();
    const teardown = screen.getByRole('list', { name: /teardown steps/i });
    expect(
      within(teardown)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      expect.stringMatching(/Helm release: in progress/),
      expect.stringMatching(/Volumes: not started/),
      expect.stringMatching(/Namespace: not started/),
    ]);
    expect(screen.queryByRole('button', { name: /delete/i })).not.toBeInTheDocument();
  });

  it('closes the deletion dialog on Cancel without deleting', async () => {
    const store = makeStore({ name: 'corner-shop' });
    const api = installFakeApi({ stores: [store] });
    const { user } = renderApp({ path: `/stores/${store.id}` });

    await user.click(await screen.findByRole('button', { name: /delete/i }));
    await user.type(screen.getByLabelText(/type corner-shop to confirm/i), 'corner-shop');
    await user.click(screen.getByRole('button', { name: /cancel/i }));

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(api.calls(`/api/stores/${store.id}`, 'DELETE')).toHaveLength(0);
    // Opened again, it starts empty.
    await user.click(screen.getByRole('button', { name: /delete/i }));
    expect(screen.getByLabelText(/type corner-shop to confirm/i)).toHaveValue('');
  });

  it('follows the teardown live through store events', async () => {
    const store = makeStore({ name: 'corner-shop', status: 'Deleting', step: 'uninstall' });
    const api = installFakeApi({ stores: [store] });
    renderApp({ path: `/stores/${store.id}` });
    const teardown = await screen.findByRole('list', { name: /teardown steps/i });
    expect(await screen.findByText('Live')).toBeInTheDocument();

    api.pushStore(changed(store, { step: 'namespace-delete', stepStartedAt: new Date().toISOString() }));

    await waitFor(() =>
      expect(
        within(teardown)
          .getAllByRole('listitem')
          .map((li) => li.textContent),
      ).toEqual([
        expect.stringMatching(/Helm release: done/),
        expect.stringMatching(/Volumes: done/),
        expect.stringMatching(/Namespace: in progress/),
      ]),
    );
    expect(screen.getByText(/Deleting the namespace ·/)).toBeInTheDocument();
  });

  it('says so when there is no such store', async () => {
    installFakeApi();
    renderApp({ path: '/stores/0123456789ab' });

    expect(await screen.findByRole('heading', { name: /no such store/i })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('There is no store with id 0123456789ab.');
  });
});
