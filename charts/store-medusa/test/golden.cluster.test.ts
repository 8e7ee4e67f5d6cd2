import type { KubernetesObject, V1ConfigMap, V1Ingress, V1NetworkPolicy } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { describeGoldenConformance, type GoldenCase } from '../../test-support/conformance.ts';
import {
  expectExistingTls,
  expectIssuedTls,
  expectNoInternetEgress,
  findObject,
  networkPolicies,
} from '../../test-support/support.ts';
import { medusaChart } from './support.ts';

// Golden renders: each case is the engine's per-store values file (golden/<case>.values.yaml) on top
// of the profile the engine would add (values-<profile>.yaml), rendered as
//   helm template store-0123456789ab charts/store-medusa --namespace store-0123456789ab \
//     -f charts/store-medusa/values-<profile>.yaml -f golden/<case>.values.yaml
// and compared with the committed golden/<case>.yaml. After an intended change, regenerate them with
//   UPDATE_GOLDEN=1 npx vitest run --project cluster charts/store-medusa/test/golden
// and review the diff like code. What every case must pass besides (lint, admission, install) is
// charts/test-support/conformance.ts.

const medusaEnv = (objects: KubernetesObject[]) =>
  findObject<V1ConfigMap>(objects, 'ConfigMap/medusa-env')?.data;

const cases: GoldenCase[] = [
  {
    name: 'local',
    profile: 'local',
    check: (objects) => {
      const ingress = findObject<V1Ingress>(objects, 'Ingress/medusa');
      expect(ingress?.spec?.tls).toBeUndefined();
      expect(ingress?.spec?.rules?.[0]?.host).toBe('0123456789ab.localhost');
      expect(medusaEnv(objects)).toMatchObject({
        MEDUSA_BACKEND_URL: 'http://0123456789ab.localhost',
        STORE_CORS: 'http://0123456789ab.localhost',
        STORE_NAME: 'corner-shop',
      });
      expect(findObject(objects, 'ConfigMap/medusa-admin-env')).toMatchObject({
        data: { ADMIN_EMAIL: 'owner@example.com' },
      });
    },
  },
  {
    name: 'prod',
    profile: 'prod',
    check: (objects) => {
      const ingress = findObject<V1Ingress>(objects, 'Ingress/medusa');
      expectIssuedTls(ingress, '0123456789ab.shops.example.com', 'medusa-tls');
      const server = findObject<V1NetworkPolicy>(objects, 'NetworkPolicy/medusa-server');
      expect(server?.spec?.ingress?.[0]?._from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ]);
      const url = 'https://0123456789ab.shops.example.com';
      expect(medusaEnv(objects)).toMatchObject({
        MEDUSA_BACKEND_URL: url,
        STORE_CORS: `${url},https://corner-shop.example.com`,
        ADMIN_CORS: url,
        AUTH_CORS: `${url},https://corner-shop.example.com`,
      });
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
      const ingress = findObject<V1Ingress>(objects, 'Ingress/medusa');
      expectExistingTls(ingress, '0123456789ab.shops.example.com', 'wildcard-shops-example-com');
      expect(medusaEnv(objects)).toMatchObject({
        MEDUSA_BACKEND_URL: 'https://0123456789ab.shops.example.com',
        ADMIN_CORS: 'https://0123456789ab.shops.example.com',
      });
    },
  },
  {
    name: 'internet-egress-off',
    profile: 'local',
    check: (objects) =>
      expectNoInternetEgress(objects, [
        'medusa-admin',
        'medusa-migrations',
        'medusa-server',
        'medusa-worker',
        'postgres',
        'redis',
      ]),
  },
];

describeGoldenConformance(medusaChart, cases);
