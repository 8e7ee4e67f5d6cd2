import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiOnDatabase } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';

const json = { 'content-type': 'application/json' };

describe.each(databaseKinds)('HTTP API on %s', (kind) => {
  it('creates a store (202), then lists, reads and shows its timeline', async () => {
    const { server, auth } = await apiOnDatabase(kind);
    const created = await server.inject({
      method: 'POST',
      url: '/api/stores',
      headers: { ...auth, ...json },
      payload: { type: 'woocommerce', name: 'corner-shop' },
    });
    expect(created.statusCode).toBe(202);
    const store = created.json<{
      id: string;
      url: string;
      namespace: string;
      status: string;
      queuePosition: number;
    }>();
    expect(store).toMatchObject({
      status: 'Provisioning',
      url: `http://${store.id}.localhost`,
      namespace: `store-${store.id}`,
      queuePosition: 1,
    });
    const listed = await server.inject({
      url: '/api/stores?type=woocommerce&status=Provisioning',
      headers: auth,
    });
    expect(listed.json<{ items: { id: string }[] }>().items.map((s) => s.id)).toEqual([store.id]);
    const one = await server.inject({ url: `/api/stores/${store.id}`, headers: auth });
    expect(one.json()).toEqual(store);
    const events = await server.inject({ url: `/api/stores/${store.id}/events`, headers: auth });
    expect(events.json<{ items: unknown[] }>().items).toMatchObject([
      { message: 'created', toStatus: 'Provisioning' },
    ]);
  });

  it('requires a valid bearer token on every /api route but health', async () => {
    const { server, auth } = await apiOnDatabase(kind);
    for (const [method, url] of [
      ['GET', '/api/stores'],
      ['POST', '/api/stores'],
      ['GET', '/api/stores/0123456789ab'],
      ['DELETE', '/api/stores/0123456789ab'],
      ['POST', '/api/stores/0123456789ab/retry'],
      ['GET', '/api/stores/0123456789ab/events'],
      ['GET', '/api/events'],
    ] as const) {
      for (const headers of [
        {},
        { authorization: 'Bearer urumi_wrong' },
        { authorization: auth.authorization.slice(7) },
      ]) {
        const response = await server.inject({ method, url, headers });
        expect(response.statusCode, `${method} ${url}`).toBe(401);
        expect(response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
        expect(response.headers['www-authenticate']).toBe('Bearer');
      }
    }
    expect((await server.inject({ url: '/api/health' })).statusCode).not.toBe(401);
  });

  it('answers every bad input with the right 4xx and one error shape, never a 5xx', async () => {
    const { server, auth } = await apiOnDatabase(kind, { bodyLimit: 1024 });
    const id = '0123456789ab';
    const cases: {
      name: string;
      method: 'GET' | 'POST' | 'DELETE';
      url: string;
      body?: string;
      headers?: Record<string, string>;
      status: number;
      code: string;
    }[] = [
      {
        name: 'malformed JSON',
        method: 'POST',
        url: '/api/stores',
        body: '{"type":',
        status: 400,
        code: 'MALFORMED_JSON',
      },
      {
        name: 'empty body',
        method: 'POST',
        url: '/api/stores',
        body: '',
        status: 400,
        code: 'MALFORMED_JSON',
      },
      {
        name: 'JSON array',
        method: 'POST',
        url: '/api/stores',
        body: '[]',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'missing type',
        method: 'POST',
        url: '/api/stores',
        body: '{}',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'unknown type',
        method: 'POST',
        url: '/api/stores',
        body: '{"type":"shopify"}',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'wrong type of name',
        method: 'POST',
        url: '/api/stores',
        body: '{"type":"woocommerce","name":42}',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'unknown field',
        method: 'POST',
        url: '/api/stores',
        body: '{"type":"woocommerce","plan":"gold"}',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'name not a DNS label',
        method: 'POST',
        url: '/api/stores',
        body: '{"type":"woocommerce","name":"My Shop!"}',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'name too long',
        method: 'POST',
        url: '/api/stores',
        body: JSON.stringify({ type: 'woocommerce', name: 'a'.repeat(64) }),
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'reserved name',
        method: 'POST',
        url: '/api/stores',
        body: '{"type":"woocommerce","name":"admin"}',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'oversized body',
        method: 'POST',
        url: '/api/stores',
        body: JSON.stringify({ type: 'woocommerce', name: 'x'.repeat(2000) }),
        status: 413,
        code: 'BODY_TOO_LARGE',
      },
      {
        name: 'not JSON',
        method: 'POST',
        url: '/api/stores',
        body: 'type=woocommerce',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'bad Idempotency-Key',
        method: 'POST',
        url: '/api/stores',
        body: '{"type":"woocommerce"}',
        headers: { 'idempotency-key': 'a b' },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'bad limit',
        method: 'GET',
        url: '/api/stores?limit=0',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'limit not a number',
        method: 'GET',
        url: '/api/stores?limit=ten',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'unknown status filter',
        method: 'GET',
        url: '/api/stores?status=Sleeping',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'unknown query field',
        method: 'GET',
        url: '/api/stores?owner=me',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'garbage cursor',
        method: 'GET',
        url: '/api/stores?cursor=%24%24%24',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      { name: 'id too short', method: 'GET', url: '/api/stores/abc', status: 400, code: 'VALIDATION_FAILED' },
      {
        name: 'id uppercase',
        method: 'GET',
        url: '/api/stores/0123456789AB',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'id with traversal',
        method: 'GET',
        url: '/api/stores/..%2F..%2Fetc',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'bad id on delete',
        method: 'DELETE',
        url: '/api/stores/zzz',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'bad id on retry',
        method: 'POST',
        url: '/api/stores/zzz/retry',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'bad id on events',
        method: 'GET',
        url: '/api/stores/zzz/events',
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      { name: 'unknown store', method: 'GET', url: `/api/stores/${id}`, status: 404, code: 'NOT_FOUND' },
      {
        name: 'delete unknown store',
        method: 'DELETE',
        url: `/api/stores/${id}`,
        status: 404,
        code: 'NOT_FOUND',
      },
      {
        name: 'retry unknown store',
        method: 'POST',
        url: `/api/stores/${id}/retry`,
        status: 404,
        code: 'NOT_FOUND',
      },
      {
        name: 'events of unknown store',
        method: 'GET',
        url: `/api/stores/${id}/events`,
        status: 404,
        code: 'NOT_FOUND',
      },
      { name: 'unknown route', method: 'GET', url: '/api/shops', status: 404, code: 'ROUTE_NOT_FOUND' },
      {
        name: 'a method the route does not serve',
        method: 'DELETE',
        url: '/api/stores',
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
      },
    ];
    for (const c of cases) {
      const response = await server.inject({
        method: c.method,
        url: c.url,
        headers: { ...auth, ...(c.body !== undefined ? json : {}), ...c.headers },
        ...(c.body !== undefined ? { payload: c.body } : {}),
      });
      expect({ case: c.name, status: response.statusCode }).toEqual({ case: c.name, status: c.status });
      const body = response.json<{ error: { code: string; message: string } }>();
      expect(body.error.code, c.name).toBe(c.code);
      expect(body.error.message.length, c.name).toBeGreaterThan(5);
      expect(response.body, c.name).not.toMatch(/ at .*\.ts:\d+/);
    }
  });

  it('refuses a taken name with 409 NAME_TAKEN and a retry of a store that has not failed with 409', async () => {
    const { server, auth } = await apiOnDatabase(kind);
    const create = () =>
      server.inject({
        method: 'POST',
        url: '/api/stores',
        headers: { ...auth, ...json },
        payload: { type: 'woocommerce', name: 'twin' },
      });
    const first = await create();
    expect(first.statusCode).toBe(202);
    const second = await create();
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: { code: 'NAME_TAKEN' } });
    const retry = await server.inject({
      method: 'POST',
      url: `/api/stores/${first.json<{ id: string }>().id}/retry`,
      headers: auth,
    });
    expect(retry.statusCode).toBe(409);
    expect(retry.json()).toMatchObject({ error: { code: 'INVALID_STATE' } });
  });

  it('accepts exactly MAX_STORES of 50 parallel POSTs and refuses the rest with STORE_LIMIT_REACHED', async () => {
    const { server, auth } = await apiOnDatabase(kind, { maxStores: 10 });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        server.inject({
          method: 'POST',
          url: '/api/stores',
          headers: { ...auth, ...json },
          payload: { type: 'woocommerce' },
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 202)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    for (const r of responses.filter((x) => x.statusCode === 409)) {
      expect(r.json()).toMatchObject({ error: { code: 'STORE_LIMIT_REACHED', details: { limit: 10 } } });
    }
  });

  it('turns the same Idempotency-Key sent 10 times in parallel into one store, and 422s it for another body', async () => {
    const { server, auth } = await apiOnDatabase(kind);
    const post = (payload: object) =>
      server.inject({
        method: 'POST',
        url: '/api/stores',
        headers: { ...auth, ...json, 'idempotency-key': 'order-77' },
        payload,
      });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => post({ type: 'woocommerce', name: 'once' })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(202));
    expect(new Set(responses.map((r) => r.json<{ id: string }>().id)).size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    const list = await server.inject({ url: '/api/stores', headers: auth });
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
    const other = await post({ type: 'woocommerce', name: 'another' });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('serves health in the brief shape (503 when a dependency is down), probes, the OpenAPI document and metrics', async () => {
    const { server } = await apiOnDatabase(kind);
    // This API-only process has no Kubernetes configuration, so Kubernetes and helm report down,
    // while the replica itself can serve (its database answers).
    const health = await server.inject({ url: '/api/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({
      status: 'unhealthy',
      checks: { database: true, kubernetes: false, helm: false },
    });
    expect(Date.parse(health.json<{ timestamp: string }>().timestamp)).not.toBeNaN();
    const ready = await server.inject({ url: '/readyz' });
    expect({ status: ready.statusCode, body: ready.json<unknown>() }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    const live = await server.inject({ url: '/livez' });
    expect({ status: live.statusCode, body: live.json<unknown>() }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    const openapi = await server.inject({ url: '/api/openapi.json' });
    expect(openapi.statusCode).toBe(200);
    const paths = Object.keys(openapi.json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/stores',
        '/api/stores/{id}',
        '/api/stores/{id}/retry',
        '/api/stores/{id}/events',
        '/api/events',
        '/api/health',
      ]),
    );
    const operations = openapi.json<{
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    }>().paths;
    expect(operations['/api/health']?.get?.security).toEqual([]);
    expect(Object.keys(operations['/api/stores']?.post?.responses ?? {}).sort()).toEqual(
      ['202', '400', '401', '409', '413', '415', '422', '429', '503'].sort(),
    );
    expect((await server.inject({ url: '/api/docs' })).statusCode).toBeLessThan(400);
    expect((await server.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('serves the built dashboard at / and its routes, while unknown API routes stay JSON 404s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'urumi-dashboard-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Urumi</title>');
    const { server, auth } = await apiOnDatabase(kind, { dashboardDir: dir });
    for (const url of ['/', '/stores/0123456789ab']) {
      const page = await server.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('<title>Urumi</title>');
    }
    const api = await server.inject({ url: '/api/nothing-here', headers: auth });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    await rm(dir, { recursive: true, force: true });
  });

  it('streams every store change as Server-Sent Events', async () => {
    const { server, auth } = await apiOnDatabase(kind);
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    const abort = new AbortController();
    const response = await fetch(`${address}/api/events`, { headers: auth, signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const created = await fetch(`${address}/api/stores`, {
      method: 'POST',
      headers: { ...auth, ...json },
      body: JSON.stringify({ type: 'woocommerce', name: 'live' }),
    });
    const { id } = (await created.json()) as { id: string };
    let text = '';
    const deadline = Date.now() + 5_000;
    while (!text.includes(`"id":"${id}"`) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    expect(text).toContain('event: store');
    const data = text.split('\n').find((line) => line.startsWith('data: ') && line.includes(id));
    expect(JSON.parse(data!.slice(6))).toMatchObject({ id, name: 'live', status: 'Provisioning' });
  });

  it('never refuses a valid token: 100 bad tokens from one address, then the valid one from it is served', async () => {
    const { server, auth } = await apiOnDatabase(kind);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 100; i += 1) {
      const bad = await server.inject({
        url: '/api/stores',
        headers: { authorization: `Bearer urumi_bad_${i}` },
      });
      statuses.push(bad.statusCode);
      if (bad.statusCode === 429) retryAfter = String(bad.headers['retry-after']);
    }
    // AUTH_FAILURES_PER_MINUTE's default, 30: then 429s that say when to come back.
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(30).every((status) => status === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    const good = await server.inject({ url: '/api/stores', headers: auth });
    expect(good.statusCode).toBe(200);
  });

  it('behind a trusted proxy limits each client by its X-Forwarded-For address, and ignores that header otherwise', async () => {
    const failing = (server: Awaited<ReturnType<typeof apiOnDatabase>>['server'], client: string) =>
      server.inject({
        url: '/api/stores',
        headers: { authorization: 'Bearer urumi_bad', 'x-forwarded-for': client },
      });
    const proxied = await apiOnDatabase(kind, { env: { TRUSTED_PROXIES: '127.0.0.1' } });
    for (let i = 0; i < 30; i += 1)
      expect((await failing(proxied.server, '203.0.113.7')).statusCode).toBe(401);
    expect((await failing(proxied.server, '203.0.113.7')).statusCode).toBe(429);
    expect((await failing(proxied.server, '198.51.100.9')).statusCode).toBe(401);

    // Without TRUSTED_PROXIES anyone could claim any address: the header is not believed.
    const direct = await apiOnDatabase(kind);
    for (let i = 0; i < 30; i += 1) await failing(direct.server, `203.0.113.${i}`);
    expect((await failing(direct.server, '198.51.100.9')).statusCode).toBe(429);
  });

  it('limits store creation per token at CREATE_RATE_LIMIT_PER_MINUTE (60) with Retry-After', async () => {
    const { server, auth } = await apiOnDatabase(kind, { maxStores: 100 });
    const statuses: number[] = [];
    let limited: { headers: Record<string, unknown>; body: { error: { code: string } } } | null = null;
    for (let i = 0; i < 61; i += 1) {
      const response = await server.inject({
        method: 'POST',
        url: '/api/stores',
        headers: { ...auth, ...json },
        payload: { type: 'woocommerce', name: `shop-${i}` },
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) limited = { headers: response.headers, body: response.json() };
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(60);
    expect(statuses[60]).toBe(429);
    expect(limited?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers a method a route does not serve with 405 and an Allow header, on every route', async () => {
    const { server, auth } = await apiOnDatabase(kind);
    const id = '0123456789ab';
    const routes: [string, string][] = [
      ['/api/stores', 'GET, HEAD, POST'],
      [`/api/stores/${id}`, 'DELETE, GET, HEAD'],
      [`/api/stores/${id}/retry`, 'POST'],
      [`/api/stores/${id}/events`, 'GET, HEAD'],
      ['/api/events', 'GET, HEAD'],
      ['/api/health', 'GET, HEAD'],
      ['/livez', 'GET, HEAD'],
      ['/readyz', 'GET, HEAD'],
      ['/metrics', 'GET, HEAD'],
    ];
    for (const [url, allow] of routes) {
      for (const method of ['TRACE', 'QUERY', 'PATCH', 'PUT'] as const) {
        if (allow.split(', ').includes(method)) continue;
        const response = await server.inject({ method, url, headers: auth });
        expect({ url, method, status: response.statusCode }).toEqual({ url, method, status: 405 });
        expect(response.headers.allow, `${method} ${url}`).toBe(allow);
        expect(response.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
      }
    }
    // A path no route serves stays a 404, whatever the method.
    const unknown = await server.inject({ method: 'TRACE', url: '/api/shops', headers: auth });
    expect(unknown.statusCode).toBe(404);
  });
});
