// What every store chart must do, written once: each chart's cluster-tier test files register these
// blocks for their chart and keep only what is specific to it (its objects, network paths, scripts).
import { join } from 'node:path';
import type { CoreV1Event, KubernetesObject, V1Job, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { StoreTypeDefinition } from '../../apps/api/src/domain/store-type.ts';
import { simulation } from '../../tools/cluster/src/simulation.ts';
import { kube, rejectionOf, waitFor } from '../../tools/cluster/test/kube.ts';
import {
  containersOf,
  expectGolden,
  expectPodsAdmitted,
  isTrue,
  keyOf,
  newStoreId,
  parseManifests,
  podTemplateOf,
  prepareStoreNamespace,
  renderStore,
  storeValues,
  useHelm,
} from './support.ts';

/** One golden render of a store chart: test/golden/<name>.values.yaml over values-<profile>.yaml. */
export interface GoldenCase {
  name: string;
  profile: 'local' | 'prod';
  /** What the case exists to show, checked on the rendered objects (not only through the golden file). */
  check: (objects: KubernetesObject[]) => void;
}

/** A store chart, as the shared checks need to know it. Its folder is charts/<storeType.chart>. */
export interface StoreChart {
  /** The engine's definition: chart folder, Secrets it creates, quota and LimitRange it applies. */
  storeType: StoreTypeDefinition;
  /** Prefix of the test namespaces, e.g. `woo`. */
  namespacePrefix: string;
  /**
   * Every object the chart renders with values-local.yaml, by keyOf, to its
   * `app.kubernetes.io/component` label. Its Deployments, StatefulSets and Jobs are the workloads
   * whose pods must be admitted, and its components are the pods an installed store runs.
   */
  componentOf: Record<string, string>;
  /** What every container image must match. */
  imagePattern: RegExp;
  /** Environment variables whose names match carry secrets: only by reference to the engine's Secrets. */
  secretEnvPattern: RegExp;
  /** The engine's readiness checks, by the chart's fixed names. */
  waitForStore: (namespace: string) => Promise<void>;
  /** The Job the store's readiness needs and the values key holding its podAnnotations and backoffLimit. */
  failingJob: { name: string; valuesKey: string; what: string };
  /** Store settings (`--set-string` key to value) the engine may change on an upgrade. */
  changedSettings: Record<string, string>;
  /** How many secret values the engine generates for the store (all keys of all its Secrets). */
  generatedSecretCount: number;
}

const workloadKinds = ['Deployment', 'StatefulSet', 'Job'];
/** The release and namespace of the golden renders. */
const goldenRelease = 'store-0123456789ab';

function chartDirOf(chart: StoreChart): string {
  return join(import.meta.dirname, '..', chart.storeType.chart);
}

/** The workloads by keyOf, sorted, and the components, from the chart's componentOf. */
function workloadsOf(chart: StoreChart): { workloads: string[]; components: string[] } {
  const keys = Object.keys(chart.componentOf);
  const workloads = keys.filter((key) => workloadKinds.includes(key.split('/')[0] ?? '')).sort();
  return { workloads, components: [...new Set(Object.values(chart.componentOf))] };
}

/**
 * Registers the golden checks of a store chart: each case renders exactly as its committed
 * test/golden/<case>.yaml and passes helm lint --strict, every case's pods are admitted under
 * restricted Pod Security and the engine quota, and every case installs and becomes ready.
 */
export function describeGoldenConformance(chart: StoreChart, cases: GoldenCase[]): void {
  const chartDir = chartDirOf(chart);
  const goldenDir = join(chartDir, 'test', 'golden');
  const { workloads, components } = workloadsOf(chart);
  const valuesArgs = (golden: GoldenCase) => [
    '--values',
    join(chartDir, `values-${golden.profile}.yaml`),
    '--values',
    join(goldenDir, `${golden.name}.values.yaml`),
  ];
  const helm = useHelm();
  const renderCase = (golden: GoldenCase) =>
    helm.run(['template', goldenRelease, chartDir, '--namespace', goldenRelease, ...valuesArgs(golden)]);

  describe(`charts/${chart.storeType.chart} golden renders`, () => {
    it.each(cases)('renders case $name exactly as the committed golden/$name.yaml', async (golden) => {
      const output = await renderCase(golden);
      golden.check(parseManifests(output));

      await expectGolden(join(goldenDir, `${golden.name}.yaml`), output);
    });

    it.each(cases)('passes helm lint --strict with case $name', async (golden) => {
      const output = await helm.run(['lint', '--strict', chartDir, ...valuesArgs(golden)]);
      expect(output).toContain('1 chart(s) linted, 0 chart(s) failed');
    });
  });

  describe(`charts/${chart.storeType.chart} on the test cluster, per golden case`, () => {
    it('admits every pod of every case under restricted Pod Security and the engine quota (server-side dry run)', async () => {
      const { core } = kube();
      const { namespace } = await prepareStoreNamespace(`${chart.namespacePrefix}-psa`, chart.storeType);

      // The control: this namespace really refuses a pod that only meets baseline.
      const baselineOnly = {
        metadata: { name: 'baseline-only' },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example/urumi/test:1',
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      };
      const refusal = await rejectionOf(
        core.createNamespacedPod({ namespace, body: baselineOnly, dryRun: 'All' }),
      );
      const status = JSON.parse(String((refusal as { body?: unknown }).body)) as { message?: string };
      expect(status.message).toContain('violates PodSecurity "restricted:latest"');

      for (const golden of cases) {
        const objects = parseManifests(await renderCase(golden));
        expect(
          objects
            .filter((object) => podTemplateOf(object))
            .map(keyOf)
            .sort(),
          `case ${golden.name}`,
        ).toEqual(workloads);
        await expectPodsAdmitted(namespace, objects, `case ${golden.name}`);
      }
    });

    it.each(cases)(
      'installs case $name under restricted Pod Security and the engine quota, and becomes ready',
      async (golden) => {
        const { namespace } = await prepareStoreNamespace(
          `${chart.namespacePrefix}-${golden.name}`,
          chart.storeType,
        );
        await helm.run([
          'upgrade',
          '--install',
          goldenRelease,
          chartDir,
          '--namespace',
          namespace,
          ...valuesArgs(golden),
        ]);
        await chart.waitForStore(namespace);

        // Every component's pod was created by its controller (admission refused none of them).
        const { core } = kube();
        const componentLabel = (pod: { metadata?: { labels?: Record<string, string> } }) =>
          pod.metadata?.labels?.['app.kubernetes.io/component'];
        const pods = await waitFor('one pod per component', async () => {
          const list = await core.listNamespacedPod({ namespace });
          const found = new Set(list.items.map(componentLabel));
          return found.size === components.length ? list.items : undefined;
        });
        expect(new Set(pods.map(componentLabel))).toEqual(new Set(components));
        const events = await core.listNamespacedEvent({ namespace });
        // A quota update that lost an optimistic-concurrency race ("the object has been modified")
        // is retried by the controller at once; it is not a refusal, and the pod exists (above).
        const refusals = events.items.filter(
          (event: CoreV1Event) =>
            event.reason === 'FailedCreate' &&
            !/Operation cannot be fulfilled on resourcequotas .*the object has been modified/.test(
              event.message ?? '',
            ),
        );
        expect(refusals.map((event) => event.message)).toEqual([]);
      },
    );
  });
}

/**
 * Registers the checks every store chart must pass with the engine's per-store values: lint, the
 * rendered objects' names, labels and hardening, install without --wait to Ready with secrets kept
 * out of helm, an upgrade with changed settings, uninstall leaving no volume, and a failing Job
 * reported Failed.
 */
export function describeStoreChartConformance(chart: StoreChart): void {
  const chartDir = chartDirOf(chart);
  const localValues = join(chartDir, 'values-local.yaml');
  const prodValues = join(chartDir, 'values-prod.yaml');
  const secretNames = chart.storeType.secrets.map((secret) => secret.name);
  const prefix = chart.namespacePrefix;
  const helmTool = useHelm();
  const helm = helmTool.run;

  /** Installs (or upgrades) store `id` with the local values and `args` on top. */
  const install = (namespace: string, id: string, args: string[] = []) =>
    helm([
      'upgrade',
      '--install',
      `store-${id}`,
      chartDir,
      '--namespace',
      namespace,
      '--values',
      localValues,
      ...storeValues(id),
      ...args,
    ]);

  describe(`charts/${chart.storeType.chart}: what every store chart must do`, () => {
    it('passes helm lint --strict with the local and the production values', async () => {
      const id = newStoreId();
      for (const values of [localValues, prodValues]) {
        const output = await helm(['lint', '--strict', chartDir, '--values', values, ...storeValues(id)]);
        expect(output, values).toContain('0 chart(s) failed');
      }
    });

    it('renders the fixed names, the Urumi labels, pinned images, hardened containers with requests and limits, one data claim per StatefulSet, Jobs that are no helm hooks, the store host, and no Secret', async () => {
      const id = newStoreId();
      const objects = await renderStore(helmTool, chartDir, ['--values', localValues, ...storeValues(id)]);

      expect(objects.map(keyOf).sort()).toEqual(Object.keys(chart.componentOf).sort());
      expect(objects.map((object) => object.kind)).not.toContain('Secret');

      const common = {
        'app.kubernetes.io/name': chart.storeType.chart,
        'app.kubernetes.io/instance': 'store-release',
        'app.kubernetes.io/part-of': 'urumi',
        'app.kubernetes.io/managed-by': 'Helm',
        'urumi.io/store-id': id,
      };
      for (const object of objects) {
        const component = chart.componentOf[keyOf(object)];
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
          if (volume.secret) expect(secretNames).toContain(volume.secret.secretName);
        }
        for (const container of containersOf(template)) {
          const where = `${keyOf(object)} container ${container.name}`;
          expect(container.image, where).toMatch(chart.imagePattern);
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
            if (chart.secretEnvPattern.test(variable.name)) {
              expect(variable.value, `${where} ${variable.name}`).toBeUndefined();
              expect(secretNames).toContain(variable.valueFrom?.secretKeyRef?.name);
            }
          }
        }
      }

      for (const statefulSet of objects.filter((o) => o.kind === 'StatefulSet') as V1StatefulSet[]) {
        const key = keyOf(statefulSet);
        expect(
          statefulSet.spec?.volumeClaimTemplates?.map((claim) => claim.metadata?.name),
          key,
        ).toEqual(['data']);
        expect(statefulSet.spec?.persistentVolumeClaimRetentionPolicy, key).toEqual({
          whenDeleted: 'Delete',
          whenScaled: 'Retain',
        });
      }
      // The engine waits for its Jobs itself; a hook would make helm wait (or delete them).
      for (const job of objects.filter((o) => o.kind === 'Job') as V1Job[]) {
        expect(Object.keys(job.metadata?.annotations ?? {}), keyOf(job)).not.toContain('helm.sh/hook');
      }
      for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
        expect(ingress, keyOf(ingress)).toMatchObject({ spec: { rules: [{ host: `${id}.localhost` }] } });
      }
    });

    it('installs without --wait under restricted Pod Security and the engine quota, becomes ready, keeps generated secrets out of helm get values and helm get manifest, and upgrades with changed store settings', async () => {
      const { namespace, secretValues } = await prepareStoreNamespace(prefix, chart.storeType);
      const id = newStoreId();
      await install(namespace, id);

      await chart.waitForStore(namespace);

      const values = await helm(['get', 'values', `store-${id}`, '--namespace', namespace, '--all']);
      const manifest = await helm(['get', 'manifest', `store-${id}`, '--namespace', namespace]);
      expect(values).toContain(id);
      expect(secretValues).toHaveLength(chart.generatedSecretCount);
      for (const secret of secretValues) {
        expect(values).not.toContain(secret);
        expect(manifest).not.toContain(secret);
      }

      // The engine re-runs the same command with changed store settings: the Jobs' pod templates
      // (immutable) must not change, or the upgrade would fail.
      const changed = Object.entries(chart.changedSettings).flatMap(([key, value]) => [
        '--set-string',
        `${key}=${value}`,
      ]);
      expect(changed).not.toEqual([]);
      await install(namespace, id, changed);
      const releases = JSON.parse(await helm(['list', '--namespace', namespace, '--output', 'json'])) as {
        status: string;
        revision: string;
      }[];
      expect(releases).toMatchObject([{ status: 'deployed', revision: '2' }]);
      await chart.waitForStore(namespace);
    });

    it('leaves no volume behind after helm uninstall', async () => {
      const { namespace } = await prepareStoreNamespace(`${prefix}-uninstall`, chart.storeType);
      const id = newStoreId();
      await install(namespace, id);
      await chart.waitForStore(namespace);
      const { core } = kube();
      const before = await core.listNamespacedPersistentVolumeClaim({ namespace });
      expect(before.items.length, 'PVCs of the installed store').toBeGreaterThan(0);

      await helm(['uninstall', `store-${id}`, '--namespace', namespace, '--wait']);
      // Claims of the chart itself are deleted by helm; those of StatefulSets by their retention policy.
      await waitFor('every PVC of the store to be deleted', async () => {
        const claims = await core.listNamespacedPersistentVolumeClaim({ namespace });
        return claims.items.length === 0;
      });
    });

    const { name: jobName, valuesKey, what } = chart.failingJob;
    it(`reports a failing ${what} as Job ${jobName} Failed and never Complete, the condition the store's readiness needs`, async () => {
      const { namespace } = await prepareStoreNamespace(`${prefix}-fail`, chart.storeType);
      const annotation = `${valuesKey}.podAnnotations.${simulation.jobFailure.replaceAll('.', '\\.')}`;
      await install(namespace, newStoreId(), [
        '--set',
        `${annotation}=true`,
        '--set',
        `${valuesKey}.backoffLimit=0`,
      ]);

      const { batch } = kube();
      const job = await waitFor(`Job ${jobName} to fail`, async () => {
        const current = await batch.readNamespacedJob({ name: jobName, namespace });
        return isTrue(current.status?.conditions, 'Failed') ? current : undefined;
      });
      expect(job.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
      expect(isTrue(job.status?.conditions, 'Complete')).toBe(false);
    });
  });
}
