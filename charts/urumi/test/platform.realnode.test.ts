// The README's "Install on your cluster", done for real on the local cluster's real node: the
// platform chart installed from Urumi's image built here (images/debian/urumi), its bundled
// PostgreSQL from the PostgreSQL image built here, reached through the node's ingress by host name,
// provisioning and deleting stores as the chart's ServiceAccount from inside its pod, and proving a
// store answers over its Service (storeSiteCheck: service, the chart's default) through the chart's
// NetworkPolicies.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store, StoreEvent } from '@urumi/contracts';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { localStorageClass, realNode } from '../../../tools/cluster/src/node/config.ts';
import { kube, waitFor } from '../../../tools/cluster/test/kube.ts';
import {
  chartImage,
  foldersRemoved,
  readyPod,
  realNodeScheduling,
  realNodeStoreValues,
  requireRealNode,
  throughIngress,
  volumeFolders,
} from '../../../tools/cluster/test/real-node.ts';
import { waitForStore } from '../../../apps/api/test/support/urumi-process.ts';
import { chartDir, releaseNamespace, secretValue, useHelm } from './support.ts';

const helm = useHelm();

describe('charts/urumi on the real node', () => {
  beforeAll(requireRealNode);

  it("installs from the image built here and, as the chart's ServiceAccount, provisions a Medusa store that answers over its Service, runs a WooCommerce store's parts until its setup needs WP-CLI, and deletes both without a trace", async () => {
    const { core, rbac } = kube();
    const { namespace, release } = await releaseNamespace(helm);
    const host = `${release}.localhost`;
    const values = {
      image: chartImage('urumi'),
      ...realNodeScheduling,
      postgresql: {
        image: chartImage('postgres'),
        persistence: { storageClass: localStorageClass, size: '1Gi' },
      },
      ingress: { enabled: true, host },
      config: { storeSiteCheck: 'service', storeBaseDomain: 'localhost' },
      stores: {
        typeValues: {
          medusa: realNodeStoreValues({ medusa: 'medusa', postgres: 'postgres', redis: 'redis' }),
          // The WordPress image built here has no WP-CLI (it comes only from GitHub, which this
          // machine cannot reach): the setup Job fails at its first `wp` command, once.
          woocommerce: {
            ...realNodeStoreValues({ wordpress: 'wordpress', mariadb: 'mariadb', wordpressCli: 'wordpress' }),
            setup: { backoffLimit: 0, databaseWaitSeconds: 60 },
          },
        },
      },
    };
    const valuesDir = await mkdtemp(join(tmpdir(), 'urumi-platform-values-'));
    onTestFinished(() => rm(valuesDir, { recursive: true, force: true }));
    await writeFile(join(valuesDir, 'values.json'), JSON.stringify(values));
    await helm.run([
      'upgrade',
      '--install',
      release,
      chartDir,
      '--namespace',
      namespace,
      '--values',
      join(valuesDir, 'values.json'),
      '--wait',
      '--timeout',
      '5m',
    ]);

    // Urumi and its PostgreSQL run on the real node, from the registry's images.
    const urumiPod = await readyPod(
      namespace,
      `app.kubernetes.io/instance=${release},app.kubernetes.io/component=api`,
    );
    expect(urumiPod.spec?.nodeName).toBe(realNode.name);
    expect(urumiPod.spec?.containers[0]?.image).toBe(
      `${values.image.repository}:${values.image.tag}@${values.image.digest}`,
    );
    expect(urumiPod.spec?.serviceAccountName).toBe(release);

    // The API through the node's ingress, with the token the chart generated.
    const token = secretValue(
      await core.readNamespacedSecret({ name: `${release}-admin-token`, namespace }),
      'token',
    );
    expect(token.length).toBeGreaterThanOrEqual(32);
    const api = {
      async api<T>(method: string, path: string, body?: unknown) {
        const answer = await throughIngress(host, path, {
          method,
          ...(body === undefined ? {} : { json: body }),
          headers: { authorization: `Bearer ${token}` },
        });
        return {
          status: answer.status,
          text: answer.body,
          body: (answer.body.startsWith('{') ? JSON.parse(answer.body) : undefined) as T,
        };
      },
    };
    const health = await waitFor('the API to answer through the ingress', async () => {
      const answer = await api.api<{ status: string; checks: Record<string, { ok: boolean }> }>(
        'GET',
        '/api/health',
      );
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(health.status).toBe('healthy');
    expect((await throughIngress(host, '/')).body).toContain('<div id="root">');

    const medusa = await api.api<Store>('POST', '/api/stores', { type: 'medusa', name: 'platform-shop' });
    expect(medusa.status).toBe(202);
    const woo = await api.api<Store>('POST', '/api/stores', { type: 'woocommerce', name: 'platform-woo' });
    expect(woo.status).toBe(202);

    const ready = await waitForStore(
      api,
      medusa.body.id,
      (s) => s.status === 'Ready' || s.status === 'Failed',
      420_000,
    );
    expect(ready.reason, JSON.stringify(ready.reason)).toBeNull();
    expect(ready.status).toBe('Ready');
    expect(ready.simulated).toBe(false);
    const storeNamespace = `store-${medusa.body.id}`;
    const pods = (await core.listNamespacedPod({ namespace: storeNamespace })).items;
    expect(pods.every((pod) => pod.spec?.nodeName === realNode.name)).toBe(true);
    // Urumi's pod asked the store over its Service: the chart's egress policy and the store's
    // ingress policy both let it through.
    const events = (await api.api<{ items: StoreEvent[] }>('GET', `/api/stores/${medusa.body.id}/events`))
      .body.items;
    const verified = events.findLast((event) => event.step === 'verify');
    expect(verified?.message).toMatch(
      new RegExp(
        `^the store API \\(GET http://[a-z0-9-]+\\.${storeNamespace}\\.svc[.a-z]*:9000/health\\) answered HTTP 200 OK; `,
      ),
    );
    // The store's own URL answers through the ingress.
    expect((await throughIngress(`${medusa.body.id}.localhost`, '/health')).status).toBe(200);
    // The engine bound the chart's store ClusterRole to the chart's ServiceAccount in the store's
    // namespace: what the pod did, it did with the chart's rights.
    const bindings = (await rbac.listNamespacedRoleBinding({ namespace: storeNamespace })).items;
    expect(bindings.flatMap((binding) => binding.subjects ?? [])).toContainEqual(
      expect.objectContaining({ kind: 'ServiceAccount', name: release, namespace }),
    );

    const failed = await waitForStore(
      api,
      woo.body.id,
      (s) => s.status === 'Ready' || s.status === 'Failed',
      300_000,
    );
    expect(failed.status).toBe('Failed');
    expect(failed.reason?.code).toBe('SETUP_FAILED');
    expect(failed.step).toBe('setup');
    const [setupPod] = (
      await core.listNamespacedPod({
        namespace: failed.namespace,
        labelSelector: 'job-name=woocommerce-setup',
      })
    ).items;
    const setupLog = await core.readNamespacedPodLog({
      name: setupPod!.metadata!.name!,
      namespace: failed.namespace,
      container: 'setup',
    });
    expect(setupLog).toContain('wp: command not found');

    const folders = [
      ...(await volumeFolders(storeNamespace)),
      ...(await volumeFolders(`store-${woo.body.id}`)),
    ];
    expect(folders.length).toBeGreaterThanOrEqual(3);
    for (const id of [medusa.body.id, woo.body.id]) {
      expect((await api.api('DELETE', `/api/stores/${id}`)).status).toBe(202);
    }
    for (const id of [medusa.body.id, woo.body.id]) {
      const gone = await waitForStore(
        api,
        id,
        (s) => s.status === 'Deleted' || s.status === 'Failed',
        300_000,
      );
      expect(gone.status).toBe('Deleted');
      expect(
        await core.readNamespace({ name: `store-${id}` }).then(
          () => 'exists',
          () => 'gone',
        ),
      ).toBe('gone');
    }
    await foldersRemoved(folders);
  }, 900_000);
});
