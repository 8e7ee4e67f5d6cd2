import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  type V1Deployment,
  type V1Job,
  type V1Namespace,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StatefulSet,
  VersionApi,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ClusterConflict } from '../../domain/errors.ts';
import type { ClusterPort, NamespaceSnapshot, NamespacePolicy, NamespaceSpec } from '../../domain/ports.ts';
import { deploymentView, isPodReady, jobView, podView, statefulSetView } from './views.ts';

/** Every store object carries this label (the namespace too), so watches select only ours. */
const storeSelector = 'urumi.io/store-id';
const namespaceSelector = 'app.kubernetes.io/managed-by=urumi';

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function ignore(...codes: number[]) {
  return (error: unknown) => {
    if (!codes.includes(statusOf(error) ?? -1)) throw error;
  };
}

interface Watched<T extends KubernetesObject> {
  list(namespace?: string): ReadonlyArray<T>;
}

/**
 * The cluster through @kubernetes/client-node: one watch (informer) per resource kind across all
 * store namespaces, label-selected, so the number of watches never grows with the number of stores
 * and readiness is read from memory. Watches that fail (including 410 Gone) are restarted with
 * backoff, which relists.
 */
export class KubernetesCluster implements ClusterPort {
  readonly #kc: KubeConfig;
  readonly #log: Logger;
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;
  readonly #batch: BatchV1Api;
  readonly #net: NetworkingV1Api;
  readonly #rbac: RbacAuthorizationV1Api;
  readonly #listeners = new Set<(namespace: string) => void>();
  readonly #informers: { name: string; stop(): Promise<void> }[] = [];
  #namespaces!: Watched<V1Namespace>;
  #statefulSets!: Watched<V1StatefulSet>;
  #deployments!: Watched<V1Deployment>;
  #jobs!: Watched<V1Job>;
  #pods!: Watched<V1Pod>;
  #claims!: Watched<V1PersistentVolumeClaim>;
  #stopped = false;

  constructor(options: { kubeConfig: KubeConfig; log: Logger }) {
    this.#kc = options.kubeConfig;
    this.#log = options.log;
    this.#core = this.#kc.makeApiClient(CoreV1Api);
    this.#apps = this.#kc.makeApiClient(AppsV1Api);
    this.#batch = this.#kc.makeApiClient(BatchV1Api);
    this.#net = this.#kc.makeApiClient(NetworkingV1Api);
    this.#rbac = this.#kc.makeApiClient(RbacAuthorizationV1Api);
  }

