import { createHash, randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  createStoreBodySchema,
  errorBodySchema,
  healthSchema,
  listStoresQuerySchema,
  storeEventListSchema,
  storeListSchema,
  storeParamsSchema,
  storeSchema,
  type Health,
} from '@urumi/contracts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { DomainError } from '../domain/errors.ts';
import type { ChangeFeed, TokenRepository } from '../domain/ports.ts';
import type { Caller, StoreService } from '../domain/store-service.ts';
import { hashToken } from '../domain/tokens.ts';
import { errorHandler, handleNotFound } from './errors.ts';
import { StoreEventsHub } from './sse.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export interface ServerOptions {
  logger: Logger;
  stores: StoreService;
  tokens: TokenRepository;
  changes: ChangeFeed;
  health: () => Promise<Health['checks']>;
  metrics: Registry;
  bodyLimit: number;
  corsOrigin?: string | undefined;
  createRateLimitPerMinute: number;
  authFailuresPerMinute: number;
  metricsToken?: string | undefined;
  /** Where the built dashboard is, to serve it at `/`; unset → not served. */
  dashboardDir?: string | undefined;
  /** Whether an error means a dependency (the database) is unreachable: answered 503, not 500. */
  isUnavailable?: (error: unknown) => boolean;
}

const publicPaths = new Set(['/api/health', '/api/openapi.json']);
const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'an Idempotency-Key is 1-200 printable ASCII characters');

/**
 * The error responses each route documents (all `errorBodySchema`). Every authenticated route can
 * answer 400 (bad input), 401 (no or a wrong token), 429 (too many failed sign-ins) and 503 (the
 * database is unreachable); the rest are added where a route can send them.
 */
const errors = { 400: errorBodySchema, 401: errorBodySchema, 429: errorBodySchema, 503: errorBodySchema };
const storeErrors = { ...errors, 404: errorBodySchema };
const createErrors = {
  ...errors,
  409: errorBodySchema,
  413: errorBodySchema,
  415: errorBodySchema,
  422: errorBodySchema,
};

/** Counts failed authentications per client address over a sliding minute. */
function failureCounter(limit: number) {
  const failures = new Map<string, number[]>();
  return {
    isBlocked(ip: string, now: number): boolean {
      const recent = (failures.get(ip) ?? []).filter((t) => now - t < 60_000);
      failures.set(ip, recent);
      if (recent.length === 0) failures.delete(ip);
      return recent.length >= limit;
    },
    record(ip: string, now: number): void {
      failures.set(ip, [...(failures.get(ip) ?? []), now]);
    },
  };
}

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
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(o.isUnavailable));
  const dashboard = o.dashboardDir && existsSync(join(o.dashboardDir, 'index.html')) ? o.dashboardDir : null;
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
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  const failures = failureCounter(o.authFailuresPerMinute);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/metrics') {
      if (o.metricsToken && request.headers.authorization !== `Bearer ${o.metricsToken}`) {
        throw new DomainError('UNAUTHORIZED', 401, 'metrics need the metrics token');
      }
      return;
    }
    if (!path.startsWith('/api/') || publicPaths.has(path) || path.startsWith('/api/docs')) return;
    const now = Date.now();
    if (failures.isBlocked(request.ip, now)) {
      throw new DomainError('RATE_LIMITED', 429, 'too many failed sign-ins from this address; wait a minute');
    }
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(request.headers.authorization ?? '');
    const token = match?.[1] ? await o.tokens.findByHash(hashToken(match[1])) : null;
    if (!token) {
      failures.record(request.ip, now);
      void reply.header('www-authenticate', 'Bearer');
      throw new DomainError(
        'UNAUTHORIZED',
        401,
        match ? 'this API token is not valid' : 'send an API token as "Authorization: Bearer <token>"',
      );
    }
    request.caller = { tokenId: token.id, actor: `token:${token.name}` };
  });

  const caller = (request: FastifyRequest): Caller => {
    if (!request.caller) throw new DomainError('UNAUTHORIZED', 401, 'not signed in');
    return request.caller;
  };

  app.post(
    '/api/stores',
    {
      schema: {
        summary: 'Create a store',
        description:
          'Accepted stores are provisioned in the background; over MAX_CONCURRENT_PROVISIONS they wait in step `queued`.',
        body: createStoreBodySchema,
        headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }),
        response: { 202: storeSchema, ...createErrors },
      },
      config: {
        rateLimit: {
          max: o.createRateLimitPerMinute,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) => request.caller?.tokenId ?? request.ip,
          errorResponseBuilder: () =>
            new DomainError('RATE_LIMITED', 429, 'too many stores created with this token; wait a minute'),
        },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const idempotency = key
        ? { key, requestHash: createHash('sha256').update(JSON.stringify(request.body)).digest('hex') }
        : undefined;
      const { store, replayed } = await o.stores.create(request.body, caller(request), idempotency);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(202).send(store);
    },
  );

  app.get(
    '/api/stores',
    {
      schema: {
        summary: 'List stores (newest first; Deleted only when asked for by status)',
        querystring: listStoresQuerySchema,
        response: { 200: storeListSchema, ...errors },
      },
    },
    async (request) => o.stores.list(request.query),
  );

  app.get(
    '/api/stores/:id',
    {
      schema: {
        summary: 'One store',
        params: storeParamsSchema,
        response: { 200: storeSchema, ...storeErrors },
      },
    },
    async (request) => o.stores.get(request.params.id),
  );

  app.delete(
    '/api/stores/:id',
    {
      schema: {
        summary: 'Delete a store (cancels a provision in flight)',
        params: storeParamsSchema,
        response: { 202: storeSchema, ...storeErrors },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await o.stores.delete(request.params.id, caller(request))),
  );

  app.post(
    '/api/stores/:id/retry',
    {
      schema: {
        summary: 'Retry a Failed store',
        params: storeParamsSchema,
        response: { 202: storeSchema, ...storeErrors, 409: errorBodySchema },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await o.stores.retry(request.params.id, caller(request))),
  );

  app.get(
    '/api/stores/:id/events',
    {
      schema: {
        summary: "A store's timeline",
        params: storeParamsSchema,
        response: { 200: storeEventListSchema, ...storeErrors },
      },
    },
    async (request) => ({ items: await o.stores.events(request.params.id) }),
  );

  const hub = new StoreEventsHub({ changes: o.changes, load: (id) => o.stores.get(id).catch(() => null) });
  app.addHook('onClose', () => hub.close());
  app.get(
    '/api/events',
    {
      schema: {
        summary: 'Server-Sent Events: one `store` event with the whole store each time a store changes',
        produces: ['text/event-stream'],
      },
    },
    (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n: connected\n\n');
      const unsubscribe = hub.subscribe({
        store(store) {
          res.write(`event: store\nid: ${store.id}:${store.updatedAt}\ndata: ${JSON.stringify(store)}\n\n`);
        },
        // Changes were missed: end the stream; the client reconnects and reloads what it shows.
        gap: () => res.end(),
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      request.raw.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
      });
    },
  );

  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Health of the database, Kubernetes and helm',
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

  return app;
}

export type UrumiServer = Awaited<ReturnType<typeof buildServer>>;
