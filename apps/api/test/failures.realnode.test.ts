// Real failures on the real node, each named by the engine with the reason a user acts on: an image
// the registry does not have, a container that exits, a container over its memory limit, and a
// setup Job that fails. Each store is a WooCommerce store provisioned by Urumi (API, engine, helm);
// its type values (STORE_TYPE_VALUES_DIR) put it on the real node with the images built here, plus
// the one thing that breaks it. One Urumi process, with its own database, per failure.
//
// The setup that fails is the real one: the chart's setup script, run by the setup Job on the
// real node, stops where it needs WP-CLI, which this machine cannot get (it comes only from GitHub;
// see the README's "which images run where"). That is also why no WooCommerce store becomes Ready
// here: the Medusa store of stores.realnode.test.ts is the store type that does.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '@urumi/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { kube } from '../../../tools/cluster/test/kube.ts';
import { chartImage, realNodeStoreValues, requireRealNode } from '../../../tools/cluster/test/real-node.ts';
import { freshPostgresUrl } from './support/databases.ts';
import { namespaceGone, sharedSetup, startUrumi, waitForStore } from './support/urumi-process.ts';

/** Starts Urumi with WooCommerce type values that add `broken` to the real node's, and creates a store. */
async function brokenStore(broken: Record<string, unknown>, provisionTimeoutSeconds: number) {
  const shared = await sharedSetup(await freshPostgresUrl());
  const typeValues = join(shared.dataDir, 'type-values');
  await mkdir(typeValues);
  // The setup Job's runner is the WordPress image built here (the chart's default, WP-CLI's, comes
  // from Docker Hub): it starts beside the database and must not fail first for its own image.
  const values = realNodeStoreValues({
    wordpress: 'wordpress',
    mariadb: 'mariadb',
    wordpressCli: 'wordpress',
  });
  await writeFile(
    join(typeValues, 'woocommerce.yaml'),
    JSON.stringify({ ...values, ...broken, images: { ...values.images, ...(broken.images as object) } }),
  );
  const urumi = await startUrumi(shared, {
    STORE_TYPE_VALUES_DIR: typeValues,
    STORE_PODS: 'real',
    PROVISION_TIMEOUT_SECONDS: String(provisionTimeoutSeconds),
  });
  const created = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce' });
  expect(created.status).toBe(202);
  return { urumi, store: created.body };
}

describe('real failures on the real node, named by the engine', () => {
  beforeAll(requireRealNode);

  it('names an image the registry does not have (IMAGE_PULL_FAILED), a container that exits (CRASH_LOOP), one over its memory limit (OOM_KILLED) and a failing setup (SETUP_FAILED); each store then deletes cleanly', async () => {
    const mariadb = chartImage('mariadb');
    const cases = await Promise.all([
      // A tag that was never pushed to the node's registry.
      brokenStore(
        { images: { mariadb: { ...mariadb, tag: 'never-pushed', digest: `sha256:${'0'.repeat(64)}` } } },
        75,
      ),
      // The toolbox image as the database: its shell finds no input and exits at once, every time.
      brokenStore({ images: { mariadb: chartImage('toolbox') } }, 75),
      // MariaDB's first start (mariadb-install-db, then the server) needs far more than 32 MiB.
      brokenStore(
        {
          mariadb: {
            resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '1', memory: '32Mi' } },
          },
        },
        75,
      ),
      // The setup Job, run once (no retries): the script reaches the database, then needs WP-CLI.
      brokenStore(
        {
          setup: { backoffLimit: 0, databaseWaitSeconds: 60 },
        },
        300,
      ),
    ]);

    const failed = await Promise.all(
      cases.map(({ urumi, store }) =>
        waitForStore(urumi, store.id, (s) => s.status !== 'Provisioning', 360_000),
      ),
    );
    // Soft: one run shows every reason.
    const seen = failed.map((store) => `${store.status} ${store.reason?.code}: ${store.reason?.message}`);
    expect
      .soft(seen[0])
      .toMatch(
        /^Failed IMAGE_PULL_FAILED: pod mariadb-0: .*registry\.urumi\.test\/mariadb@sha256:0{64}.*not found/,
      );
    expect.soft(seen[1]).toMatch(/^Failed CRASH_LOOP: pod mariadb-0 keeps crashing \(\d+ restarts\)/);
    expect.soft(seen[2]).toBe('Failed OOM_KILLED: pod mariadb-0 was killed for using too much memory');
    expect.soft(seen[3]).toMatch(/^Failed SETUP_FAILED: WooCommerce setup failed: /);
    for (const store of failed) expect.soft(store.reason?.hint).toBeTruthy();
    // The setup failed where the script needs WP-CLI, after the database and WordPress were Ready.
    expect(failed[3]!.step).toBe('setup');
    const { core } = kube();
    const [setupPod] = (
      await core.listNamespacedPod({
        namespace: failed[3]!.namespace,
        labelSelector: 'job-name=woocommerce-setup',
      })
    ).items;
    const log = await core.readNamespacedPodLog({
      name: setupPod!.metadata!.name!,
      namespace: failed[3]!.namespace,
      container: 'setup',
    });
    expect(log).toContain('wp: command not found');

    await Promise.all(
      cases.map(async ({ urumi, store }) => {
        expect((await urumi.api('DELETE', `/api/stores/${store.id}`)).status).toBe(202);
        await waitForStore(urumi, store.id, (s) => s.status === 'Deleted', 240_000);
        expect(await namespaceGone(store.namespace)).toBe(true);
      }),
    );
  }, 600_000);
});
