import type { Store } from '@urumi/contracts';
import { provisionSteps } from '@urumi/contracts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { helm, kube } from '../../../tools/cluster/test/kube.ts';
import { freshPostgresUrl } from './support/databases.ts';
import { expectSecretsStayInSecrets, expectVolumesGone, names } from './support/store-checks.ts';
import {
  eventsOf,
  namespaceGone,
  sharedSetup,
  startUrumi,
  valuesFile,
  waitForStore,
} from './support/urumi-process.ts';

describe('WooCommerce stores on the cluster', () => {
  it('provisions a store to Ready with exactly the expected objects, and no password leaves its Secrets', async () => {
    const databaseUrl = await freshPostgresUrl();
    const urumi = await startUrumi(await sharedSetup(databaseUrl));
    const created = await urumi.api<Store>('POST', '/api/stores', {
      type: 'woocommerce',
      name: 'exact-shop',
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    const ready = await waitForStore(urumi, id, (s) => s.status === 'Ready' || s.status === 'Failed');
    expect(ready).toMatchObject({
      status: 'Ready',
      step: null,
      reason: null,
      url: `http://${id}.localhost`,
      simulated: true,
    });

    const namespace = `store-${id}`;
    const { core, apps, batch, kc } = kube();
    const { NetworkingV1Api } = await import('@kubernetes/client-node');
    const net = kc.makeApiClient(NetworkingV1Api);
    const ns = await core.readNamespace({ name: namespace });
    expect(ns.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'urumi',
      'urumi.io/store-id': id,
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(await names(apps.listNamespacedStatefulSet({ namespace }))).toEqual(['mariadb']);
    expect(await names(apps.listNamespacedDeployment({ namespace }))).toEqual(['wordpress']);
    expect(await names(batch.listNamespacedJob({ namespace }))).toEqual(['woocommerce-setup']);
    expect(await names(core.listNamespacedPersistentVolumeClaim({ namespace }))).toEqual([
      'data-mariadb-0',
      'wp-content',
    ]);
    expect(await names(core.listNamespacedService({ namespace }))).toEqual([
      'mariadb',
      'mariadb-headless',
      'wordpress',
    ]);
    expect(await names(core.listNamespacedResourceQuota({ namespace }))).toEqual(['store-quota']);
    expect(await names(core.listNamespacedLimitRange({ namespace }))).toEqual(['store-limits']);
    expect(await names(net.listNamespacedIngress({ namespace }))).toEqual(['wordpress']);
    expect(await names(net.listNamespacedNetworkPolicy({ namespace }))).toEqual(
      ['allow-dns', 'default-deny', 'mariadb', 'woocommerce-setup', 'wordpress'].sort(),
    );
    expect(await names(core.listNamespacedSecret({ namespace }))).toEqual(
      ['mariadb-credentials', `sh.helm.release.v1.store-${id}.v1`, 'wordpress-credentials'].sort(),
    );

    // Every generated secret value, and where it must never appear.
    expect(
      await expectSecretsStayInSecrets(urumi, databaseUrl, id, [
        'mariadb-credentials',
        'wordpress-credentials',
      ]),
    ).toBe(11);

    const steps = (await eventsOf(urumi, id)).filter((e) => e.step !== null).map((e) => e.step);
    expect(steps).toEqual(provisionSteps);
  });

  it('deletes a store: release, volumes and namespace gone, a Deleted tombstone left', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()));
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(urumi, store.id, (s) => s.status === 'Ready');
    const { core } = kube();
    const claims = await core.listNamespacedPersistentVolumeClaim({ namespace: store.namespace });
    const volumes = claims.items.map((c) => c.spec?.volumeName ?? '');
    expect(volumes).toHaveLength(2);

    const deleting = await urumi.api<Store>('DELETE', `/api/stores/${store.id}`);
    expect(deleting.status).toBe(202);
    expect(deleting.body.status).toBe('Deleting');
    const deleted = await waitForStore(urumi, store.id, (s) => s.status === 'Deleted', 90_000);
    expect(deleted.deletedAt).not.toBeNull();
    expect(await namespaceGone(store.namespace)).toBe(true);
    await expectVolumesGone(volumes);
    const { stdout } = await helm(['list', '--all-namespaces', '--output', 'json']);
    expect(stdout).not.toContain(`store-${store.id}`);
    // Tombstones are not listed by default, only when asked for.
    expect(
      (await urumi.api<{ items: Store[] }>('GET', '/api/stores')).body.items.map((s) => s.id),
    ).not.toContain(store.id);
    const tombstones = await urumi.api<{ items: Store[] }>('GET', '/api/stores?status=Deleted');
    expect(tombstones.body.items.map((s) => s.id)).toContain(store.id);
    const steps = (await eventsOf(urumi, store.id)).filter(
      (e) => e.toStatus !== 'Provisioning' && e.toStatus !== 'Ready',
    );
    expect(steps.map((e) => e.step)).toEqual([null, 'uninstall', 'volumes', 'namespace-delete']);
  });

  it('marks a Ready store Degraded when its storefront stops, and Ready again when it is back', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()));
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(urumi, store.id, (s) => s.status === 'Ready');
    const { apps } = kube();
    const scale = (replicas: number) =>
      apps.replaceNamespacedDeploymentScale({
        name: 'wordpress',
        namespace: store.namespace,
        body: { metadata: { name: 'wordpress', namespace: store.namespace }, spec: { replicas } },
      });
    await scale(0);
    const degraded = await waitForStore(urumi, store.id, (s) => s.status === 'Degraded', 30_000);
    expect(degraded.reason?.code).toBeTruthy();
    await scale(1);
    const back = await waitForStore(urumi, store.id, (s) => s.status === 'Ready', 30_000);
    expect(back.reason).toBeNull();
    const statuses = (await eventsOf(urumi, store.id)).map((e) => e.toStatus);
    expect(statuses.slice(-2)).toEqual(['Degraded', 'Ready']);
  });

  it('repairs a store whose Deployment was deleted: Degraded, then its release re-applied after REPAIR_AFTER_SECONDS, and Ready again with the repair on its timeline', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()), {
      REPAIR_AFTER_SECONDS: '3',
    });
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(urumi, store.id, (s) => s.status === 'Ready');
    const { apps } = kube();
    const namespace = store.namespace;
    const before = await apps.readNamespacedDeployment({ name: 'wordpress', namespace });
    // Kubernetes never brings a deleted Deployment back by itself.
    await apps.deleteNamespacedDeployment({ name: 'wordpress', namespace });
    const degraded = await waitForStore(urumi, store.id, (s) => s.status === 'Degraded', 30_000);
    expect(degraded.reason?.code).toBeTruthy();
    expect(degraded.deadlineAt).not.toBeNull();
    const back = await waitForStore(urumi, store.id, (s) => s.status === 'Ready', 120_000);
    expect(back.reason).toBeNull();
    const after = await apps.readNamespacedDeployment({ name: 'wordpress', namespace });
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    const events = await eventsOf(urumi, store.id);
    const repair = events.find((e) => e.message?.startsWith('repair 1 of 3: '));
    expect(repair).toMatchObject({ fromStatus: 'Degraded', toStatus: 'Degraded', step: null });
    // The repair ran the steps from the Secrets on and ended Ready.
    const repaired = events.slice(events.indexOf(repair!) + 1);
    expect(repaired.map((e) => e.step)).toEqual(['secrets', 'release', 'database', 'app', 'setup', 'verify']);
    expect(repaired.at(-1)?.toStatus).toBe('Ready');
  });

  it('marks a Ready store Degraded while its database pod is being deleted, though Kubernetes still counts that pod ready', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()));
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(urumi, store.id, (s) => s.status === 'Ready');
    const { core, apps } = kube();
    const namespace = store.namespace;
    // A finalizer holds the pod in Terminating, as a database finishing its shutdown would.
    await core.patchNamespacedPod({
      name: 'mariadb-0',
      namespace,
      body: [{ op: 'add', path: '/metadata/finalizers', value: ['urumi.test/hold'] }],
    });
    await core.deleteNamespacedPod({ name: 'mariadb-0', namespace });
    const degraded = await waitForStore(urumi, store.id, (s) => s.status === 'Degraded', 30_000);
    expect(degraded.reason).toMatchObject({ code: 'NOT_READY', message: 'StatefulSet mariadb: 0/1 ready' });
    const statefulSet = await apps.readNamespacedStatefulSet({ name: 'mariadb', namespace });
    expect(statefulSet.status?.readyReplicas).toBe(1);

    await core.patchNamespacedPod({
      name: 'mariadb-0',
      namespace,
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    const back = await waitForStore(urumi, store.id, (s) => s.status === 'Ready', 60_000);
    expect(back.reason).toBeNull();
  });

  it('is Ready only once its site answers: a storefront answering 500 fails the store with what answered, and a retry once it answers 200 records the answers', async () => {
    // The store's ingress, as the verify step meets it: a real HTTP server at STORE_INGRESS_ADDRESS.
    // The store's pods are simulated (they serve nothing), so this stands where the ingress
    // controller would; the real-node tier asks the real one.
    let storefront = 500;
    const asked: string[] = [];
    const ingress = createServer((req, res) => {
      asked.push(`${req.headers.host ?? ''}${req.url ?? ''}`);
      res.writeHead(req.url === '/' ? storefront : 200).end();
    });
    await new Promise<void>((resolve) => ingress.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => ingress.close(() => resolve())));
    const { port } = ingress.address() as AddressInfo;
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()), {
      STORE_SITE_CHECK: 'ingress',
      STORE_INGRESS_ADDRESS: `127.0.0.1:${port}`,
      STORE_URL_PORT: '8443',
      // The verify step waits for the site until the provision's deadline (verify's own is 120 s).
      PROVISION_TIMEOUT_SECONDS: '60',
    });
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    const host = `${store.id}.localhost:8443`;
    expect(store.url).toBe(`http://${host}`);

    const waiting = await waitForStore(urumi, store.id, (s) => s.step === 'verify' && s.reason !== null);
    expect(waiting).toMatchObject({ status: 'Provisioning', reason: { code: 'SITE_ERROR' } });
    const failed = await waitForStore(urumi, store.id, (s) => s.status !== 'Provisioning', 90_000);
    expect(failed.status).toBe('Failed');
    expect(failed.reason).toMatchObject({
      code: 'SITE_ERROR',
      message: `the storefront (GET http://${host}/) answered HTTP 500 Internal Server Error`,
    });
    expect(failed.reason?.hint).toContain('logs');
    // Asked again every 2 s or so while it waited, not in a tight loop.
    const storefrontAsks = asked.filter((a) => a === `${host}/`).length;
    expect(storefrontAsks).toBeGreaterThanOrEqual(2);
    expect(storefrontAsks).toBeLessThan(40);

    storefront = 200;
    expect((await urumi.api('POST', `/api/stores/${store.id}/retry`)).status).toBe(202);
    const ready = await waitForStore(
      urumi,
      store.id,
      (s) => s.status !== 'Provisioning' && s.status !== 'Failed',
    );
    expect(ready).toMatchObject({ status: 'Ready', reason: null });
    const verified = (await eventsOf(urumi, store.id)).findLast((e) => e.step === 'verify');
    expect(verified).toMatchObject({ toStatus: 'Ready' });
    expect(verified?.message).toBe(
      `the storefront (GET http://${host}/) answered HTTP 200 OK; ` +
        `the admin sign-in page (GET http://${host}/wp-login.php) answered HTTP 200 OK`,
    );
  });

  it('cancels a provision in flight when the store is deleted, and cleans up', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const slow = await valuesFile(shared, {
      wordpress: { podAnnotations: { 'sim.urumi.io/ready-after': '60s' } },
    });
    const urumi = await startUrumi(shared, { STORE_EXTRA_VALUES_FILE: slow });
    const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
    await waitForStore(urumi, store.id, (s) => s.step === 'app');
    expect((await urumi.api('DELETE', `/api/stores/${store.id}`)).status).toBe(202);
    await waitForStore(urumi, store.id, (s) => s.status === 'Deleted', 60_000);
    expect(await namespaceGone(store.namespace)).toBe(true);
    const events = await eventsOf(urumi, store.id);
    expect(events.some((e) => e.toStatus === 'Ready')).toBe(false);
  });

  it.each([
    {
      name: 'a storefront that never becomes ready',
      values: { wordpress: { podAnnotations: { 'sim.urumi.io/never-ready': 'true' } } },
      code: 'NOT_READY',
    },
    {
      name: 'a database image that cannot be pulled',
      values: { mariadb: { podAnnotations: { 'sim.urumi.io/image-pull-failure': 'true' } } },
      code: 'IMAGE_PULL_FAILED',
    },
    {
      name: 'a storefront that crash-loops',
      values: { wordpress: { podAnnotations: { 'sim.urumi.io/crash-loop': '1s' } } },
      code: 'CRASH_LOOP',
    },
    {
      name: 'a setup job that fails',
      values: { setup: { backoffLimit: 0, podAnnotations: { 'sim.urumi.io/job-failure': 'true' } } },
      code: 'SETUP_FAILED',
    },
  ])(
    'fails $name with $code within the deadline, and a retry once it is fixed reaches Ready',
    async ({ values, code }) => {
      const shared = await sharedSetup(await freshPostgresUrl());
      const file = await valuesFile(shared, values);
      const urumi = await startUrumi(shared, {
        STORE_EXTRA_VALUES_FILE: file,
        PROVISION_TIMEOUT_SECONDS: '12',
      });
      const started = Date.now();
      const { body: store } = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
      const failed = await waitForStore(
        urumi,
        store.id,
        (s) => s.status === 'Failed' || s.status === 'Ready',
        40_000,
      );
      expect(failed.status).toBe('Failed');
      expect(failed.reason?.code).toBe(code);
      expect(failed.reason?.hint).toBeTruthy();
      // The provision deadline is 12 s; the failure is recorded within a few seconds of it.
      expect(Date.now() - started).toBeLessThan(25_000);

      await urumi.stop();
      // Fixed: the same process settings, without the fault.
      const fixed = await startUrumi(shared, { STORE_EXTRA_VALUES_FILE: await valuesFile(shared, {}) });
      expect((await fixed.api('POST', `/api/stores/${store.id}/retry`)).status).toBe(202);
      const ready = await waitForStore(
        fixed,
        store.id,
        (s) => s.status === 'Ready' || s.status === 'Failed',
        60_000,
      );
      expect(ready).toMatchObject({ status: 'Ready', reason: null });
    },
  );
});