  /** Starts the watches and resolves once each has listed its objects. */
  async start(): Promise<void> {
    const s = storeSelector;
    [this.#namespaces, this.#statefulSets, this.#deployments, this.#jobs, this.#pods, this.#claims] =
      await Promise.all([
        this.#watch(
          '/api/v1/namespaces',
          () => this.#core.listNamespace({ labelSelector: namespaceSelector }),
          namespaceSelector,
        ),
        this.#watch(
          '/apis/apps/v1/statefulsets',
          () => this.#apps.listStatefulSetForAllNamespaces({ labelSelector: s }),
          s,
        ),
        this.#watch(
          '/apis/apps/v1/deployments',
          () => this.#apps.listDeploymentForAllNamespaces({ labelSelector: s }),
          s,
        ),
        this.#watch(
          '/apis/batch/v1/jobs',
          () => this.#batch.listJobForAllNamespaces({ labelSelector: s }),
          s,
        ),
        this.#watch('/api/v1/pods', () => this.#core.listPodForAllNamespaces({ labelSelector: s }), s),
        this.#watch(
          '/api/v1/persistentvolumeclaims',
          () => this.#core.listPersistentVolumeClaimForAllNamespaces({ labelSelector: s }),
          s,
        ),
      ]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#informers.map((i) => i.stop().catch(() => undefined)));
  }

  async #watch<T extends KubernetesObject>(
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    selector: string,
  ): Promise<Watched<T>> {
    const informer = makeInformer<T>(this.#kc, path, list, selector);
    const changed = (object: T) => {
      const namespace = object.metadata?.namespace ?? object.metadata?.name ?? '';
      for (const listener of this.#listeners) listener(namespace);
    };
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    let failures = 0;
    informer.on('connect', () => {
      failures = 0;
    });
    informer.on('error', (error: unknown) => {
      if (this.#stopped) return;
      failures += 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
      this.#log.warn({ err: error, path, delayMs: delay }, 'watch failed; restarting');
      setTimeout(() => {
        if (!this.#stopped) informer.start().catch(() => undefined);
      }, delay);
    });
    this.#informers.push({ name: path, stop: () => informer.stop() });
    await informer.start();
    return informer;
  }

  onChange(listener: (namespace: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  watchCount(): number {
    return this.#informers.length;
  }

  snapshot(namespace: string): NamespaceSnapshot {
    const ns = this.#namespaces.list().find((n) => n.metadata?.name === namespace);
    return {
      exists: Boolean(ns),
      terminating: Boolean(ns?.metadata?.deletionTimestamp),
      statefulSets: this.#statefulSets.list(namespace).map((s) => {
        const view = statefulSetView(s);
        const owned = this.#pods
          .list(namespace)
          .filter((p) =>
            p.metadata?.ownerReferences?.some((o) => o.kind === 'StatefulSet' && o.name === s.metadata?.name),
          );
        // A pod being deleted still counts as ready in the StatefulSet's status until its container
        // stops (a database in its shutdown refuses new connections meanwhile): it is not ready here.
        const serving = owned.filter((p) => isPodReady(p) && !p.metadata?.deletionTimestamp).length;
        return {
          ...view,
          ready: Math.min(view.ready, serving),
          stuckPods: owned
            .filter(
              (p) =>
                p.metadata?.labels?.['controller-revision-hash'] !== s.status?.updateRevision &&
                !p.metadata?.deletionTimestamp &&
                !isPodReady(p),
            )
            .map((p) => p.metadata?.name ?? ''),
        };
      }),
      deployments: this.#deployments.list(namespace).map(deploymentView),
      jobs: this.#jobs.list(namespace).map(jobView),
      pods: this.#pods.list(namespace).map(podView),
      volumeClaims: this.#claims
        .list(namespace)
        .map((c) => ({ name: c.metadata?.name ?? '', phase: c.status?.phase ?? 'Pending' })),
    };
  }

  async ensureNamespace(spec: NamespaceSpec): Promise<void> {
    const namespace = spec.name;
    const created = await this.#core
      .createNamespace({ body: { metadata: { name: namespace, labels: spec.labels } } })
      .then(
        () => true,
        (error: unknown) => {
          if (statusOf(error) !== 409) throw error;
          return false;
        },
      );
    if (!created) {
      const existing = await this.#core.readNamespace({ name: namespace });
      const owner = existing.metadata?.labels?.[storeSelector];
      if (owner !== spec.labels[storeSelector]) {
        throw new ClusterConflict(`namespace ${namespace} already exists and does not belong to this store`);
      }
      if (existing.metadata?.deletionTimestamp)
        throw new Error(`namespace ${namespace} is still being deleted`);
    }
    const labels = { 'app.kubernetes.io/managed-by': 'urumi', [storeSelector]: spec.labels[storeSelector]! };
    if (spec.grant) {
      // Our own rights in this namespace come from this binding, so it goes first.
      const binding = {
        metadata: { name: 'urumi-store', labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: spec.grant.clusterRole },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: spec.grant.serviceAccount.name,
            namespace: spec.grant.serviceAccount.namespace,
          },
        ],
      };
      const fresh = await this.#rbac.createNamespacedRoleBinding({ namespace, body: binding }).then(
        () => true,
        (error: unknown) => {
          if (statusOf(error) !== 409) throw error;
          return false;
        },
      );
      if (!fresh) {
        // A binding of that name from someone else (or an older install) must grant exactly this
        // role to exactly this account; its roleRef cannot be changed, so say so rather than use it.
        const existing = await this.#rbac.readNamespacedRoleBinding({
          name: binding.metadata.name,
          namespace,
        });
        const subject = existing.subjects?.length === 1 ? existing.subjects[0] : undefined;
        if (
          existing.roleRef.kind !== 'ClusterRole' ||
          existing.roleRef.name !== spec.grant.clusterRole ||
          subject?.kind !== 'ServiceAccount' ||
          subject.name !== spec.grant.serviceAccount.name ||
          subject.namespace !== spec.grant.serviceAccount.namespace
        ) {
          throw new ClusterConflict(
            `RoleBinding ${binding.metadata.name} in namespace ${namespace} exists but does not bind ClusterRole ` +
              `${spec.grant.clusterRole} to ServiceAccount ${spec.grant.serviceAccount.namespace}/` +
              `${spec.grant.serviceAccount.name}; delete it and retry the store`,
          );
        }
      }
    }
    await this.#applyPolicy(namespace, spec.policy, labels);
  }

  /** The namespace's guardrails, converged to `policy` (created, or replaced where they exist). */
  async #applyPolicy(
    namespace: string,
    policy: NamespacePolicy,
    labels: Record<string, string>,
  ): Promise<void> {
    const quota = { metadata: { name: policy.quota.name, labels }, spec: { hard: policy.quota.hard } };
    await this.#apply(
      () => this.#core.createNamespacedResourceQuota({ namespace, body: quota }),
      () => this.#core.replaceNamespacedResourceQuota({ name: policy.quota.name, namespace, body: quota }),
    );
    const { container } = policy.limitRange;
    const limitRange = {
      metadata: { name: policy.limitRange.name, labels },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: container.request,
            _default: container.limit,
            max: container.max,
          },
        ],
      },
    };
    await this.#apply(
      () => this.#core.createNamespacedLimitRange({ namespace, body: limitRange }),
      () =>
        this.#core.replaceNamespacedLimitRange({ name: policy.limitRange.name, namespace, body: limitRange }),
    );
    for (const rule of policy.networkPolicies) {
      const body = {
        metadata: { name: rule.name, labels },
        spec: {
          podSelector: {},
          policyTypes: rule.policyTypes,
          ...(rule.egress.length > 0 && {
            egress: rule.egress.map((e) => ({
              to: [{ namespaceSelector: { matchLabels: e.toNamespaceLabels } }],
              ports: e.ports,
            })),
          }),
        },
      };
      await this.#apply(
        () => this.#net.createNamespacedNetworkPolicy({ namespace, body }),
        () => this.#net.replaceNamespacedNetworkPolicy({ name: rule.name, namespace, body }),
      );
    }
  }

  /** Create, or replace when it exists: the object converges to the desired spec either way. */
  async #apply(create: () => Promise<unknown>, replace: () => Promise<unknown>): Promise<void> {
    try {
      await create();
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      await replace();
    }
  }

  async ensureSecret(namespace: string, name: string, generate: () => Record<string, string>): Promise<void> {
    const exists = await this.#core.readNamespacedSecret({ name, namespace }).then(
      () => true,
      (error: unknown) => {
        if (statusOf(error) !== 404) throw error;
        return false;
      },
    );
    if (exists) return;
    await this.#core
      .createNamespacedSecret({
        namespace,
        body: {
          metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'urumi' } },
          type: 'Opaque',
          stringData: generate(),
        },
      })
      .catch(ignore(409));
  }

  async warnings(namespace: string): Promise<{ reason: string; message: string; object: string }[]> {
    const events = await this.#core.listNamespacedEvent({
      namespace,
      fieldSelector: 'type=Warning',
      limit: 200,
    });
    return events.items.map((e) => ({
      reason: e.reason ?? '',
      message: e.message ?? '',
      object: `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}`,
    }));
  }

  async deleteVolumeClaims(namespace: string): Promise<void> {
    await this.#core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace }).catch(ignore(404));
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    await this.#core.deleteNamespacedPod({ name, namespace }).catch(ignore(404));
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    await this.#batch
      .deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' })
      .catch(ignore(404));
  }

  async deleteNamespace(namespace: string): Promise<'gone' | 'deleting'> {
    const found = await this.#core.readNamespace({ name: namespace }).then(
      (ns) => ns,
      (error: unknown) => {
        if (statusOf(error) !== 404) throw error;
        return null;
      },
    );
    if (!found) return 'gone';
    if (!found.metadata?.deletionTimestamp) {
      await this.#core.deleteNamespace({ name: namespace }).catch(ignore(404));
    }
    return 'deleting';
  }

  async deletionBlockers(namespace: string): Promise<string | null> {
    const ns = await this.#core.readNamespace({ name: namespace }).catch(() => null);
    const blocking = (ns?.status?.conditions ?? []).filter(
      (c) =>
        c.status === 'True' &&
        [
          'NamespaceFinalizersRemaining',
          'NamespaceContentRemaining',
          'NamespaceDeletionContentFailure',
        ].includes(c.type),
    );
    return blocking.length > 0 ? blocking.map((c) => c.message ?? c.reason ?? c.type).join('; ') : null;
  }

  async ping(): Promise<boolean> {
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3_000).unref());
    const version = this.#kc
      .makeApiClient(VersionApi)
      .getCode()
      .then(
        () => true,
        () => false,
      );
    return Promise.race([version, timeout]);
  }
}
