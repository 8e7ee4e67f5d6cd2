import type { ErrorCode } from '@urumi/contracts';

/**
 * A failure the caller can act on. The HTTP layer answers it with the status of its `code`
 * (http/errors.ts, the only place that decides statuses); the message is shown as is, so it must be
 * plain language and never carry secrets.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} was not found`);

export const nameTaken = (name: string) =>
  new DomainError('NAME_TAKEN', `a store named "${name}" already exists; choose another name`);

export const storeLimitReached = (limit: number) =>
  new DomainError(
    'STORE_LIMIT_REACHED',
    `the platform already runs its maximum of ${limit} stores; delete a store or raise MAX_STORES`,
    { limit },
  );

export const invalidState = (message: string) => new DomainError('INVALID_STATE', message);

export const idempotencyKeyReused = () =>
  new DomainError(
    'IDEMPOTENCY_KEY_REUSED',
    'this Idempotency-Key was already used with a different request body; use a new key for a new request',
  );

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof Error && error.name === 'DomainError';
}

/**
 * The cluster holds something in a store's way that the engine must not overwrite (a namespace or
 * RoleBinding it does not own). Retrying cannot help, so the store fails at once with this message.
 */
export class ClusterConflict extends Error {
  override name = 'ClusterConflict';
}

/**
 * Urumi's own configuration stops a step (a helm binary that does not run, a kubeconfig helm
 * cannot use, a chart or values file that is missing or refused). Retrying cannot help: the store
 * fails at once with this message, for an operator to fix the setting and retry the store.
 */
export class ConfigurationProblem extends Error {
  override name = 'ConfigurationProblem';
}
