// Stores provisioned by Urumi itself (API, engine, helm) onto the local cluster's real node, with
// the images built here: the store's type values (STORE_TYPE_VALUES_DIR, as an operator sets them)
// name the images, the node's StorageClass and its scheduling.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '@urumi/contracts';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { realNode } from '../../../tools/cluster/src/node/config.ts';
import { kube } from '../../../tools/cluster/test/kube.ts';
import {
  foldersRemoved,
  inPod,
  readyPod,
  realNodeStoreValues,
  requireRealNode,
  throughIngress,
  volumeFolders,
} from '../../../tools/cluster/test/real-node.ts';
import { freshPostgresUrl } from './support/databases.ts';
import { eventsOf, namespaceGone, sharedSetup, startUrumi, waitForStore } from './support/urumi-process.ts';

describe('stores on the real node, through the API and the engine', () => {
  beforeAll(requireRealNode);

  it('provisions a Medusa store that really runs: Ready once its store API and admin answer through the ingress by host name, the admin signs in, the database pod killed makes it Degraded and it recovers with its data, the database of another store and the Kubernetes API are out of its reach; delete leaves no pod, release, namespace or volume folder', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const typeValues = join(shared.dataDir, 'type-values');
    await mkdir(typeValues);
    await writeFile(
      join(typeValues, 'medusa.yaml'),
      JSON.stringify(realNodeStoreValues({ medusa: 'medusa', postgres: 'postgres', redis: 'redis' })),
    );
    // A second store, B, whose database the first must not reach. A WooCommerce store: its MariaDB
    // runs, and its setup stops where it needs WP-CLI (failures.realnode.test.ts), once.
    await writeFile(
      join(typeValues, 'woocommerce.yaml'),
      JSON.stringify({
        ...realNodeStoreValues({ wordpress: 'wordpress', mariadb: 'mariadb', wordpressCli: 'wordpress' }),
        setup: { backoffLimit: 0, databaseWaitSeconds: 60 },
      }),
    );
    // As `npm start` on the local cluster runs it: store URLs carry the ingress's port, and the
    // verify step asks each store there before calling it Ready.
    const port = inject('ingressPort');
    const urumi = await startUrumi(shared, {
      STORE_TYPE_VALUES_DIR: typeValues,
      STORE_PODS: 'real',
      STORE_SITE_CHECK: 'ingress',
      STORE_URL_PORT: String(port),
    });
    const created = await urumi.api<Store>('POST', '/api/stores', { type: 'medusa', name: 'real-shop' });
    expect(created.status).toBe(202);
    const other = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce', name: 'neighbour' });
    expect(other.status).toBe(202);
    const id = created.body.id;
    const namespace = `store-${id}`;
    const host = `${id}.localhost`;

    const ready = await waitForStore(
      urumi,
      id,
      (s) => s.status === 'Ready' || s.status === 'Failed',
      420_000,
    );
    expect(ready.reason, JSON.stringify(ready.reason)).toBeNull();
    expect(ready.status).toBe('Ready');
    const { core } = kube();
    const pods = (await core.listNamespacedPod({ namespace })).items;
    expect(pods.length).toBeGreaterThanOrEqual(4);
    expect(pods.every((pod) => pod.spec?.nodeName === realNode.name)).toBe(true);
    const steps = (await eventsOf(urumi, id)).map((event) => event.step).filter(Boolean);
    expect(steps).toEqual(expect.arrayContaining(['database', 'app', 'setup', 'verify']));

    // Ready means the store answered where the API says it is: its URL, through the node's ingress.
    expect(ready.url).toBe(`http://${host}:${port}`);
    const verified = (await eventsOf(urumi, id)).findLast((event) => event.step === 'verify');
    expect(verified?.message).toBe(
      `the store API (GET http://${host}:${port}/health) answered HTTP 200 OK; ` +
        `the admin sign-in page (GET http://${host}:${port}/app/login) answered HTTP 200 OK`,
    );
    const health = await throughIngress(host, '/health');
    expect(health.status).toBe(200);
    expect(health.body).toBe('OK');
    const secret = await core.readNamespacedSecret({ name: 'medusa-secrets', namespace });
    const password = Buffer.from(secret.data!['admin-password']!, 'base64').toString();
    const signIn = await throughIngress(host, '/auth/user/emailpass', {
      json: { email: 'admin@example.com', password },
    });
    expect(signIn.status, signIn.body).toBe(200);

    // The database pod killed: the store goes Degraded saying which workload is down, and becomes
    // Ready again by itself, its data intact (the admin, made by the setup Job, still signs in).
    await core.deleteNamespacedPod({ name: 'postgres-0', namespace });
    const degraded = await waitForStore(urumi, id, (s) => s.status === 'Degraded', 60_000);
    expect(degraded.reason?.code).toBe('NOT_READY');
    expect(degraded.reason?.message).toMatch(/postgres/);
    const recovered = await waitForStore(urumi, id, (s) => s.status === 'Ready', 240_000);
    expect(recovered.reason).toBeNull();
    const again = await throughIngress(host, '/auth/user/emailpass', {
      json: { email: 'admin@example.com', password },
    });
    expect(again.status, again.body).toBe(200);
    const statuses = (await eventsOf(urumi, id)).map((event) => event.toStatus);
    expect(statuses.slice(-2)).toEqual(['Degraded', 'Ready']);

    // Isolation, enforced: from A's server, A's own database answers; B's database and the
    // Kubernetes API do not (the chart's egress allows its own backends, DNS and public addresses).
    const neighbour = await waitForStore(urumi, other.body.id, (s) => s.status !== 'Provisioning', 300_000);
    expect(neighbour.reason?.code).toBe('SETUP_FAILED');
    const server = await readyPod(namespace, 'app.kubernetes.io/component=server');
    const connect = async (host: string, port: number) => {
      const script =
        `const s = require('net').connect(${port}, '${host}');` +
        `s.setTimeout(3000, () => { console.log('timeout'); process.exit(2); });` +
        `s.on('connect', () => { console.log('open'); process.exit(0); });` +
        `s.on('error', (e) => { console.log(e.code); process.exit(1); });`;
      return (await inPod(namespace, server.metadata!.name!, ['node', '-e', script], 'medusa')).output
        .split('\n')[0]!
        .trim();
    };
    // NetworkPolicies here reject (kube-router): a refused connection or none at all, never open.
    const refused = ['ECONNREFUSED', 'timeout'];
    expect(await connect('postgres', 5432)).toBe('open');
    expect(refused).toContain(await connect(`mariadb.${neighbour.namespace}.svc.cluster.local`, 3306));
    const neighbourDatabase = await readyPod(neighbour.namespace, 'app.kubernetes.io/component=database');
    expect(refused).toContain(await connect(neighbourDatabase.status!.podIP!, 3306));
    expect(refused).toContain(await connect('kubernetes.default.svc.cluster.local', 443));
    // ...while B's database does listen: its own WordPress reaches it.
    const neighbourWeb = await readyPod(neighbour.namespace, 'app.kubernetes.io/component=storefront');
    const fromNeighbour = await inPod(
      neighbour.namespace,
      neighbourWeb.metadata!.name!,
      ['bash', '-c', 'exec 3<>/dev/tcp/mariadb/3306 && echo open'],
      'wordpress',
    );
    expect(fromNeighbour.output.trim()).toBe('open');
    // Every store pod runs as a non-root user, in a namespace that enforces restricted Pod Security.
    expect((await core.readNamespace({ name: namespace })).metadata?.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect((await inPod(namespace, server.metadata!.name!, ['id', '-u'], 'medusa')).output.trim()).not.toBe(
      '0',
    );
    for (const pod of (await core.listNamespacedPod({ namespace })).items) {
      expect(pod.spec?.securityContext?.runAsNonRoot, pod.metadata?.name).toBe(true);
    }

    const folders = await volumeFolders(namespace);
    expect(folders).toHaveLength(2);

    expect((await urumi.api('DELETE', `/api/stores/${id}`)).status).toBe(202);
    expect((await urumi.api('DELETE', `/api/stores/${neighbour.id}`)).status).toBe(202);
    await waitForStore(urumi, id, (s) => s.status === 'Deleted', 300_000);
    await waitForStore(urumi, neighbour.id, (s) => s.status === 'Deleted', 300_000);
    expect(await namespaceGone(namespace)).toBe(true);
    expect(await namespaceGone(neighbour.namespace)).toBe(true);
    await foldersRemoved(folders);
    await urumi.stop();
  }, 900_000);
});
