import type { Response } from 'express';

/**
 * Zendesk error bodies. The envelope is `{error, description, details?}`
 * (https://developer.zendesk.com/api-reference/introduction/requests/ "Response format"); validation failures are
 * 422 `RecordInvalid` with `details: {field: [{description, error}]}`. Bodies marked "unverified" below were not found
 * in the documentation and are modelled on what integrations in the wild match against.
 */
export interface ZendeskErrorBody {
  error: string;
  description?: string;
  details?: Record<string, Array<{ description: string; error: string }>>;
  error_description?: string;
}

/** Thrown inside handlers; the dispatcher renders it. Keeps handlers linear instead of `return res.status(..)` chains. */
export class ZendeskHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ZendeskErrorBody | string,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : `${body.error}: ${body.description ?? ''}`);
  }
}

export function sendError(res: Response, err: ZendeskHttpError): void {
  for (const [name, value] of Object.entries(err.headers)) {
    res.setHeader(name, value);
  }
  if (typeof err.body === 'string') {
    res.status(err.status).type('text/plain').send(err.body);
  } else {
    res.status(err.status).json(err.body);
  }
}

// --- the documented / observed shapes -------------------------------------------------------------------------------

/** Basic-auth failure. Seen verbatim in Zendesk community threads: `{"error":"Couldn't authenticate you"}`. */
export const couldNotAuthenticate = (): ZendeskHttpError =>
  new ZendeskHttpError(401, { error: "Couldn't authenticate you" });

/** Bearer-token failure: Zendesk's OAuth layer answers in RFC 6750 style rather than its own envelope. */
export const invalidToken = (): ZendeskHttpError =>
  new ZendeskHttpError(
    401,
    {
      error: 'invalid_token',
      error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.',
    },
    { 'WWW-Authenticate': 'Bearer realm="Zendesk", error="invalid_token"' },
  );

/** Unknown path: answered before any credential check. */
export const invalidEndpoint = (): ZendeskHttpError =>
  new ZendeskHttpError(404, { error: 'InvalidEndpoint', description: 'Not found' });

export const recordNotFound = (): ZendeskHttpError =>
  new ZendeskHttpError(404, { error: 'RecordNotFound', description: 'Not found' });

export type FieldErrors = Record<string, Array<{ description: string; error: string }>>;

export const recordInvalid = (details: FieldErrors): ZendeskHttpError =>
  new ZendeskHttpError(422, { error: 'RecordInvalid', description: 'Record validation errors', details });

export function fieldError(field: string, description: string, error: string): FieldErrors {
  return { [field]: [{ description, error }] };
}

/** Missing root object (`{"ticket": …}` absent). Unverified wording; Rails' ParameterMissing surfaces as 400. */
export const parameterMissing = (param: string): ZendeskHttpError =>
  new ZendeskHttpError(400, {
    error: 'ParameterMissing',
    description: `param is missing or the value is empty: ${param}`,
  });

/** Other malformed input (non-numeric ids in query strings, bad start_time...). Unverified wording. */
export const invalidValue = (description: string, status = 400): ZendeskHttpError =>
  new ZendeskHttpError(status, { error: 'InvalidValue', description });

/** Offset pagination beyond 100 pages answers 400 since 2023/2024 (support article 5591904358938); wording unverified. */
export const invalidPagination = (description: string): ZendeskHttpError =>
  new ZendeskHttpError(400, { error: 'InvalidPaginationParameter', description });

/**
 * Ticket Idempotency-Key reused with another body. Status and text from Zendesk's ticketing introduction
 * (#idempotency) as quoted by zendesk-java-client's IdempotencyUtil (`IdempotentRequestError`).
 */
export const idempotencyMismatch = (): ZendeskHttpError =>
  new ZendeskHttpError(400, {
    error: 'IdempotentRequestError',
    description: "Request parameters don't match the given idempotency key",
  });

/**
 * 429. The documented part is the status and `Retry-After` (seconds); a real capture shows a `text/plain` body
 * "Number of allowed API requests per minute exceeded" (support.zendesk.com community post 4600766234138).
 */
export function rateLimited(retryAfterSeconds: number, extraHeaders: Record<string, string> = {}): ZendeskHttpError {
  return new ZendeskHttpError(429, 'Number of allowed API requests per minute exceeded', {
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    ...extraHeaders,
  });
}

/** Body for statuses injected by the fault layer. 502/504 come from Zendesk's edge as HTML, not JSON. */
export function renderInjectedError(res: Response, status: number): void {
  if (status === 429) {
    sendError(res, rateLimited(1, { 'X-Rate-Limit': '700', 'X-Rate-Limit-Remaining': '0' }));
    return;
  }
  if (status === 502 || status === 504) {
    const title = status === 502 ? '502 Bad Gateway' : '504 Gateway Time-out';
    res
      .status(status)
      .type('text/html')
      .send(`<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center></body></html>`);
    return;
  }
  const known: Record<number, ZendeskErrorBody> = {
    400: { error: 'BadRequest', description: 'Bad request' },
    401: { error: "Couldn't authenticate you" },
    403: {
      error: 'Forbidden',
      description:
        'You do not have access to this page. Please contact the account owner of this help desk for further help.',
    },
    404: { error: 'RecordNotFound', description: 'Not found' },
    409: { error: 'Conflict', description: 'The request could not be completed due to a conflict. Please retry.' },
    422: { error: 'RecordInvalid', description: 'Record validation errors', details: {} },
    500: { error: 'InternalError', description: 'Something went wrong. Please try again later.' },
    503: { error: 'ServiceUnavailable', description: 'Zendesk is temporarily unavailable. Please try again later.' },
  };
  res.status(status).json(known[status] ?? { error: 'Error', description: `HTTP ${status}` });
}
