// Stores provisioned by Urumi itself (API, engine, helm) onto the local cluster's real node, with
// the images built here: the store's type values (STORE_TYPE_VALUES_DIR, as an operator sets them)
// name the images, the node's StorageClass and its scheduling.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '@urumi/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { localStorageClass, realNode } from '../../../tools/cluster/src/node/config.ts';
import { kube, waitFor } from '../../../tools/cluster/test/kube.ts';
import {
  chartImage,
  realNodeScheduling,
  requireRealNode,
  throughIngress,
} from '../../../tools/cluster/test/real-node.ts';
import { freshPostgresUrl } from './support/databases.ts';
import { eventsOf, namespaceGone, sharedSetup, startUrumi, waitForStore } from './support/urumi-process.ts';

describe('stores on the real node, through the API and the engine', () => {
  beforeAll(requireRealNode);

  it('provisions a Medusa store that really runs: Ready, its storefront API answers through the ingress by host name, the admin signs in; delete leaves no pod, release, namespace or volume folder', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const typeValues = join(shared.dataDir, 'type-values');
    await mkdir(typeValues);
    await writeFile(
      join(typeValues, 'medusa.yaml'),
      JSON.stringify({
        images: {
          medusa: chartImage('medusa'),
          postgres: chartImage('postgres'),
          redis: chartImage('redis'),
        },
        persistence: { storageClass: localStorageClass },
        scheduling: realNodeScheduling,
      }),
    );
    const urumi = await startUrumi(shared, { STORE_TYPE_VALUES_DIR: typeValues });
    const created = await urumi.api<Store>('POST', '/api/stores', { type: 'medusa', name: 'real-shop' });
    expect(created.status).toBe(202);
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

    // The store answers where the API says it is: its URL's host, through the node's ingress.
    expect(ready.url).toBe(`http://${host}`);
    const health = await throughIngress(host, '/health');
    expect(health).toMatchObject({ status: 200, body: 'OK' });
    const secret = await core.readNamespacedSecret({ name: 'medusa-secrets', namespace });
    const password = Buffer.from(secret.data!['admin-password']!, 'base64').toString();
    const signIn = await throughIngress(host, '/auth/user/emailpass', {
      json: { email: 'admin@example.com', password },
    });
    expect(signIn.status, signIn.body).toBe(200);

    const folders: string[] = [];
    for (const claim of (await core.listNamespacedPersistentVolumeClaim({ namespace })).items) {
      const volume = await core.readPersistentVolume({ name: claim.spec!.volumeName! });
      folders.push(volume.spec!.local!.path);
    }
    expect(folders).toHaveLength(2);

    expect((await urumi.api('DELETE', `/api/stores/${id}`)).status).toBe(202);
    await waitForStore(urumi, id, (s) => s.status === 'Deleted', 300_000);
    expect(await namespaceGone(namespace)).toBe(true);
    await waitFor(
      'the volumes folders to be removed',
      () => folders.every((f) => !existsSync(f)),
      120_000,
      1_000,
    );
    await urumi.stop();
  }, 900_000);
});
