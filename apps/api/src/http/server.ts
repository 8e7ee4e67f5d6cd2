import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { DomainError } from '../domain/errors.ts';
import type { Caller } from '../domain/store-service.ts';
import { hashToken } from '../domain/tokens.ts';
import { bearerToken, FailedSignIns, secretsEqual } from './auth.ts';
import { errorHandler, handleNotFound } from './errors.ts';
import { RouteMethods } from './methods.ts';
import { operationsRoutes } from './operations-routes.ts';
import type { ServerOptions } from './server-options.ts';
import { storeRoutes } from './store-routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export type { ServerOptions } from './server-options.ts';

/** Routes that need no token: probes, health and the API's own description. */
const publicPaths = new Set(['/api/health', '/api/openapi.json', '/livez', '/readyz']);

export async function buildServer(o: ServerOptions) {
  const app = Fastify({
    loggerInstance: o.logger,
    bodyLimit: o.bodyLimit,
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: o.trustedProxies?.length ? o.trustedProxies : false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(o.isUnavailable));
  const routeMethods = new RouteMethods();
  app.addHook('onRoute', (route) => routeMethods.add(route.url, route.method));
  const servesApi = (o.routes ?? 'all') === 'all';
  const dashboard =
    servesApi && o.dashboardDir && existsSync(join(o.dashboardDir, 'index.html')) ? o.dashboardDir : null;
  if (dashboard) {
    await app.register(fastifyStatic, { root: dashboard, wildcard: false, index: ['index.html'] });
  }
  // The dashboard routes in the browser: any other GET for a page gets its index.html.
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const isPage = request.method === 'GET' && !path.startsWith('/api') && path !== '/metrics';
    if (dashboard && isPage) return reply.type('text/html').sendFile('index.html');
    return handleNotFound(request, reply);
  });
  app.decorateRequest('caller', null);

  // A method no route at this path declares: 405 with the methods it does serve, before anything
  // reads the body (a QUERY without a Content-Type would otherwise fail as a bad body).
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?')[0] ?? '';
    const allowed = routeMethods.allowed(path);
    if (allowed.length === 0 || allowed.includes(request.method)) return;
    void reply.header('allow', allowed.join(', '));
    throw new DomainError(
      'METHOD_NOT_ALLOWED',
      `${path} does not serve ${request.method}; it serves ${allowed.join(', ')}`,
    );
  });

  await app.register(helmet, { contentSecurityPolicy: false });
  if (o.corsOrigin) await app.register(cors, { origin: o.corsOrigin });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Urumi API', version: '0.1.0', description: 'Isolated e-commerce stores on Kubernetes' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  if (servesApi) await app.register(swaggerUi, { routePrefix: '/api/docs' });

  // The token is checked first, so a valid token is never refused because others guessed wrong
  // from the same address (behind an ingress, every client may share one).
  const failures = new FailedSignIns({ limit: o.authFailuresPerMinute });
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/metrics') {
      const given = bearerToken(request.headers.authorization);
      if (o.metricsToken && !(given && secretsEqual(given, o.metricsToken))) {
        throw new DomainError('UNAUTHORIZED', 'metrics need the metrics token');
      }
      return;
    }
    if (!path.startsWith('/api/') || publicPaths.has(path) || path.startsWith('/api/docs')) return;
    const given = bearerToken(request.headers.authorization);
    const token = given ? await o.tokens.findByHash(hashToken(given)) : null;
    if (token) {
      request.caller = { tokenId: token.id, actor: `token:${token.name}` };
      return;
    }
    const now = Date.now();
    const waitSeconds = failures.blockedFor(request.ip, now);
    if (waitSeconds > 0) {
      void reply.header('retry-after', String(waitSeconds));
      throw new DomainError(
        'RATE_LIMITED',
        `too many failed sign-ins from this address; try again in ${waitSeconds} s`,
      );
    }
    failures.record(request.ip, now);
    void reply.header('www-authenticate', 'Bearer');
    throw new DomainError(
      'UNAUTHORIZED',
      given ? 'this API token is not valid' : 'send an API token as "Authorization: Bearer <token>"',
    );
  });

  if (servesApi) storeRoutes(app, o);
  operationsRoutes(app, o);

  return app;
}

export type UrumiServer = Awaited<ReturnType<typeof buildServer>>;
