import type { ErrorBody, ErrorCode } from '@urumi/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDomainError } from '../domain/errors.ts';

/** The HTTP status of each error code: the one place statuses are decided. */
export const errorStatus: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BODY_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NAME_TAKEN: 409,
  STORE_LIMIT_REACHED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  INVALID_STATE: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

function send(reply: FastifyReply, code: ErrorCode, message: string, details?: unknown): FastifyReply {
  return reply
    .status(errorStatus[code])
    .send({ error: { code, message, ...(details === undefined ? {} : { details }) } } satisfies ErrorBody);
}

const fastifyCodes: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON', message: 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'MALFORMED_JSON',
    message: 'the request body is empty; send a JSON object',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'send the request body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'MALFORMED_JSON',
    message: 'the Content-Length header does not match the body',
  },
};

/**
 * The one place that turns an error into a response. Client mistakes get a 4xx with a code and a
 * message saying what to fix; anything unexpected is logged and answered with a 500 that carries
 * no internal detail, only the request id to quote.
 */
export function errorHandler(isUnavailable: (error: unknown) => boolean = () => false) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
    handleError(error, request, reply, isUnavailable);
}

function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  isUnavailable: (error: unknown) => boolean,
): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => ({
      in: error.validationContext ?? 'request',
      path: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      message: issue.message ?? 'invalid value',
    }));
    const first = details[0];
    const where = first ? `${first.in}${first.path ? `.${first.path}` : ''}` : 'request';
    return send(
      reply,
      'VALIDATION_FAILED',
      `invalid ${where}: ${first?.message ?? 'invalid value'}`,
      details,
    );
  }
  if (isDomainError(error)) return send(reply, error.code, error.message, error.details);
  const known = error.code ? fastifyCodes[error.code] : undefined;
  if (known) return send(reply, known.code, known.message);
  if (error.statusCode === 429) {
    return send(reply, 'RATE_LIMITED', 'too many requests; wait a moment and try again');
  }
  if (error instanceof SyntaxError || error.code?.startsWith('FST_ERR_CTP')) {
    return send(reply, 'MALFORMED_JSON', 'the request body could not be parsed');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    // A client error raised by Fastify or a plugin keeps its own 4xx status.
    return reply.status(error.statusCode).send({
      error: { code: 'VALIDATION_FAILED', message: 'the request is not valid' },
    } satisfies ErrorBody);
  }
  if (isUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    void reply.header('retry-after', '5');
    return send(
      reply,
      'UNAVAILABLE',
      'the database is unavailable right now; nothing was changed, try again in a few seconds',
    );
  }
  request.log.error({ err: error }, 'unhandled error');
  return send(
    reply,
    'INTERNAL',
    `something failed on our side; quote request id ${request.id} when reporting it`,
  );
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(reply, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
}
