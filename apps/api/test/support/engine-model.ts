import pino from 'pino';
import type { Clock, StoreRepository } from '../../src/domain/ports.ts';
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import { stepBudgets } from '../../src/engine/steps/index.ts';
import { storeTypes } from '../../src/store-types/index.ts';
import type { FakeProcess } from './fake-cluster.ts';

/**
 * The small world the engine's model tests run in (engine.property and engine.replay): limits low
 * enough to be reached, and every time short.
 */
export const maxStores = 4;
export const maxInFlight = 2;
export const timing = {
  // The engine renews leases every max(500 ms, lease / 3) (config allows no lease under 2 s), so a
  // shorter lease would lapse while its engine still works the store.
  leaseMs: 1_000,
  pollIntervalMs: 25,
  recheckMs: 60,
  healthIntervalMs: 50,
  helmDelayMs: 25,
  namespaceDeleteMs: 30,
  provisionTimeoutMs: 1_200,
  queueTimeoutMs: 1_500,
  deleteTimeoutMs: 1_500,
  repairAfterMs: 300,
};
export const budgets = stepBudgets({
  queued: timing.queueTimeoutMs,
  namespace: 400,
  secrets: 400,
  release: 500,
  database: 700,
  app: 700,
  setup: 700,
  verify: 400,
  uninstall: timing.deleteTimeoutMs,
  volumes: timing.deleteTimeoutMs,
  'namespace-delete': timing.deleteTimeoutMs,
});
export const noMetrics = {
  provisioned: () => undefined,
  failed: () => undefined,
  reconcileError: () => undefined,
};

/** An engine process of the model world: `process`'s fake cluster and helm, the model's timing. */
export function modelEngine(
  process: FakeProcess,
  repository: StoreRepository,
  o: { clock: Clock; owner: string; random?: () => number },
  /** Settings of a test's own, over the model's. */
  overrides: Partial<EngineOptions> = {},
): Engine {
  return new Engine({
    repository: process.repository(repository),
    cluster: process.cluster(),
    helm: process.helm(),
    storeTypes,
    clock: o.clock,
    log: pino({ level: 'silent' }),
    metrics: noMetrics,
    chartsDir: '/nonexistent/charts',
    valuesProfile: null,
    extraValuesFiles: [],
    baseDomain: 'localhost',
    maxInFlight,
    leaseMs: timing.leaseMs,
    provisionTimeoutMs: timing.provisionTimeoutMs,
    pollIntervalMs: timing.pollIntervalMs,
    recheckMs: timing.recheckMs,
    healthIntervalMs: timing.healthIntervalMs,
    repairAfterMs: timing.repairAfterMs,
    owner: o.owner,
    random: o.random,
    budgets,
    ...overrides,
  });
}
