/** What kind of failure a domain error is; the one exception filter maps each to an HTTP status. */
export type ErrorCategory =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Base of every error a service throws on purpose. Services never throw HTTP exceptions: the same code runs in
 * jobs, where HTTP means nothing.
 */
export class DomainError extends Error {
  constructor(
    /** Stable, machine-readable, e.g. 'workspace_not_found'. */
    readonly code: string,
    readonly category: ErrorCategory,
    message: string,
    readonly extras: { fields?: FieldProblem[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(`${what.toLowerCase().replace(/\s+/g, '_')}_not_found`, 'not_found', `${what} not found`);
  }
}

export class ValidationFailedError extends DomainError {
  constructor(fields: FieldProblem[], message = 'The request is invalid') {
    super('validation_failed', 'invalid', message, { fields });
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid bearer token is required') {
    super('unauthenticated', 'unauthenticated', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'This key may not do that') {
    super('forbidden', 'forbidden', message);
  }
}
