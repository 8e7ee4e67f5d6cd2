/**
 * The pinned version set of the local test cluster. Each Go wrapper module under `go/` requires
 * exactly these versions (a unit test checks it); the binary cache is keyed by this set, the Go
 * toolchain version and the wrapper modules' go.mod/go.sum.
 */
export const versions = {
  kubernetes: '1.36.3',
  etcd: '3.6.16',
  kwok: '0.8.0',
  helm: '4.3.2',
  // The real node (README "Local cluster"): containerd's matrix lists 2.2/2.3 for Kubernetes 1.36;
  // kube-router 2.1.0 and Traefik 3.6.12 are the newest the Go module proxy builds here.
  containerd: '2.3.7',
  coredns: '1.14.7',
  kubeRouter: '2.1.0',
  traefik: '3.6.12',
  registry: '3.1.2',
} as const;

/** A fixed build date keeps the version ldflags, and so the binaries, reproducible. */
export const buildDate = '2026-08-01T00:00:00Z';

/** The Go module each wrapper under `go/` builds, with the version it must require. */
export const wrapperModules = {
  kubernetes: { module: 'k8s.io/kubernetes', version: `v${versions.kubernetes}` },
  etcd: { module: 'go.etcd.io/etcd/server/v3', version: `v${versions.etcd}` },
  kwok: { module: 'sigs.k8s.io/kwok', version: `v${versions.kwok}` },
  helm: { module: 'helm.sh/helm/v4', version: `v${versions.helm}` },
  containerd: { module: 'github.com/containerd/containerd/v2', version: `v${versions.containerd}` },
  coredns: { module: 'github.com/coredns/coredns', version: `v${versions.coredns}` },
  'kube-router': { module: 'github.com/cloudnativelabs/kube-router/v2', version: `v${versions.kubeRouter}` },
  traefik: { module: 'github.com/traefik/traefik/v3', version: `v${versions.traefik}` },
  registry: { module: 'github.com/distribution/distribution/v3', version: `v${versions.registry}` },
} as const;

export type WrapperName = keyof typeof wrapperModules;
