import type { KubernetesObject, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeStoreChartConformance } from '../../test-support/conformance.ts';
import {
  expectRefusedByTemplateAndLint,
  keyOf,
  networkPaths,
  newStoreId,
  podTemplateOf,
  policySpecsByName,
  renderStore,
  storeValues,
  type RefusedValue,
  useHelm,
} from '../../test-support/support.ts';
import { chartDir, localValues, prodValues, woocommerceChart } from './support.ts';

// Lint, the rendered names, labels and hardening, install, upgrade, uninstall and a failing Job:
// charts/test-support/conformance.ts, as for every store chart. Here: what only this chart does.
describeStoreChartConformance(woocommerceChart);

const helm = useHelm();
const helmFailure = helm.failure;
const render = (args: string[]) => renderStore(helm, chartDir, args);

describe('charts/store-woocommerce', () => {
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
    const cases: RefusedValue[] = [
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
    await expectRefusedByTemplateAndLint(
      helm,
      chartDir,
      'store-x',
      ['--values', localValues, ...storeValues(id)],
      cases,
    );
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
    const policies = async (args: string[]) => policySpecsByName(await render([...storeValues(id), ...args]));
    const { selector, component, dns, toInternet } = networkPaths;
    const toDatabase = { to: [component('database')], ports: [{ port: 3306, protocol: 'TCP' }] };

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
});
