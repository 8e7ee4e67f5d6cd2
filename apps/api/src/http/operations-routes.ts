import { healthSchema, readinessSchema } from '@urumi/contracts';
import type { ServerOptions, ZodApp } from './server-options.ts';

/**
 * What operators and Kubernetes ask of every process, the engine-only worker too: liveness,
 * readiness, the brief's full health check and Prometheus metrics.
 */
export function operationsRoutes(app: ZodApp, o: ServerOptions): void {
  app.get(
    '/livez',
    {
      schema: {
        summary: 'Liveness: the process is up and its event loop answers',
        description:
          'For a livenessProbe: nothing outside the process is checked, so an outage elsewhere restarts nothing.',
        security: [],
        response: { 200: readinessSchema },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: this replica can serve requests (its database answers)',
        description:
          'For a readinessProbe. Kubernetes and helm are not checked: a control-plane blip must not take every replica out of its Service; /api/health reports them.',
        security: [],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const ready = await o.ready();
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable' });
    },
  );

  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Health of the database, Kubernetes and helm',
        description:
          'helm is healthy when it reaches the cluster with the same configuration as the API, not only when its binary runs.',
        security: [],
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const checks = await o.health();
      const healthy = checks.database && checks.kubernetes && checks.helm;
      return reply
        .status(healthy ? 200 : 503)
        .send({ status: healthy ? 'healthy' : 'unhealthy', timestamp: new Date().toISOString(), checks });
    },
  );

  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', o.metrics.contentType).send(await o.metrics.metrics()),
  );
}
