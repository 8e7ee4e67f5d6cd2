// charts/store-medusa on the real node, installed whole by helm with the images built here
// (images/debian: PostgreSQL 17, Redis 8.0 and the Medusa store image of images/medusa on Node 24):
// the migrations Job, the admin Job, the server and the worker run for real, under the engine's
// namespace guardrails, on volumes of the node.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareRealNodeStore, useHelm } from '../../test-support/support.ts';
import { medusa } from '../../../apps/api/src/store-types/medusa/index.ts';
import { realNode } from '../../../tools/cluster/src/node/config.ts';
import { kube, waitFor } from '../../../tools/cluster/test/kube.ts';
import {
  foldersRemoved,
  inPod,
  readyPod,
  requireRealNode,
  throughIngress,
  volumeFolders,
} from '../../../tools/cluster/test/real-node.ts';
import { chartDir, localValues, waitForMedusaStore } from './support.ts';

describe('charts/store-medusa on the real node', () => {
  const helm = useHelm();
  beforeAll(requireRealNode);

  it('installs with the images built here and really runs: migrations and the admin Job complete, the server answers through the ingress, the admin signs in, data survives PostgreSQL being killed, uninstall leaves no volume', async () => {
    const { core } = kube();
    const adminEmail = 'owner@example.com';
    const { namespace, storeId, host, valuesFile } = await prepareRealNodeStore(
      'medusa-real',
      medusa,
      { medusa: 'medusa', postgres: 'postgres', redis: 'redis' },
      { name: 'Corner Shop', adminEmail },
    );
    const release = `store-${storeId}`;
    await helm.run([
      'upgrade',
      '--install',
      release,
      chartDir,
      '--namespace',
      namespace,
      '--values',
      localValues,
      '--values',
      valuesFile,
      '--timeout',
      '5m',
    ]);
    await waitForMedusaStore(namespace, 300_000);

    const pods = (await core.listNamespacedPod({ namespace })).items;
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.every((pod) => pod.spec?.nodeName === realNode.name)).toBe(true);
    const server = await readyPod(namespace, 'app.kubernetes.io/component=server');
    const postgres = await readyPod(namespace, 'app.kubernetes.io/component=database');
    const redis = await readyPod(namespace, 'app.kubernetes.io/component=cache');
    expect((await inPod(namespace, server.metadata!.name!, ['id', '-u'], 'medusa')).output.trim()).toBe(
      '1000',
    );
    expect((await inPod(namespace, postgres.metadata!.name!, ['id', '-u'])).output.trim()).toBe('999');
    expect((await inPod(namespace, redis.metadata!.name!, ['id', '-u'])).output.trim()).toBe('999');

    // Through Traefik on the node, by the store's host name.
    const health = await waitFor(
      `http://${host}/health through the ingress`,
      async () => {
        const answer = await throughIngress(host, '/health');
        return answer.status === 200 ? answer : undefined;
      },
      60_000,
      500,
    );
    expect(health.body).toBe('OK');
    const admin = await throughIngress(host, '/app');
    expect(admin.status).toBe(200);
    expect(admin.body).toContain('<div id="medusa"');

    const secret = await core.readNamespacedSecret({ name: 'medusa-secrets', namespace });
    const password = Buffer.from(secret.data!['admin-password']!, 'base64').toString();
    const signIn = (secretValue: string) =>
      throughIngress(host, '/auth/user/emailpass', { json: { email: adminEmail, password: secretValue } });
    const wrong = await signIn('not-the-password');
    expect(wrong.status).toBe(401);
    const signedIn = await signIn(password);
    expect(signedIn.status, signedIn.body).toBe(200);
    expect((JSON.parse(signedIn.body) as { token?: string }).token).toMatch(/^ey/);

    // PostgreSQL killed: the StatefulSet brings it back on its volume, and the admin still exists.
    await core.deleteNamespacedPod({ name: postgres.metadata!.name!, namespace, gracePeriodSeconds: 0 });
    await waitFor('PostgreSQL to come back', async () => {
      const pod = await readyPod(namespace, 'app.kubernetes.io/component=database');
      return pod.metadata?.uid !== postgres.metadata?.uid;
    });
    await waitFor(
      'the admin to sign in again',
      async () => (await signIn(password)).status === 200,
      120_000,
      1_000,
    );

    // helm uninstall, then the claims the StatefulSets leave (deleted by the engine's volumes step):
    // the node's provisioner removes each volume's folder, data included.
    const folders = await volumeFolders(namespace);
    expect(folders).toHaveLength(2);
    expect(folders.every((folder) => existsSync(folder))).toBe(true);
    await helm.run(['uninstall', release, '--namespace', namespace, '--wait', '--timeout', '2m']);
    await core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace });
    await foldersRemoved(folders);
  }, 600_000);
});
