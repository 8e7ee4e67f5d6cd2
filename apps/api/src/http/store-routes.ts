import { createHash } from 'node:crypto';
import {
  createStoreBodySchema,
  errorBodySchema,
  listStoresQuerySchema,
  storeEventListSchema,
  storeListSchema,
  storeParamsSchema,
  storeSchema,
} from '@urumi/contracts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../domain/errors.ts';
import type { Caller } from '../domain/store-service.ts';
import { createErrors, errors, storeErrors, type ServerOptions, type ZodApp } from './server-options.ts';
import { StoreEventsHub } from './sse.ts';

const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'an Idempotency-Key is 1-200 printable ASCII characters');

const caller = (request: FastifyRequest): Caller => {
  if (!request.caller) throw new DomainError('UNAUTHORIZED', 'not signed in');
  return request.caller;
};

/** The store API under /api/stores and the live stream at /api/events. */
export function storeRoutes(app: ZodApp, o: ServerOptions): void {
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
            new DomainError('RATE_LIMITED', 'too many stores created with this token; wait a minute'),
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
  // Open streams would hold a graceful shutdown until the kill; ended, their clients reconnect to
  // another replica at once.
  app.addHook('preClose', (done) => {
    hub.endAll();
    done();
  });
  app.addHook('onClose', () => hub.close());
  app.get(
    '/api/events',
    {
      schema: {
        summary: 'Server-Sent Events: one `store` event with the whole store each time a store changes',
        description:
          'The stream ends when changes may have been missed (the database was unreachable) or the process shuts down: reconnect and reload.',
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
        end: () => res.end(),
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      request.raw.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
      });
    },
  );
}
