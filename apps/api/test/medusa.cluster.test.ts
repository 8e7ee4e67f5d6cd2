import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { provisionSteps, type Store } from '@urumi/contracts';
import { describe, expect, it } from 'vitest';
import { helm, kube } from '../../../tools/cluster/test/kube.ts';
import { freshPostgresUrl } from './support/databases.ts';
import { expectSecretsStayInSecrets, expectVolumesGone, names } from './support/store-checks.ts';
import { eventsOf, namespaceGone, sharedSetup, startUrumi, waitForStore } from './support/urumi-process.ts';

// Medusa stores through the same API and engine as WooCommerce, on the test cluster with
// charts/store-medusa (pods simulated by KWOK).

describe('Medusa stores on the cluster', () => {
  it('provisions a store to Ready with exactly the expected objects, and no generated secret leaves its Secrets', async () => {
    const databaseUrl = await freshPostgresUrl();
    const urumi = await startUrumi(await sharedSetup(databaseUrl));
    const created = await urumi.api<Store>('POST', '/api/stores', { type: 'medusa', name: 'headless-shop' });
    expect(created.status).toBe(202);
    const id = created.body.id;
    const ready = await waitForStore(urumi, id, (s) => s.status === 'Ready' || s.status === 'Failed');
    expect(ready).toMatchObject({
      type: 'medusa',
      status: 'Ready',
      reason: null,
      url: `http://${id}.localhost`,
      adminUrl: `http://${id}.localhost/app`,
    });

    const namespace = `store-${id}`;
    const { core, apps, batch, kc } = kube();
    const net = kc.makeApiClient(NetworkingV1Api);
    expect((await core.readNamespace({ name: namespace })).metadata?.labels).toMatchObject({
      'urumi.io/store-type': 'medusa',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(await names(apps.listNamespacedStatefulSet({ namespace }))).toEqual(['postgres', 'redis']);
    expect(await names(apps.listNamespacedDeployment({ namespace }))).toEqual([
      'medusa-server',
      'medusa-worker',
    ]);
    const jobs = await batch.listNamespacedJob({ namespace });
    expect(jobs.items.map((j) => [j.metadata?.name, j.status?.succeeded]).sort()).toEqual([
      ['medusa-admin', 1],
      ['medusa-migrations', 1],
    ]);
    expect(await names(core.listNamespacedPersistentVolumeClaim({ namespace }))).toEqual([
      'data-postgres-0',
      'data-redis-0',
    ]);
    expect(await names(net.listNamespacedIngress({ namespace }))).toEqual(['medusa']);
    expect(await names(core.listNamespacedSecret({ namespace }))).toEqual(
      [
        'medusa-secrets',
        'postgres-credentials',
        'redis-credentials',
        `sh.helm.release.v1.store-${id}.v1`,
      ].sort(),
    );
    const quota = (await core.listNamespacedResourceQuota({ namespace })).items[0];
    expect(quota?.spec?.hard?.pods).toBe('12');

    expect(
      await expectSecretsStayInSecrets(urumi, databaseUrl, id, [
        'postgres-credentials',
        'redis-credentials',
        'medusa-secrets',
      ]),
    ).toBe(5);
    const steps = (await eventsOf(urumi, id)).filter((e) => e.step !== null).map((e) => e.step);
    expect(steps).toEqual(provisionSteps);
  });

  it('fails a store whose migrations Job fails with MIGRATIONS_FAILED within the deadline, and a retry once it is fixed reaches Ready', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    // The fault goes into the Medusa releases only (STORE_TYPE_VALUES_DIR/medusa.yaml): a WooCommerce
    // store of the same process must not get it (its chart's schema would refuse `migrations`).
    const typeValues = join(shared.dataDir, 'type-values');
    await mkdir(typeValues);
    await writeFile(
      join(typeValues, 'medusa.yaml'),
      JSON.stringify({
        migrations: { backoffLimit: 0, podAnnotations: { 'sim.urumi.io/job-failure': 'true' } },
      }),
    );
    const urumi = await startUrumi(shared, {
      STORE_TYPE_VALUES_DIR: typeValues,
      PROVISION_TIMEOUT_SECONDS: '20',
    });
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'medusa' });
    const { body: woo } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    const failed = await waitForStore(urumi, store.id, (s) => s.status !== 'Provisioning', 40_000);
    expect(failed.status).toBe('Failed');
    expect(failed.step).toBe('app');
    expect(failed.reason?.code).toBe('MIGRATIONS_FAILED');
    expect(failed.reason?.message).toMatch(/^Medusa migrations failed: /);
    expect(failed.reason?.hint).toContain('migrations job');
    expect((await waitForStore(urumi, woo.id, (s) => s.status !== 'Provisioning', 40_000)).status).toBe(
      'Ready',
    );

    await urumi.stop();
    await rm(join(typeValues, 'medusa.yaml'));
    const fixed = await startUrumi(shared, { STORE_TYPE_VALUES_DIR: typeValues });
    expect((await fixed.api('POST', `/api/stores/${store.id}/retry`)).status).toBe(202);
    const ready = await waitForStore(fixed, store.id, (s) => s.status !== 'Provisioning', 60_000);
    expect(ready).toMatchObject({ status: 'Ready', reason: null });
    // The retry ran the Job again (the failed one was deleted before the upgrade).
    const { batch } = kube();
    const job = await batch.readNamespacedJob({ name: 'medusa-migrations', namespace: store.namespace });
    expect(job.status?.succeeded).toBe(1);
  });

  it('deletes a store: release, both volumes and the namespace gone', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()));
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'medusa' });
    await waitForStore(urumi, store.id, (s) => s.status === 'Ready');
    const { core } = kube();
    const claims = await core.listNamespacedPersistentVolumeClaim({ namespace: store.namespace });
    const volumes = claims.items.map((c) => c.spec?.volumeName ?? '');
    expect(volumes).toHaveLength(2);

    expect((await urumi.api('DELETE', `/api/stores/${store.id}`)).status).toBe(202);
    await waitForStore(urumi, store.id, (s) => s.status === 'Deleted', 90_000);
    expect(await namespaceGone(store.namespace)).toBe(true);
    await expectVolumesGone(volumes);
    const { stdout } = await helm(['list', '--all-namespaces', '--output', 'json']);
    expect(stdout).not.toContain(`store-${store.id}`);
  });
});
