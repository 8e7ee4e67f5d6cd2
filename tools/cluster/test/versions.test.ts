import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binarySpecs } from '../src/binaries.ts';
import { goModulesDir } from '../src/paths.ts';
import { versions, wrapperModules } from '../src/versions.ts';

describe('pinned versions', () => {
  it.each(Object.entries(wrapperModules))(
    'the %s wrapper module requires exactly the pinned version',
    async (dir, pin) => {
      const goMod = await readFile(join(goModulesDir, dir, 'go.mod'), 'utf8');
      const required = new RegExp(
        `^\\s*(require\\s+)?${pin.module.replaceAll('.', '\\.')} (v\\S+)`,
        'm',
      ).exec(goMod);
      expect(required?.[2]).toBe(pin.version);
    },
  );

  it('replaces every Kubernetes staging module with the tag matching the pinned release', async () => {
    const goMod = await readFile(join(goModulesDir, 'kubernetes', 'go.mod'), 'utf8');
    const replaced = [...goMod.matchAll(/^\s*(?:replace\s+)?(k8s\.io\/\S+) => k8s\.io\/\S+ (v\S+)$/gm)];
    expect(replaced.length).toBeGreaterThanOrEqual(31);
    for (const [, , version] of replaced)
      expect(version).toBe(`v0.${versions.kubernetes.split('.').slice(1).join('.')}`);
  });

  it('builds the control plane and the real node as two sets, each binary in one', () => {
    expect(binarySpecs('control-plane').map((s) => s.name)).toEqual([
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kubectl',
      'etcd',
      'kwok',
      'kwokctl',
      'helm',
    ]);
    expect(binarySpecs('node').map((s) => s.name)).toEqual([
      'kubelet',
      'kube-proxy',
      'pause',
      'containerd',
      'containerd-shim-runc-v2',
      'ctr',
      'coredns',
      'kube-router',
      'registry',
      'traefik',
    ]);
    expect(binarySpecs()).toHaveLength(18);
  });

  it('stamps the Kubernetes and Helm versions into the binaries', () => {
    const specs = Object.fromEntries(binarySpecs().map((s) => [s.name, s]));
    expect(specs['kube-apiserver']?.ldflags).toContain(
      `-X 'k8s.io/component-base/version.gitVersion=v${versions.kubernetes}'`,
    );
    expect(specs['kubectl']?.ldflags).toContain(`-X 'k8s.io/client-go/pkg/version.gitMinor=36'`);
    expect(specs['helm']?.ldflags).toContain(`-X helm.sh/helm/v4/internal/version.version=v${versions.helm}`);
  });
});
