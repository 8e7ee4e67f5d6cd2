// `npm start` on a machine that can run the real node: no kubeconfig anywhere, so Urumi starts (here:
// reuses) the local cluster with its real node, builds and pushes the store images, and Medusa
// stores run for real and open at the printed port, while WooCommerce stores, which cannot be set
// up on this machine (WP-CLI and the WooCommerce plugin come only from GitHub and wordpress.org),
// stay simulated and say so.
import type { Store, StoreEvent } from '@urumi/contracts';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { realNode } from '../../../tools/cluster/src/node/config.ts';
import { cacheRoot, clusterStateDir } from '../../../tools/cluster/src/paths.ts';
import { kube } from '../../../tools/cluster/test/kube.ts';
import { requireRealNode, throughIngress } from '../../../tools/cluster/test/real-node.ts';
import { freshPostgresUrl } from './support/databases.ts';
import { eventsOf, namespaceGone, sharedSetup, startUrumi, waitForStore } from './support/urumi-process.ts';

describe('npm start on the local cluster with its real node', () => {
  beforeAll(requireRealNode);

  it('runs Medusa stores on the real node at the printed port, keeps WooCommerce stores simulated and says so, and deletes both', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    // As a new user runs it: no KUBECONFIG, no ~/.kube/config, no store settings. The cluster and
    // cache folders are the test run's (a new HOME would otherwise make a second cluster).
    const urumi = await startUrumi(shared, {
      HOME: shared.dataDir,
      KUBECONFIG: undefined,
      URUMI_LOCAL_CLUSTER: undefined,
      URUMI_CLUSTER_DIR: clusterStateDir(),
      URUMI_CACHE_DIR: cacheRoot(),
      HELM_BINARY: undefined,
      STORE_VALUES_PROFILE: undefined,
      STORE_PODS: undefined,
    });
    const port = inject('ingressPort');
    expect(urumi.output()).toContain(`Stores open at http://<id>.localhost:${port}/`);
    expect(urumi.output()).toMatch(/medusa: real pods on the local cluster's node/);
    expect(urumi.output()).toMatch(/woocommerce: simulated pods/);

    const medusa = await urumi.api<Store>('POST', '/api/stores', { type: 'medusa', name: 'started' });
    const woo = await urumi.api<Store>('POST', '/api/stores', { type: 'woocommerce', name: 'started-woo' });
    expect([medusa.status, woo.status]).toEqual([202, 202]);
    expect(medusa.body.simulated).toBe(false);
    expect(woo.body.simulated).toBe(true);
    const host = `${medusa.body.id}.localhost`;
    expect(medusa.body.url).toBe(`http://${host}:${port}`);

    const [ready, simulated] = await Promise.all([
      waitForStore(urumi, medusa.body.id, (s) => s.status === 'Ready' || s.status === 'Failed', 420_000),
      waitForStore(urumi, woo.body.id, (s) => s.status === 'Ready' || s.status === 'Failed', 300_000),
    ]);
    expect(ready.reason, JSON.stringify(ready.reason)).toBeNull();
    expect(ready.status).toBe('Ready');
    expect(simulated.status).toBe('Ready');
    const { core } = kube();
    const podsOn = async (store: Store) =>
      (await core.listNamespacedPod({ namespace: store.namespace })).items.map((pod) => pod.spec?.nodeName);
    expect(new Set(await podsOn(ready))).toEqual(new Set([realNode.name]));
    expect(await podsOn(simulated)).not.toContain(realNode.name);

    // The Medusa store's link opens: its URL answers through the node's ingress on the printed port.
    expect((await throughIngress(host, '/health')).status).toBe(200);
    expect((await throughIngress(host, '/app/login')).status).toBe(200);
    const verifyNote = (events: StoreEvent[]) => events.findLast((event) => event.step === 'verify')?.message;
    expect(verifyNote(await eventsOf(urumi, ready.id))).toMatch(
      new RegExp(`^the store API \\(GET http://${host}:${port}/health\\) answered HTTP 200 OK; `),
    );
    expect(verifyNote(await eventsOf(urumi, simulated.id))).toBe(
      "no HTTP check: this store's pods are simulated (STORE_PODS)",
    );

    for (const store of [ready, simulated]) {
      expect((await urumi.api('DELETE', `/api/stores/${store.id}`)).status).toBe(202);
    }
    for (const store of [ready, simulated]) {
      const gone = await waitForStore(
        urumi,
        store.id,
        (s) => s.status === 'Deleted' || s.status === 'Failed',
        300_000,
      );
      expect(gone.status).toBe('Deleted');
      expect(await namespaceGone(store.namespace)).toBe(true);
    }
  }, 900_000);
});
