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
} as const;

/** A fixed build date keeps the version ldflags, and so the binaries, reproducible. */
export const buildDate = '2026-08-01T00:00:00Z';

/** The Go module each wrapper under `go/` builds, with the version it must require. */
export const wrapperModules = {
  kubernetes: { module: 'k8s.io/kubernetes', version: `v${versions.kubernetes}` },
  etcd: { module: 'go.etcd.io/etcd/server/v3', version: `v${versions.etcd}` },
  kwok: { module: 'sigs.k8s.io/kwok', version: `v${versions.kwok}` },
  helm: { module: 'helm.sh/helm/v4', version: `v${versions.helm}` },
} as const;

export type WrapperName = keyof typeof wrapperModules;
