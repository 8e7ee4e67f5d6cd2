import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@urumi/contracts';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { freshPostgresUrl } from './support/databases.ts';
import {
  sharedSetup,
  startUrumi,
  valuesFile,
  waitForStore,
  type UrumiProcess,
} from './support/urumi-process.ts';

// Urumi configured the ways users configure Kubernetes access (README "Kubernetes access"): the API's
// client and helm must reach the same cluster whichever way it is, or the store fails at once with
// a reason when helm never can.

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function provisionsToReady(urumi: UrumiProcess, name: string): Promise<void> {
  const health = await urumi.api<{ checks: Record<string, boolean> }>('GET', '/api/health');
  expect(health.body.checks).toEqual({ database: true, kubernetes: true, helm: true });
  const created = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce', name });
  expect(created.status, created.text).toBe(202);
  const done = await waitForStore(urumi, created.body.id, (s) => s.status !== 'Provisioning', 90_000);
  expect(done.status, JSON.stringify(done.reason)).toBe('Ready');
}

describe('Kubernetes access for the API and helm alike', () => {
  it('provisions a store with only $HOME/.kube/config (no KUBECONFIG), as k3d, kind and cloud CLIs set it up', async () => {
    const home = await tempDir('urumi-home-');
    await mkdir(join(home, '.kube'));
    await writeFile(join(home, '.kube', 'config'), await readFile(inject('kubeconfig')), { mode: 0o600 });
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()), {
      HOME: home,
      KUBECONFIG: '',
    });
    await provisionsToReady(urumi, 'home-kubeconfig');
  });

  it('provisions a store with a KUBECONFIG of two files whose current context is in the second', async () => {
    const dir = await tempDir('urumi-kubeconfigs-');
    // The first file defines another cluster and sets no current context; helm given only this
    // file (KUBECONFIG's first entry, as before) has no cluster to talk to.
    const first = join(dir, 'other.yaml');
    await writeFile(
      first,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: elsewhere, cluster: { server: "https://127.0.0.1:1" } }]',
        'users: [{ name: someone, user: { token: not-a-real-token } }]',
        'contexts: [{ name: elsewhere, context: { cluster: elsewhere, user: someone } }]',
        '',
      ].join('\n'),
    );
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()), {
      KUBECONFIG: `${first}:${inject('kubeconfig')}`,
    });
    await provisionsToReady(urumi, 'two-kubeconfigs');
  });

  it('fails a store at once with PLATFORM_MISCONFIGURED when helm can never succeed, instead of retrying to the deadline', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    // A values file the chart's schema refuses: no retry can make helm accept it.
    const refused = await valuesFile(shared, { wordpress: { notAValue: true } });
    const urumi = await startUrumi(shared, {
      STORE_EXTRA_VALUES_FILE: refused,
      PROVISION_TIMEOUT_SECONDS: '600',
    });
    const created = await urumi.api<Store>('POST', '/api/stores', {
      type: 'woocommerce',
      name: 'bad-values',
    });
    const failed = await waitForStore(urumi, created.body.id, (s) => s.status !== 'Provisioning', 60_000);
    expect(failed).toMatchObject({ status: 'Failed', reason: { code: 'PLATFORM_MISCONFIGURED' } });
    expect(failed.reason?.message).toMatch(/values don't meet the specifications of the schema/);
    expect(failed.reason?.hint).toMatch(/operator/);

    // A helm binary that is not there: health says so, and a store fails naming HELM_BINARY.
    const noHelm = await startUrumi(await sharedSetup(await freshPostgresUrl()), {
      HELM_BINARY: join(shared.dataDir, 'no-such-helm'),
    });
    const health = await noHelm.api<{ checks: Record<string, boolean> }>('GET', '/api/health');
    expect(health).toMatchObject({ status: 503, body: { checks: { kubernetes: true, helm: false } } });
    const other = await noHelm.api<Store>('POST', '/api/stores', { type: 'woocommerce', name: 'no-helm' });
    const noRelease = await waitForStore(noHelm, other.body.id, (s) => s.status !== 'Provisioning', 60_000);
    expect(noRelease).toMatchObject({ status: 'Failed', reason: { code: 'PLATFORM_MISCONFIGURED' } });
    expect(noRelease.reason?.message).toMatch(/HELM_BINARY/);
  });
});
