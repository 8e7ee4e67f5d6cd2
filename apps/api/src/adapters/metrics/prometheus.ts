import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineMetrics, StoreRepository } from '../../domain/ports.ts';

/** The platform's Prometheus metrics; store counts are read from the database at scrape time. */
export function createMetrics(options: { repository: StoreRepository; watchCount: () => number }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const provisionDuration = new Histogram({
    name: 'urumi_store_provision_duration_seconds',
    help: 'Time from leaving the queue to Ready',
    labelNames: ['type'],
    buckets: [5, 10, 20, 30, 60, 90, 120, 180, 300, 600],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'urumi_store_failures_total',
    help: 'Stores that reached Failed, by reason code',
    labelNames: ['type', 'reason'],
    registers: [registry],
  });
  const reconcileErrors = new Counter({
    name: 'urumi_reconcile_errors_total',
    help: 'Transient step errors that were retried with backoff',
    labelNames: ['step'],
    registers: [registry],
  });
  new Gauge({
    name: 'urumi_stores',
    help: 'Stores by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { byStatus } = await options.repository.counts();
      this.reset();
      for (const [status, n] of Object.entries(byStatus)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'urumi_queue_depth',
    help: 'Stores waiting for a provisioning slot',
    registers: [registry],
    async collect() {
      this.set((await options.repository.counts()).queued);
    },
  });
  new Gauge({
    name: 'urumi_kubernetes_watches',
    help: 'Open Kubernetes watches (constant, whatever the number of stores)',
    registers: [registry],
    collect() {
      this.set(options.watchCount());
    },
  });
  const engine: EngineMetrics = {
    provisioned: (type, seconds) => provisionDuration.observe({ type }, seconds),
    failed: (type, reason) => failures.inc({ type, reason }),
    reconcileError: (step) => reconcileErrors.inc({ step }),
  };
  return { registry, engine };
}
