import type { V1Ingress, V1NetworkPolicy } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { describeGoldenConformance, type GoldenCase } from '../../test-support/conformance.ts';
import {
  expectExistingTls,
  expectIssuedTls,
  expectNoInternetEgress,
  findObject,
  networkPolicies,
} from '../../test-support/support.ts';
import { woocommerceChart } from './support.ts';

// Golden renders: each case is the engine's per-store values file (golden/<case>.values.yaml) on top
// of the profile the engine would add (values-<profile>.yaml), rendered as
//   helm template store-0123456789ab charts/store-woocommerce --namespace store-0123456789ab \
//     -f charts/store-woocommerce/values-<profile>.yaml -f golden/<case>.values.yaml
// and compared with the committed golden/<case>.yaml. After an intended change, regenerate them with
//   UPDATE_GOLDEN=1 npx vitest run --project cluster charts/store-woocommerce/test/golden
// and review the diff like code. What every case must pass besides (lint, admission, install) is
// charts/test-support/conformance.ts.

const cases: GoldenCase[] = [
  {
    name: 'local',
    profile: 'local',
    check: (objects) => {
      const ingress = findObject<V1Ingress>(objects, 'Ingress/wordpress');
      expect(ingress?.spec?.tls).toBeUndefined();
      expect(ingress?.spec?.rules?.[0]?.host).toBe('0123456789ab.localhost');
    },
  },
  {
    name: 'prod',
    profile: 'prod',
    check: (objects) => {
      const ingress = findObject<V1Ingress>(objects, 'Ingress/wordpress');
      expectIssuedTls(ingress, '0123456789ab.shops.example.com', 'wordpress-tls');
      const wordpress = findObject<V1NetworkPolicy>(objects, 'NetworkPolicy/wordpress');
      expect(wordpress?.spec?.ingress?.[0]?._from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ]);
    },
  },
  {
    name: 'no-networkpolicy',
    profile: 'local',
    check: (objects) => expect(networkPolicies(objects)).toEqual([]),
  },
  {
    name: 'tls-existing-secret',
    profile: 'local',
    check: (objects) => {
      const ingress = findObject<V1Ingress>(objects, 'Ingress/wordpress');
      expectExistingTls(ingress, '0123456789ab.shops.example.com', 'wildcard-shops-example-com');
      expect(findObject(objects, 'ConfigMap/wordpress-env')).toMatchObject({
        data: { WP_HOME: 'https://0123456789ab.shops.example.com' },
      });
    },
  },
  {
    name: 'internet-egress-off',
    profile: 'local',
    check: (objects) => expectNoInternetEgress(objects, ['mariadb', 'woocommerce-setup', 'wordpress']),
  },
];

describeGoldenConformance(woocommerceChart, cases);
