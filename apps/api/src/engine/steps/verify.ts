import { storeNamespace } from '../../domain/store-id.ts';
import { readinessSteps } from '../../domain/store-type.ts';
import type { SitePort } from '../../domain/ports.ts';
import { checkReadiness } from './readiness.ts';
import type { Step, StepContext, StepOutcome } from './step.ts';

/** How soon the verify step asks a store again after a page did not answer (nothing else wakes it). */
const siteRecheckMs = 2_000;

/** Ready means the store answers: everything is still ready together, and its site answers. */
export const verify: Step<'verify'> = {
  id: 'verify',
  async run(c) {
    // A workload that was ready a moment ago and is not now sends the store back to waiting
    // rather than to Ready.
    for (const step of readinessSteps) {
      const outcome = checkReadiness(c, step);
      if (outcome.kind !== 'done') return outcome;
    }
    if (c.unasked)
      return { kind: 'done', note: "no HTTP check: this store's pods are simulated (STORE_PODS)" };
    return c.site ? checkSite(c, c.site) : { kind: 'done', note: 'no HTTP check (STORE_SITE_CHECK is off)' };
  },
  budgetMs: 120_000,
  undoneBy: [],
};

/**
 * Every page of the store's site must answer below 400 (a redirect is an answer; Traefik's 404 for
 * a host it does not route yet is not). Until the step's deadline a page that does not is asked
 * again, since an ingress controller takes a moment to route a new host.
 */
async function checkSite(c: StepContext, site: SitePort): Promise<StepOutcome> {
  const namespace = storeNamespace(c.store.id);
  const { service, port, pages } = c.definition.site;
  const answers = await Promise.all(
    pages.map(async (page) => ({
      page,
      answer: await site.get({ host: c.host, path: page.path, service: { namespace, name: service, port } }),
    })),
  );
  const seen: string[] = [];
  for (const { page, answer } of answers) {
    if ('error' in answer) {
      const message = `${page.what} (GET ${answer.url}) did not answer: ${answer.error}`;
      return { kind: 'wait', reason: { code: 'SITE_UNREACHABLE', message }, recheckMs: siteRecheckMs };
    }
    const status = `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`;
    if (answer.status >= 400 || answer.status < 100) {
      const message = `${page.what} (GET ${answer.url}) answered ${status}`;
      return { kind: 'wait', reason: { code: 'SITE_ERROR', message }, recheckMs: siteRecheckMs };
    }
    seen.push(`${page.what} (GET ${answer.url}) answered ${status}`);
  }
  return { kind: 'done', note: seen.join('; ') };
}
