import { randomBytes } from 'node:crypto';
import type { KubernetesObject, V1Job, V1NetworkPolicy, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { simulation } from '../../../tools/cluster/src/simulation.ts';
import { kube, waitFor } from '../../../tools/cluster/test/kube.ts';
import {
  chartDir,
  containersOf,
  isTrue,
  keyOf,
  localValues,
  parseManifests,
  podTemplateOf,
  prepareStoreNamespace,
  prodValues,
  useHelm,
  waitForStore,
} from './support.ts';

const componentOf: Record<string, string> = {
  'ConfigMap/mariadb-config': 'database',
  'Service/mariadb': 'database',
  'Service/mariadb-headless': 'database',
  'StatefulSet/mariadb': 'database',
  'NetworkPolicy/mariadb': 'database',
  'ConfigMap/wordpress-config': 'storefront',
  'ConfigMap/wordpress-env': 'storefront',
  'PersistentVolumeClaim/wp-content': 'storefront',
  'Deployment/wordpress': 'storefront',
  'Service/wordpress': 'storefront',
  'Ingress/wordpress': 'storefront',
  'NetworkPolicy/wordpress': 'storefront',
  'ConfigMap/woocommerce-setup': 'setup',
  'ConfigMap/woocommerce-setup-env': 'setup',
  'Job/woocommerce-setup': 'setup',
  'NetworkPolicy/woocommerce-setup': 'setup',
};

const { run: helm, failure: helmFailure } = useHelm();

function newStoreId(): string {
  return randomBytes(6).toString('hex');
}

/** The values the engine sets per store. */
function storeValues(id: string): string[] {
  return ['--set-string', `store.id=${id}`, '--set-string', `store.host=${id}.localhost`];
}

/** `helm template` output as objects. */
async function render(args: string[]): Promise<KubernetesObject[]> {
  return parseManifests(
    await helm(['template', 'store-release', chartDir, '--namespace', 'store-ns', ...args]),
  );
}

describe('charts/store-woocommerce', () => {
  it('passes helm lint --strict with the local and the production values', async () => {
    const id = newStoreId();
    for (const values of [localValues, prodValues]) {
      const output = await helm(['lint', '--strict', chartDir, '--values', values, ...storeValues(id)]);
      expect(output).toContain('0 chart(s) failed');
    }
  });

  it('refuses to render without a valid store id or host, saying which value is wrong', async () => {
    expect(
      await helmFailure(['template', 'store-x', chartDir, '--set-string', 'store.host=a.localhost']),
    ).toContain("at '/store': missing property 'id'");
    expect(await helmFailure(['template', 'store-x', chartDir, ...storeValues('0123456789AB')])).toContain(
      "at '/store/id': '0123456789AB' does not match pattern",
    );
    expect(
      await helmFailure(['template', 'store-x', chartDir, '--set-string', 'store.id=0123456789ab']),
    ).toContain("at '/store': missing property 'host'");
    expect(
      await helmFailure([
        'template',
        'store-x',
        chartDir,
        ...storeValues('0123456789ab').slice(0, 2),
        '--set-string',
        'store.host=Shop_1.example.com',
      ]),
    ).toContain("at '/store/host': 'Shop_1.example.com' does not match pattern");
  });

  it('rejects an unknown value and a value of the wrong type, in helm template and helm lint alike', async () => {
    const id = newStoreId();
    const cases = [
      { args: ['--set', 'replicas=2'], error: "at '': additional properties 'replicas' not allowed" },
      // A typo in a nested key is refused instead of being silently ignored.
      {
        args: ['--set', 'wordpress.resources.limit.cpu=1'],
        error: "at '/wordpress/resources': additional properties 'limit' not allowed",
      },
      {
        args: ['--set', 'ingress.tls.certManager.isuer=letsencrypt'],
        error: "additional properties 'isuer' not allowed",
      },
      {
        args: ['--set-string', 'wordpress.apache.maxRequestWorkers=twelve'],
        error: "at '/wordpress/apache/maxRequestWorkers': got string, want integer",
      },
      { args: ['--set', 'ingress.enabled=yes'], error: "at '/ingress/enabled': got string, want boolean" },
      {
        args: ['--set-string', 'images.mariadb.digest=latest'],
        error: "at '/images/mariadb/digest': 'latest' does not match pattern",
      },
    ];
    for (const { args, error } of cases) {
      const values = ['--values', localValues, ...storeValues(id), ...args];
      expect(await helmFailure(['template', 'store-x', chartDir, ...values]), args.join(' ')).toContain(
        error,
      );
      const lint = await helmFailure(['lint', '--strict', chartDir, ...values]);
      expect(lint, args.join(' ')).toContain(error);
      expect(lint).toContain('1 chart(s) failed');
    }
  });

  it('renders the fixed names, the Urumi labels, pinned images, hardened containers and no Secret', async () => {
    const id = newStoreId();
    const objects = await render(['--values', localValues, ...storeValues(id)]);

    expect(objects.map(keyOf).sort()).toEqual(Object.keys(componentOf).sort());
    expect(objects.map((object) => object.kind)).not.toContain('Secret');

    const common = {
      'app.kubernetes.io/name': 'store-woocommerce',
      'app.kubernetes.io/instance': 'store-release',
      'app.kubernetes.io/part-of': 'urumi',
      'app.kubernetes.io/managed-by': 'Helm',
      'urumi.io/store-id': id,
    };
    for (const object of objects) {
      const component = componentOf[keyOf(object)];
      expect(object.metadata?.labels, keyOf(object)).toEqual(
        expect.objectContaining({ ...common, 'app.kubernetes.io/component': component }),
      );
      const template = podTemplateOf(object);
      if (!template) continue;
      expect(template.metadata?.labels, `${keyOf(object)} pod template`).toEqual(
        expect.objectContaining({ ...common, 'app.kubernetes.io/component': component }),
      );
      expect(template.spec?.automountServiceAccountToken).toBe(false);
      expect(template.spec?.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const volume of template.spec?.volumes ?? []) {
        if (volume.secret) {
          expect(['mariadb-credentials', 'wordpress-credentials']).toContain(volume.secret.secretName);
        }
      }
      for (const container of containersOf(template)) {
        const where = `${keyOf(object)} container ${container.name}`;
        expect(container.image, where).toMatch(/^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
        for (const bound of ['requests', 'limits'] as const) {
          for (const resource of ['cpu', 'memory']) {
            expect(container.resources?.[bound]?.[resource], `${where} ${bound}.${resource}`).toBeTruthy();
          }
        }
        expect(container.securityContext, where).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        // Secrets reach containers only by reference to the engine's Secrets.
        for (const variable of container.env ?? []) {
          if (/(PASSWORD|_KEY|_SALT)$/.test(variable.name)) {
            expect(variable.value, `${where} ${variable.name}`).toBeUndefined();
            expect(['mariadb-credentials', 'wordpress-credentials']).toContain(
              variable.valueFrom?.secretKeyRef?.name,
            );
          }
        }
      }
    }

    const statefulSet = objects.find((o) => keyOf(o) === 'StatefulSet/mariadb') as V1StatefulSet;
    expect(statefulSet.spec?.volumeClaimTemplates?.map((claim) => claim.metadata?.name)).toEqual(['data']);
    const job = objects.find((o) => keyOf(o) === 'Job/woocommerce-setup') as V1Job;
    expect(Object.keys(job.metadata?.annotations ?? {})).not.toContain('helm.sh/hook');
    const ingress = objects.find((o) => keyOf(o) === 'Ingress/wordpress');
    expect(ingress).toMatchObject({ spec: { rules: [{ host: `${id}.localhost` }] } });
  });

  it('probes both long-running containers, survives a slow first boot, and ties the database volume to its StatefulSet', async () => {
    const objects = await render(['--values', prodValues, ...storeValues(newStoreId())]);
    for (const key of ['StatefulSet/mariadb', 'Deployment/wordpress']) {
      const template = podTemplateOf(objects.find((o) => keyOf(o) === key) as KubernetesObject);
      const [main] = template?.spec?.containers ?? [];
      expect(main?.startupProbe, key).toBeDefined();
      expect(main?.readinessProbe, key).toBeDefined();
      expect(main?.livenessProbe, key).toBeDefined();
      // Liveness only starts after the startup probe passed: give a first boot at least 3 minutes.
      const startup = main?.startupProbe;
      expect((startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3), key).toBeGreaterThanOrEqual(
        180,
      );
      // Liveness never depends on the database answering queries, so a database outage restarts nothing.
      expect(JSON.stringify(main?.livenessProbe), key).not.toContain('innodb_initialized');
    }
    const statefulSet = objects.find((o) => keyOf(o) === 'StatefulSet/mariadb') as V1StatefulSet;
    expect(statefulSet.spec?.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: 'Delete',
      whenScaled: 'Retain',
    });
  });

  it('serves the store over https at its host with the production values', async () => {
    const id = newStoreId();
    const objects = await render(['--values', prodValues, ...storeValues(id)]);
    expect(objects.find((o) => keyOf(o) === 'Ingress/wordpress')).toMatchObject({
      spec: { tls: [{ hosts: [`${id}.localhost`], secretName: 'wordpress-tls' }] },
    });
    expect(objects.find((o) => keyOf(o) === 'ConfigMap/wordpress-env')).toMatchObject({
      data: { WP_HOME: `https://${id}.localhost` },
    });
  });

  it('opens only the documented network paths, internet egress only while allowInternetEgress is on', async () => {
    const id = newStoreId();
    const policies = async (args: string[]) => {
      const objects = await render([...storeValues(id), ...args]);
      const found = objects.filter((o) => o.kind === 'NetworkPolicy') as V1NetworkPolicy[];
      return Object.fromEntries(found.map((policy) => [policy.metadata?.name ?? '', policy.spec]));
    };
    const selector = (name: string) => ({
      matchLabels: expect.objectContaining({ 'app.kubernetes.io/component': name }) as unknown,
    });
    const component = (name: string) => ({ podSelector: selector(name) });
    const dns = {
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    };
    const toDatabase = { to: [component('database')], ports: [{ port: 3306, protocol: 'TCP' }] };
    const toInternet = {
      to: expect.arrayContaining([
        {
          ipBlock: {
            cidr: '0.0.0.0/0',
            except: expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16']) as unknown,
          },
        },
      ]) as unknown,
      ports: [
        { port: 80, protocol: 'TCP' },
        { port: 443, protocol: 'TCP' },
      ],
    };

    const open = await policies([]);
    expect(Object.keys(open).sort()).toEqual(['mariadb', 'woocommerce-setup', 'wordpress']);
    expect(open.mariadb).toMatchObject({
      podSelector: selector('database'),
      policyTypes: ['Ingress', 'Egress'],
      // client-node names the `from` field `_from`.
      ingress: [{ _from: [component('storefront'), component('setup')], ports: [{ port: 3306 }] }],
      egress: [dns],
    });
    expect(open.wordpress?.ingress).toEqual([{ ports: [{ port: 80, protocol: 'TCP' }] }]);
    expect(open.wordpress?.egress).toEqual([dns, toDatabase, toInternet]);
    expect(open['woocommerce-setup']).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    expect(open['woocommerce-setup']?.ingress ?? []).toEqual([]);
    expect(open['woocommerce-setup']?.egress).toEqual([dns, toDatabase, toInternet]);

    const closed = await policies(['--set', 'networkPolicy.allowInternetEgress=false']);
    expect(closed.wordpress?.egress).toEqual([dns, toDatabase]);
    expect(closed['woocommerce-setup']?.egress).toEqual([dns, toDatabase]);

    expect(await policies(['--set', 'networkPolicy.enabled=false'])).toEqual({});
  });

  it('installs without --wait under restricted Pod Security and a quota, becomes ready, and keeps secrets out of helm', async () => {
    const { namespace, secretValues } = await prepareStoreNamespace('woo');
    const id = newStoreId();
    const install = ['upgrade', '--install', `store-${id}`, chartDir, '--namespace', namespace];
    await helm([...install, '--values', localValues, ...storeValues(id)]);

    await waitForStore(namespace);

    const values = await helm(['get', 'values', `store-${id}`, '--namespace', namespace, '--all']);
    const manifest = await helm(['get', 'manifest', `store-${id}`, '--namespace', namespace]);
    expect(values).toContain(id);
    for (const secret of secretValues) {
      expect(values).not.toContain(secret);
      expect(manifest).not.toContain(secret);
    }

    // The engine re-runs the same command, with changed store settings: the setup Job's pod
    // template (immutable) must not change, or the upgrade would fail.
    await helm([
      ...install,
      '--values',
      localValues,
      ...storeValues(id),
      '--set-string',
      'store.name=Renamed Store',
      '--set-string',
      'woocommerce.currency=EUR',
    ]);
    const releases = JSON.parse(await helm(['list', '--namespace', namespace, '--output', 'json'])) as {
      status: string;
      revision: string;
    }[];
    expect(releases).toMatchObject([{ status: 'deployed', revision: '2' }]);
    await waitForStore(namespace);
  });

  it('leaves no volume behind after helm uninstall', async () => {
    const { namespace } = await prepareStoreNamespace('woo-uninstall');
    const id = newStoreId();
    await helm([
      'upgrade',
      '--install',
      `store-${id}`,
      chartDir,
      '--namespace',
      namespace,
      '--values',
      localValues,
      ...storeValues(id),
    ]);
    await waitForStore(namespace);

    await helm(['uninstall', `store-${id}`, '--namespace', namespace, '--wait']);
    // wp-content is deleted by helm; data-mariadb-0 by the StatefulSet's retention policy.
    const { core } = kube();
    await waitFor('every PVC of the store to be deleted', async () => {
      const claims = await core.listNamespacedPersistentVolumeClaim({ namespace });
      return claims.items.length === 0;
    });
  });

  it('reports a failing setup as Job woocommerce-setup Failed', async () => {
    const { namespace } = await prepareStoreNamespace('woo-fail');
    const id = newStoreId();
    const annotation = `setup.podAnnotations.${simulation.jobFailure.replaceAll('.', '\\.')}`;
    await helm([
      'upgrade',
      '--install',
      `store-${id}`,
      chartDir,
      '--namespace',
      namespace,
      '--values',
      localValues,
      ...storeValues(id),
      '--set',
      `${annotation}=true`,
      '--set',
      'setup.backoffLimit=0',
    ]);

    const { batch } = kube();
    const job = await waitFor('Job woocommerce-setup to fail', async () => {
      const current = await batch.readNamespacedJob({ name: 'woocommerce-setup', namespace });
      return isTrue(current.status?.conditions, 'Failed') ? current : undefined;
    });
    expect(job.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
    expect(isTrue(job.status?.conditions, 'Complete')).toBe(false);
  });
});
