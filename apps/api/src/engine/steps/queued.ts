import type { Step } from './step.ts';

/**
 * Waiting for a provisioning slot. A store leaves the queue by promotion (the repository's
 * `promoteQueued`, counted under one lock), never by running this step: an engine holds a queued
 * store only once its queue deadline has passed, to fail it, so here it just waits for that.
 */
export const queued: Step<'queued'> = {
  id: 'queued',
  run: () => Promise.resolve({ kind: 'wait' }),
  budgetMs: 3_600_000,
  undoneBy: [],
};
