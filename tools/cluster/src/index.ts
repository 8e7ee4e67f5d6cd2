export { cachedToolSet, ensureToolSet, type ToolSet, type ToolSetKind } from './binaries.ts';
export { nodeSize, storageClassName } from './baseline.ts';
export {
  clusterDown,
  clusterPaths,
  clusterStatus,
  clusterUp,
  type ClusterPaths,
  type ClusterStatus,
} from './cluster.ts';
export { simulation } from './simulation.ts';
export { versions } from './versions.ts';
export { realNodeSupport } from './node/node.ts';
export { writeRealNodeStoreValues } from './node/store-values.ts';
