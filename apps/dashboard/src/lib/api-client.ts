import { errorBodySchema } from '@urumi/contracts';

/** What a response body is checked against: any zod schema from @urumi/contracts fits. */
export interface ResponseSchema<T> {
  parse(data: unknown): T;
}

/**
 * A failed API call. `status` is the HTTP status (0 when the API could not be reached) and `code`
 * the API's stable error code (`UNREACHABLE` or `BAD_RESPONSE` for failures on our side of the wire).
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof Error && error.name === 'ApiError';
}

/** The API base: `VITE_API_URL` when the build sets it, else same-origin `/api`. No trailing slash. */
export function apiBaseUrl(): string {
  const configured = import.meta.env.VITE_API_URL?.trim();
  return (configured || '/api').replace(/\/+$/, '');
}

export interface RequestOptions<T> {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  schema: ResponseSchema<T>;
  /** Non-2xx statuses whose body is still a regular answer (health answers 503 with its report). */
  acceptStatuses?: readonly number[];
}

export interface ApiClient {
  /** Calls `path` (relative to the API base) and returns the body checked against `schema`. */
  request<T>(path: string, options: RequestOptions<T>): Promise<T>;
  /** Opens a streaming GET (Server-Sent Events); resolves once the API answered 2xx. */
  openStream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

export interface ApiClientOptions {
  baseUrl: string;
  token: string;
  /** Called when the API answers 401 to this token: it was revoked or never valid. */
  onUnauthorized?: () => void;
}

async function toApiError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  const parsed = errorBodySchema.safeParse(body);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(response.status, code, message, details);
  }
  return new ApiError(response.status, `HTTP_${response.status}`, `the API answered ${response.status}`);
}

function unreachable(error: unknown): Error {
  if (error instanceof DOMException && error.name === 'AbortError') return error;
  return new ApiError(0, 'UNREACHABLE', 'could not reach the Urumi API; check your connection');
}

/** A fetch wrapper that sends the bearer token, parses error bodies into ApiError and checks answers. */
export function createApiClient({ baseUrl, token, onUnauthorized }: ApiClientOptions): ApiClient {
  const send = async (path: string, init: RequestInit): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, { ...init, headers });
    } catch (error) {
      throw unreachable(error);
    }
    if (response.status === 401) onUnauthorized?.();
    return response;
  };

  return {
    async request<T>(path: string, options: RequestOptions<T>): Promise<T> {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await send(path, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
      });
      if (!response.ok && !options.acceptStatuses?.includes(response.status)) {
        throw await toApiError(response);
      }
      const body: unknown = await response.json().catch(() => undefined);
      try {
        return options.schema.parse(body);
      } catch {
        throw new ApiError(response.status, 'BAD_RESPONSE', 'the API answered in an unexpected format');
      }
    },

    async openStream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
      const response = await send(path, { headers: { accept: 'text/event-stream' }, signal });
      if (!response.ok) throw await toApiError(response);
      if (!response.body) throw new ApiError(response.status, 'BAD_RESPONSE', 'the event stream has no body');
      return response.body;
    },
  };
}
