import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { installFakeApi } from '../../../test/fake-api.ts';
import { renderApp } from '../../../test/render-app.tsx';

describe('health banner', () => {
  it('names what is down when health answers 503', async () => {
    const api = installFakeApi();
    api.setHealth({ database: true, kubernetes: false, helm: false });
    renderApp();

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Urumi is degraded: Kubernetes and Helm are unavailable',
    );
  });

  it('shows nothing while everything is healthy', async () => {
    const api = installFakeApi();
    renderApp();

    await screen.findByText('No stores yet.');
    expect(api.calls('/api/health')).toHaveLength(1);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('warns when the API cannot be reached', async () => {
    const api = installFakeApi();
    api.on('GET', '/api/health', () => Response.error());
    renderApp();

    expect(await screen.findByRole('alert')).toHaveTextContent(/urumi cannot be reached/i);
  });
});
