import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { versions } from '../src/versions.ts';
import { helm, kube, statusOf, testNamespace, waitFor } from './kube.ts';

const chart = join(import.meta.dirname, 'fixtures', 'hello');

describe('helm against the test cluster', () => {
  it('is the pinned Helm 4', async () => {
    const { stdout } = await helm(['version', '--short']);
    expect(stdout.trim()).toMatch(new RegExp(`^v${versions.helm.replaceAll('.', '\\.')}\\b`));
  });

  it('installs a chart with upgrade --install --wait, upgrades it, and uninstall removes everything', async () => {
    const namespace = await testNamespace('helm');
    const { apps, core } = kube();
    const install = ['upgrade', '--install', 'hello', chart, '--namespace', namespace, '--wait=watcher'];
    await helm([...install, '--timeout', '90s']);

    const { stdout: listed } = await helm(['list', '--namespace', namespace, '--output', 'json']);
    const releases = JSON.parse(listed) as { name: string; status: string; revision: string }[];
    expect(releases).toMatchObject([{ name: 'hello', status: 'deployed', revision: '1' }]);
    // --wait returned only once the Deployment was available.
    const deployment = await apps.readNamespacedDeployment({ name: 'hello', namespace });
    expect(deployment.status?.availableReplicas).toBe(2);

    await helm([...install, '--timeout', '90s', '--set', 'replicas=3']);
    const upgraded = await apps.readNamespacedDeployment({ name: 'hello', namespace });
    expect(upgraded.status?.availableReplicas).toBe(3);

    await helm(['uninstall', 'hello', '--namespace', namespace, '--wait', '--timeout', '60s']);
    const { stdout: after } = await helm(['list', '--namespace', namespace, '--output', 'json']);
    expect(JSON.parse(after)).toEqual([]);
    for (const read of [
      () => apps.readNamespacedDeployment({ name: 'hello', namespace }),
      () => core.readNamespacedService({ name: 'hello', namespace }),
      () => core.readNamespacedConfigMap({ name: 'hello-settings', namespace }),
    ]) {
      expect(await read().then(() => 200, statusOf)).toBe(404);
    }
    await waitFor('the release pods to be gone', async () => {
      const pods = await core.listNamespacedPod({ namespace });
      return pods.items.length === 0;
    });
  });
});
