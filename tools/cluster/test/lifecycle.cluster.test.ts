import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterDown, clusterPaths, clusterStatus, clusterUp, isAlive as alive } from '../src/cluster.ts';

// A second, private cluster (its own state folder and ports) so the shared one is left alone.
describe('cluster lifecycle: up, crash, restart, reuse, down', () => {
  it('restarts killed components, reuses a healthy cluster and leaves nothing behind on down', async () => {
    const paths = clusterPaths({ URUMI_CLUSTER_DIR: await mkdtemp(join(tmpdir(), 'urumi-cluster-test-')) });
    const log = () => undefined;
    try {
      const first = await clusterUp({ paths, log, nodes: 1 });
      expect(first.started).toBe('created');
      const running = await clusterStatus(first.tools, paths);
      expect(running.state).toBe('running');
      const pids = running.components.map((c) => c.pid).filter((pid): pid is number => pid !== null);
      expect(pids).toHaveLength(5);

      const victims = running.components.filter(
        (c) => c.name === 'kube-apiserver' || c.name === 'kwok-controller',
      );
      for (const victim of victims) process.kill(victim.pid!, 'SIGKILL');
      await expect.poll(() => victims.some((v) => alive(v.pid!, v.name)), { timeout: 10_000 }).toBe(false);
      expect((await clusterStatus(first.tools, paths)).state).toBe('degraded');

      const second = await clusterUp({ paths, log, nodes: 1 });
      expect(second.started).toBe('restarted');
      const restarted = await clusterStatus(first.tools, paths);
      expect(restarted.state).toBe('running');
      // etcd survived, so the kill lost no state and created nothing twice.
      expect(restarted.components.find((c) => c.name === 'etcd')?.pid).toBe(
        running.components.find((c) => c.name === 'etcd')?.pid,
      );

      const third = await clusterUp({ paths, log, nodes: 1 });
      expect(third.started).toBe('reused');

      await clusterDown(log, paths);
      // Checked by pid and binary: pids are reused quickly on a busy machine (pid_max is often 32768).
      expect(restarted.components.filter((c) => alive(c.pid!, c.name)).map((c) => c.name)).toEqual([]);
      expect(existsSync(paths.stateDir)).toBe(false);
      expect((await clusterStatus(first.tools, paths)).state).toBe('absent');
    } finally {
      await clusterDown(log, paths);
    }
  });
});
