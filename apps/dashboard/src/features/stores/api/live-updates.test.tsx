import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, installFakeApi } from '../../../test/fake-api.ts';
import { changed, makeStore } from '../../../test/fixtures.ts';
import { renderApp } from '../../../test/render-app.tsx';

afterEach(() => {
  vi.useRealTimers();
});

describe('live updates', () => {
  it('opens the event stream with fetch and the bearer header, never a token in the URL', async () => {
    const api = installFakeApi();
    renderApp();

    expect(await screen.findByText('Live')).toBeInTheDocument();
    const [stream] = api.calls('/api/events');
    expect(stream?.headers.get('authorization')).toMatch(/^Bearer urumi_/);
    expect(stream?.query.toString()).toBe('');
  });

  it('polls every 5 s while the stream is down, reconnects with backoff, then stops polling', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const store = makeStore({ name: 'corner-shop', step: 'release' });
    const api = installFakeApi({ stores: [store] });
    let isStreamUp = false;
    api.on('GET', '/api/events', () =>
      isStreamUp ? undefined : apiError(503, 'UNAVAILABLE', 'shutting down'),
    );
    renderApp();

    expect(await screen.findByText(/reconnecting; refreshing every 5 s/i)).toBeInTheDocument();
    expect(api.calls('/api/stores')).toHaveLength(1);

    await act(() => vi.advanceTimersByTimeAsync(5_100));
    expect(api.calls('/api/stores')).toHaveLength(2);
    expect(api.calls('/api/events').length).toBeGreaterThanOrEqual(2);

    isStreamUp = true;
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(await screen.findByText('Live')).toBeInTheDocument();
    const afterReconnect = api.calls('/api/stores').length;

    await act(() => vi.advanceTimersByTimeAsync(20_000));
    expect(api.calls('/api/stores')).toHaveLength(afterReconnect);

    api.pushStore(changed(store, { step: 'database', stepStartedAt: new Date().toISOString() }));
    const row = screen.getByRole('row', { name: /corner-shop/ });
    await waitFor(() => expect(within(row).getByText(/Starting the database/)).toBeInTheDocument());
  });

  it('ignores an event older than what the cache holds', async () => {
    const store = makeStore({ name: 'corner-shop', step: 'release' });
    const newer = changed(store, { status: 'Ready', step: null, readyAt: new Date().toISOString() });
    const api = installFakeApi({ stores: [newer] });
    renderApp();
    const row = await screen.findByRole('row', { name: /corner-shop/ });
    await screen.findByText('Live');

    api.pushStore(store);
    api.pushStore(makeStore({ name: 'marker-shop' }));

    await screen.findByRole('row', { name: /marker-shop/ });
    expect(within(row).getByText('Ready')).toBeInTheDocument();
  });
});
