import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '@urumi/contracts';
import { describe, expect, it } from 'vitest';
import { freshPostgresUrl } from './support/databases.ts';
import { sharedSetup, startUrumi, waitForStore } from './support/urumi-process.ts';

// How operators and Kubernetes meet a running Urumi: health, probes, metrics, log files and
// shutdown, on real processes against the cluster.

const readme = join(import.meta.dirname, '..', '..', '..', 'README.md');

/** The metric names the README's metrics table documents. */
async function documentedMetrics(): Promise<string[]> {
  const text = await readFile(readme, 'utf8');
  return [...text.matchAll(/^\| `(urumi_[a-z_]+)`/gm)].map((m) => m[1]!);
}

/** One sample's value from a Prometheus text exposition, 0 when absent. */
function sample(exposition: string, series: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('operating Urumi', () => {
  it('serves the real health and every documented metric, and the store metrics move when a store becomes Ready', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()));
    const health = await urumi.api<{ status: string; checks: Record<string, boolean> }>('GET', '/api/health');
    expect(health).toMatchObject({
      status: 200,
      body: { status: 'healthy', checks: { database: true, kubernetes: true, helm: true } },
    });
    const scrape = async () => (await fetch(`${urumi.url}/metrics`)).text();
    const before = await scrape();
    const documented = await documentedMetrics();
    expect(documented.length).toBeGreaterThanOrEqual(6);
    for (const name of documented) expect(before, name).toContain(`# TYPE ${name} `);
    // And nothing of Urumi's own is exported that the README does not document.
    const exported = [...before.matchAll(/^# TYPE (urumi_[a-z_]+) /gm)].map((m) => m[1]!);
    expect(exported.sort()).toEqual([...documented].sort());

    const created = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce', name: 'metered' });
    const ready = await waitForStore(urumi, created.body.id, (s) => s.status !== 'Provisioning', 90_000);
    expect(ready.status).toBe('Ready');
    const after = await scrape();
    const count = 'urumi_store_provision_duration_seconds_count{type="woocommerce"}';
    expect(sample(after, count) - sample(before, count)).toBe(1);
    expect(sample(after, 'urumi_store_provision_duration_seconds_sum{type="woocommerce"}')).toBeGreaterThan(
      sample(before, 'urumi_store_provision_duration_seconds_sum{type="woocommerce"}'),
    );
    expect(
      sample(after, 'urumi_stores{status="Ready"}') - sample(before, 'urumi_stores{status="Ready"}'),
    ).toBe(1);
    expect(sample(after, 'urumi_kubernetes_watches')).toBeGreaterThan(0);
  });

  it('exits 0 within seconds on SIGTERM with a live-updates stream open, ending that stream, and leaves its log files', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const logDir = join(shared.dataDir, 'logs');
    const urumi = await startUrumi(shared, { LOG_DIR: logDir });
    const stream = await fetch(`${urumi.url}/api/events`, {
      headers: { authorization: `Bearer ${urumi.token}` },
    });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const started = Date.now();
    const code = await urumi.stop();
    const took = Date.now() - started;
    expect(code).toBe(0);
    // The chart gives a pod 60 s; an open dashboard used to hold the process until that kill.
    expect(took).toBeLessThan(10_000);
    let ended = false;
    for (let i = 0; i < 10 && !ended; i += 1) ended = (await reader.read()).done;
    expect(ended).toBe(true);

    const combined = await readFile(join(logDir, 'combined.log'), 'utf8');
    const messages = combined
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
    expect(combined).not.toContain(urumi.token);
  });

  it('splits into an API process and a worker that serves only probes, health and metrics on its own port', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const api = await startUrumi(shared, { URUMI_ROLE: 'api' });
    const worker = await startUrumi(shared, { URUMI_ROLE: 'worker' });
    expect(worker.url).not.toBe(api.url);
    for (const path of ['/livez', '/readyz']) {
      const response = await fetch(`${worker.url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
    expect((await worker.api('GET', '/api/health')).status).toBe(200);
    expect(await (await fetch(`${worker.url}/metrics`)).text()).toContain('# TYPE urumi_kubernetes_watches ');
    expect((await worker.api('GET', '/api/stores')).status).toBe(404);

    const created = await api.api<Store>('POST', '/api/stores', { type: 'woocommerce', name: 'split-roles' });
    expect(created.status).toBe(202);
    const ready = await waitForStore(api, created.body.id, (s) => s.status !== 'Provisioning', 90_000);
    expect(ready.status, JSON.stringify(ready.reason)).toBe('Ready');
  });
});
