import type { Health, Store, StoreEvent } from '@urumi/contracts';
import { vi } from 'vitest';

export const goodToken = 'urumi_test-token-0123456789abcdef0123456789';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Handler = (request: RecordedRequest) => Response | undefined;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** An error answer in the API's one shape. */
export const apiError = (status: number, code: string, message: string, details?: unknown) =>
  json(status, { error: { code, message, ...(details === undefined ? {} : { details }) } });

/**
 * A stand-in for the Urumi API behind `fetch`, for component tests only: it checks the bearer
 * token, filters the store list like the API, serves timelines and health, and keeps the
 * `/api/events` stream open so a test can push `store` events into it.
 */
export function installFakeApi(options: { stores?: Store[]; events?: Record<string, StoreEvent[]> } = {}) {
  const stores = [...(options.stores ?? [])];
  const events = options.events ?? {};
  const requests: RecordedRequest[] = [];
  const overrides: { method: string; path: string; handler: Handler }[] = [];
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  let health: Health = {
    status: 'healthy',
    timestamp: new Date().toISOString(),
    checks: { database: true, kubernetes: true, helm: true },
  };

  const eventStream = (signal: AbortSignal | null | undefined) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        streams.push(controller);
        controller.enqueue(new TextEncoder().encode('retry: 3000\n: connected\n\n'));
        signal?.addEventListener('abort', () => {
          try {
            controller.error(new DOMException('The operation was aborted.', 'AbortError'));
          } catch {
            // already closed
          }
        });
      },
    });

  const route = (request: RecordedRequest, signal: AbortSignal | null | undefined): Response => {
    const override = overrides.find((o) => o.method === request.method && o.path === request.path);
    const answer = override?.handler(request);
    if (answer) return answer;
    if (request.path === '/api/health') return json(health.status === 'healthy' ? 200 : 503, health);
    if (request.headers.get('authorization') !== `Bearer ${goodToken}`) {
      return apiError(401, 'UNAUTHORIZED', 'this API token is not valid');
    }
    if (request.method === 'GET' && request.path === '/api/events') {
      return new Response(eventStream(signal), { headers: { 'content-type': 'text/event-stream' } });
    }
    if (request.method === 'GET' && request.path === '/api/stores') {
      const status = request.query.get('status');
      const type = request.query.get('type');
      const items = stores
        .filter((s) => (status ? s.status === status : s.status !== 'Deleted'))
        .filter((s) => !type || s.type === type)
        .toSorted((a, b) => b.createdAt.localeCompare(a.createdAt));
      return json(200, { items, nextCursor: null });
    }
    const match = /^\/api\/stores\/([^/]+)(\/events)?$/.exec(request.path);
    const store = stores.find((s) => s.id === match?.[1]);
    if (match && request.method === 'GET') {
      if (!store) return apiError(404, 'NOT_FOUND', `store ${match[1]} was not found`);
      return match[2] ? json(200, { items: events[store.id] ?? [] }) : json(200, store);
    }
    return apiError(404, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.path}`);
  };

  const fetchStub = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(href, 'http://localhost');
    const text = typeof init?.body === 'string' ? init.body : null;
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init?.headers),
      body: text === null ? undefined : (JSON.parse(text) as unknown),
    };
    requests.push(request);
    await Promise.resolve();
    return route(request, init?.signal);
  });
  vi.stubGlobal('fetch', fetchStub);

  return {
    requests,
    /** Requests made to `path` with `method` (GET by default). */
    calls(path: string, method = 'GET'): RecordedRequest[] {
      return requests.filter((r) => r.path === path && r.method === method);
    },
    /** Answers `method path` with `handler` instead (return undefined to fall through). */
    on(method: string, path: string, handler: Handler): void {
      overrides.unshift({ method, path, handler });
    },
    setHealth(checks: Health['checks']): void {
      const isHealthy = checks.database && checks.kubernetes && checks.helm;
      health = { status: isHealthy ? 'healthy' : 'unhealthy', timestamp: new Date().toISOString(), checks };
    },
    /** Sends `event: store` with the whole store to every open event stream, as the API does. */
    pushStore(store: Store): void {
      const index = stores.findIndex((s) => s.id === store.id);
      if (index === -1) stores.push(store);
      else stores[index] = store;
      const frame = `event: store\nid: ${store.id}:${store.updatedAt}\ndata: ${JSON.stringify(store)}\n\n`;
      for (const stream of streams) {
        try {
          stream.enqueue(new TextEncoder().encode(frame));
        } catch {
          // that stream was closed
        }
      }
    },
    openStreams(): number {
      return streams.length;
    },
  };
}
