import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { localStorageClass, realNode } from '../src/node/config.ts';
import { kube, testNamespace } from './kube.ts';
import { inPod, realNodeScheduling, requireRealNode, throughIngress } from './real-node.ts';

// The real node of the local cluster: real containers from the images built here, pulled from the
// node's registry, real probes, DNS, Services, the ingress and NetworkPolicies. What cannot run
// here yet is named in the README ("Local cluster") and in #12's notes: store charts on this node
// (their WordPress and Medusa images, volumes) and WooCommerce itself, which only wordpress.org
// and GitHub distribute.

/** A restricted-Pod-Security pod on the real node. */
function realPod(name: string, image: string, args: string[], extra: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      ...realNodeScheduling,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name,
          image,
          args,
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
      ...extra,
    },
  };
}

async function waitReady(namespace: string, name: string, timeoutMs = 90_000): Promise<V1Pod> {
  const { core } = kube();
  const deadline = Date.now() + timeoutMs;
  let last: V1Pod | undefined;
  while (Date.now() < deadline) {
    last = await core.readNamespacedPod({ name, namespace });
    if (last.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `pod ${namespace}/${name} was not Ready in ${timeoutMs} ms: ${JSON.stringify(last?.status)}`,
  );
}

const pick = ({ status, body }: { status: number; body: string }) => ({ status, body });

describe('the real node', () => {
  beforeAll(requireRealNode);

  it('runs MariaDB built here from Debian packages: pulled from the registry, Ready by its own health check, logins work, uid 999 under restricted Pod Security', async () => {
    const { core } = kube();
    const namespace = await testNamespace('mariadb', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'creds' },
        stringData: { 'root-password': `r00t'pa\\ss`, password: 'app-pass-1' },
      },
    });
    const pod = realPod('mariadb', inject('images').mariadb!, [], {
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 999,
        runAsGroup: 999,
        fsGroup: 999,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });
    const container = pod.spec!.containers[0]!;
    container.args = undefined;
    container.env = [
      { name: 'MARIADB_ROOT_PASSWORD_FILE', value: '/run/secrets/mariadb/root-password' },
      { name: 'MARIADB_PASSWORD_FILE', value: '/run/secrets/mariadb/password' },
      { name: 'MARIADB_DATABASE', value: 'shop' },
      { name: 'MARIADB_USER', value: 'shop' },
    ];
    container.readinessProbe = {
      exec: { command: ['healthcheck.sh', '--connect', '--innodb_initialized'] },
      periodSeconds: 2,
    };
    container.volumeMounts = [
      { name: 'data', mountPath: '/var/lib/mysql' },
      { name: 'run', mountPath: '/run/mysqld' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'creds', mountPath: '/run/secrets/mariadb', readOnly: true },
    ];
    pod.spec!.volumes = [
      { name: 'data', emptyDir: {} },
      { name: 'run', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o440 } },
    ];
    await core.createNamespacedPod({ namespace, body: pod });
    const ready = await waitReady(namespace, 'mariadb');
    expect(ready.spec?.nodeName).toBe(realNode.name);
    expect(ready.status?.podIP).toMatch(/^10\.245\.0\./);
    expect(ready.status?.containerStatuses?.[0]?.imageID).toMatch(/^registry\.urumi\.test\/mariadb@sha256:/);

    const app = await inPod(namespace, 'mariadb', [
      'mariadb',
      '-ushop',
      '-papp-pass-1',
      '-h127.0.0.1',
      'shop',
      '--batch',
      '--skip-column-names',
      '-e',
      'SELECT CONCAT(VERSION(), " ", CURRENT_USER())',
    ]);
    expect(app.output).toMatch(/^11\.8\.\d+-MariaDB.* shop@%/);
    const root = await inPod(namespace, 'mariadb', [
      'mariadb',
      '-uroot',
      `-pr00t'pa\\ss`,
      '-h127.0.0.1',
      '-e',
      'SELECT 1',
    ]);
    expect(root.code, root.output).toBe(0);
    const wrong = await inPod(namespace, 'mariadb', [
      'mariadb',
      '-ushop',
      '-pwrong',
      '-h127.0.0.1',
      '-e',
      'SELECT 1',
    ]);
    expect(wrong.output).toContain('Access denied');
    expect((await inPod(namespace, 'mariadb', ['id', '-u'])).output.trim()).toBe('999');
  });

  it('serves a pod through the ingress on 127.0.0.1 by host name, resolves cluster names, and reaches nothing outside the machine', async () => {
    const { core, kc } = kube();
    const { NetworkingV1Api } = await import('@kubernetes/client-node');
    const net = kc.makeApiClient(NetworkingV1Api);
    const namespace = await testNamespace('ingress');
    const toolbox = inject('images').toolbox!;
    await core.createNamespacedPod({
      namespace,
      body: realPod('web', toolbox, ['httpd', '-f', '-p', '8080', '-h', '/srv/www'], {
        securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      }),
    });
    await core.createNamespacedPod({
      namespace,
      body: realPod('client', toolbox, ['sleep', '3600'], {
        securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      }),
    });
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    const host = `${namespace}.localhost`;
    await net.createNamespacedIngress({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          rules: [
            {
              host,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    });
    await waitReady(namespace, 'web');
    await waitReady(namespace, 'client');

    // Through the ingress controller on the node, forwarded to this machine's loopback.
    await expect
      .poll(async () => pick(await throughIngress(host, '/')), { timeout: 10_000, interval: 250 })
      .toEqual({ status: 200, body: 'served by a real pod\n' });
    expect((await throughIngress('nobody.localhost', '/')).status).toBe(404);

    // Service DNS and the Service's virtual IP, from a pod.
    const viaService = await inPod(namespace, 'client', [
      'wget',
      '-q',
      '-O-',
      '-T',
      '5',
      `http://web.${namespace}.svc.cluster.local/`,
    ]);
    expect(viaService.output).toBe('served by a real pod\n');
    // No resolver beyond the cluster, and no route off the machine.
    const outsideName = await inPod(namespace, 'client', ['nslookup', 'example.com']);
    expect(outsideName.code).not.toBe(0);
    const outsideAddress = await inPod(namespace, 'client', [
      'wget',
      '-q',
      '-O-',
      '-T',
      '3',
      'http://1.1.1.1/',
    ]);
    expect(outsideAddress.code).not.toBe(0);
    expect(outsideAddress.output).toMatch(/unreachable|timed out/i);
  });

  it('enforces NetworkPolicies: a default-deny namespace refuses another namespace, an explicit allow lets it in', async () => {
    const { core, kc } = kube();
    const { NetworkingV1Api } = await import('@kubernetes/client-node');
    const net = kc.makeApiClient(NetworkingV1Api);
    const toolbox = inject('images').toolbox!;
    const nobody = { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } };
    const guarded = await testNamespace('guarded');
    const outside = await testNamespace('outside');
    await core.createNamespacedPod({
      namespace: guarded,
      body: realPod('web', toolbox, ['httpd', '-f', '-p', '8080', '-h', '/srv/www'], {
        securityContext: nobody,
      }),
    });
    await core.createNamespacedPod({
      namespace: outside,
      body: realPod('client', toolbox, ['sleep', '3600'], { securityContext: nobody }),
    });
    const web = await waitReady(guarded, 'web');
    await waitReady(outside, 'client');
    const target = `http://${web.status?.podIP}:8080/`;
    const fetchFromOutside = () => inPod(outside, 'client', ['wget', '-q', '-O-', '-T', '3', target]);
    expect((await fetchFromOutside()).output).toBe('served by a real pod\n');

    await net.createNamespacedNetworkPolicy({
      namespace: guarded,
      body: { metadata: { name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    });
    await expect
      .poll(async () => (await fetchFromOutside()).code, { timeout: 20_000, interval: 500 })
      .not.toBe(0);

    await net.createNamespacedNetworkPolicy({
      namespace: guarded,
      body: {
        metadata: { name: 'allow-outside' },
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Ingress'],
          ingress: [
            { _from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': outside } } }] },
          ],
        },
      },
    });
    await expect
      .poll(async () => (await fetchFromOutside()).output, { timeout: 20_000, interval: 500 })
      .toBe('served by a real pod\n');
  });

  it('gives a urumi-local claim a folder on the node: what one pod writes the next reads, and deleting the claim removes the folder and its data', async () => {
    const { core } = kube();
    const namespace = await testNamespace('volume');
    const toolbox = inject('images').toolbox!;
    const nobody = {
      runAsNonRoot: true,
      runAsUser: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'data' },
        spec: {
          storageClassName: localStorageClass,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '64Mi' } },
        },
      },
    });
    const withVolume = (name: string, script: string): V1Pod => {
      const pod = realPod(name, toolbox, ['sh', '-c', script], {
        securityContext: nobody,
        restartPolicy: 'Never',
      });
      pod.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data' }];
      pod.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
      return pod;
    };
    const finished = async (name: string) =>
      expect
        .poll(async () => (await core.readNamespacedPod({ name, namespace })).status?.phase, {
          timeout: 60_000,
        })
        .toBe('Succeeded');
    await core.createNamespacedPod({
      namespace,
      body: withVolume('writer', 'echo kept > /data/order-1 && sync'),
    });
    await finished('writer');
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace });
    expect(claim.status?.phase).toBe('Bound');
    const volume = await core.readPersistentVolume({ name: claim.spec!.volumeName! });
    const folder = volume.spec?.local?.path ?? '';
    expect(existsSync(join(folder, 'order-1'))).toBe(true);

    await core.createNamespacedPod({
      namespace,
      body: withVolume('reader', 'test "$(cat /data/order-1)" = kept'),
    });
    await finished('reader');

    await core.deleteNamespacedPod({ name: 'writer', namespace, gracePeriodSeconds: 0 });
    await core.deleteNamespacedPod({ name: 'reader', namespace, gracePeriodSeconds: 0 });
    await core.deleteNamespacedPersistentVolumeClaim({ name: 'data', namespace });
    await expect.poll(() => existsSync(folder), { timeout: 60_000, interval: 500 }).toBe(false);
    await expect
      .poll(
        () =>
          core.readPersistentVolume({ name: volume.metadata!.name! }).then(
            () => 'present',
            () => 'gone',
          ),
        {
          timeout: 30_000,
        },
      )
      .toBe('gone');
  });
});
