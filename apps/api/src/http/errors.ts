import type { ErrorBody, ErrorCode } from '@urumi/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDomainError } from '../domain/errors.ts';

function body(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

const fastifyCodes: Record<string, { status: number; code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'the request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'the request body is empty; send a JSON object',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'BODY_TOO_LARGE',
    message: 'the request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'send the request body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
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
    return reply
      .status(400)
      .send(body('VALIDATION_FAILED', `invalid ${where}: ${first?.message ?? 'invalid value'}`, details));
  }
  if (isDomainError(error)) {
    return reply.status(error.status).send(body(error.code, error.message, error.details));
  }
  const known = error.code ? fastifyCodes[error.code] : undefined;
  if (known) return reply.status(known.status).send(body(known.code, known.message));
  if (error.statusCode === 429) {
    return reply.status(429).send(body('RATE_LIMITED', 'too many requests; wait a moment and try again'));
  }
  if (error instanceof SyntaxError || error.code?.startsWith('FST_ERR_CTP')) {
    return reply.status(400).send(body('MALFORMED_JSON', 'the request body could not be parsed'));
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.status(error.statusCode).send(body('VALIDATION_FAILED', 'the request is not valid'));
  }
  if (isUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    return reply
      .status(503)
      .header('retry-after', '5')
      .send(
        body(
          'UNAVAILABLE',
          'the database is unavailable right now; nothing was changed, try again in a few seconds',
        ),
      );
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply
    .status(500)
    .send(body('INTERNAL', `something failed on our side; quote request id ${request.id} when reporting it`));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .status(404)
    .send(body('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`));
}
