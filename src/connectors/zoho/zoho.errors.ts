import { ConnectorError, retryAfterMs, type ConnectorErrorCode } from '../connector.errors';

/**
 * Zoho failures → the closed ConnectorError set. Pure: fed the status, headers and parsed body of a response, the
 * accounts server's answer, or the thrown transport error.
 *
 * CRM API errors (v8 OpenAPI examples, github.com/zoho/crm-oas): `{"code": "INVALID_TOKEN", "details": {},
 * "message": "invalid oauth token", "status": "error"}`, either at the top level or, for write APIs, one per record
 * inside `data[]`. 429 carries no Retry-After and no budget headers; credit exhaustion and the concurrency limit share
 * it and are told apart by the message only.
 * Accounts server (https://www.zoho.com/crm/developer/docs/api/v8/refresh.html): failures come as HTTP 200 with
 * `{"error": "invalid_code"}` / `{"error": "invalid_client"}`; the 10-tokens-per-10-minutes throttle answers
 * `{"error": "Access Denied", "error_description": "You have made too many requests continuously…"}` (HTTP 200 per
 * Zoho's "Kaizen #43" post, 400 as seen in the wild).
 */

export interface ZohoFailure {
  status: number;
  headers?: { get(name: string): string | null } | null;
  /** Parsed JSON body, or undefined when there was none. */
  body?: unknown;
}

/** One `{code, details, message, status}` object, top-level or per record. */
export interface ZohoErrorBody {
  code?: unknown;
  details?: unknown;
  message?: unknown;
  status?: unknown;
}

/** The accounts server throttles a refresh token for the rest of its 10-minute window. */
export const TOKEN_THROTTLE_WINDOW_MS = 10 * 60_000;

const AUTH_CODES = new Set(['INVALID_TOKEN', 'AUTHENTICATION_FAILURE', 'INVALID_OAUTHTOKEN', 'OAUTH_TOKEN_EXPIRED']);
const FORBIDDEN_CODES = new Set([
  'NO_PERMISSION',
  'OAUTH_SCOPE_MISMATCH',
  'NOT_ALLOWED',
  'FEATURE_NOT_SUPPORTED',
  'FEATURE_NOT_ENABLED',
  'LICENSE_LIMIT_EXCEEDED',
]);
const INVALID_CODES = new Set([
  'INVALID_DATA',
  'MANDATORY_NOT_FOUND',
  'REQUIRED_PARAM_MISSING',
  'EXPECTED_PARAM_MISSING',
  'EXPECTED_FIELD_MISSING',
  'INVALID_QUERY',
  'INVALID_REQUEST',
  'INVALID_REQUEST_METHOD',
  'INVALID_MODULE',
  'NOT_SUPPORTED',
  'LIMIT_EXCEEDED',
  'LIMIT_REACHED',
  'CRITERIA_LIMIT_EXCEEDED',
  'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
  'EXPIRED_VALUE',
  'DEPENDENT_FIELD_MISSING',
  'DEPENDENT_MISMATCH',
  'ID_ALREADY_CONVERTED',
  'FILE_SIZE_EXCEEDS',
]);
const CONFLICT_CODES = new Set(['DUPLICATE_DATA', 'ALREADY_MODIFIED', 'RECORD_LOCKED', 'CANNOT_PROCESS']);
const RATE_CODES = new Set(['TOO_MANY_REQUESTS', 'RATE_LIMIT_EXCEEDED']);
const UNAVAILABLE_CODES = new Set(['INTERNAL_ERROR', 'SERVICE_UNAVAILABLE', 'MAINTENANCE_MODE']);

function errorBody(body: unknown): ZohoErrorBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {};
  }
  const data = (body as { data?: unknown }).data;
  // Write APIs wrap even request-level failures (403 NO_PERMISSION, LIMIT_EXCEEDED) in a one-element data[].
  if (Array.isArray(data) && data.length > 0 && typeof data[0] === 'object' && data[0] !== null) {
    return data[0] as ZohoErrorBody;
  }
  return body;
}

export function vendorCode(body: unknown): string | undefined {
  const { code } = errorBody(body);
  return typeof code === 'string' ? code : undefined;
}

function vendorMessage(body: unknown): string | undefined {
  const { message } = errorBody(body);
  return typeof message === 'string' ? message.slice(0, 300) : undefined;
}

/** 429s: an exhausted 24-hour credit allowance waits for the window; a concurrency refusal only for a moment. */
function isCreditExhaustion(body: unknown): boolean {
  const { message, details } = errorBody(body);
  const text = `${typeof message === 'string' ? message : ''} ${JSON.stringify(details ?? {})}`;
  return /credit|24.?hour|per day|daily/i.test(text);
}

/** The unified code of one vendor error code, or undefined when the code alone does not tell. */
export function codeForVendorCode(code: string | undefined, body?: unknown): ConnectorErrorCode | undefined {
  if (code === undefined) {
    return undefined;
  }
  if (AUTH_CODES.has(code)) {
    return 'auth_expired';
  }
  if (FORBIDDEN_CODES.has(code)) {
    return 'forbidden';
  }
  if (RATE_CODES.has(code)) {
    return isCreditExhaustion(body) ? 'quota_exhausted' : 'rate_limited';
  }
  if (CONFLICT_CODES.has(code)) {
    return 'conflict';
  }
  if (code === 'INVALID_URL_PATTERN') {
    return 'not_found';
  }
  if (UNAVAILABLE_CODES.has(code)) {
    return 'unavailable';
  }
  if (INVALID_CODES.has(code)) {
    return 'invalid_request';
  }
  return undefined;
}

function codeForStatus(status: number): ConnectorErrorCode {
  if (status === 401) {
    return 'auth_expired';
  }
  if (status === 403) {
    return 'forbidden';
  }
  if (status === 404 || status === 410) {
    return 'not_found';
  }
  if (status === 409 || status === 412) {
    return 'conflict';
  }
  if (status === 429) {
    return 'rate_limited';
  }
  if (status === 408) {
    return 'timeout';
  }
  if (status >= 500) {
    return 'unavailable';
  }
  if (status >= 400) {
    return 'invalid_request';
  }
  return 'unknown';
}

/** A failed CRM API response → ConnectorError. */
export function zohoHttpError(failure: ZohoFailure): ConnectorError {
  const code = vendorCode(failure.body);
  let unified: ConnectorErrorCode;
  if (failure.status === 429) {
    unified = isCreditExhaustion(failure.body) ? 'quota_exhausted' : 'rate_limited';
  } else if (failure.status === 404) {
    unified = 'not_found';
  } else if (failure.status >= 500) {
    unified = 'unavailable';
  } else {
    unified = codeForVendorCode(code, failure.body) ?? codeForStatus(failure.status);
  }
  const wait = retryAfterMs(failure.headers?.get('retry-after'));
  const message = vendorMessage(failure.body);
  return new ConnectorError(
    'zoho',
    unified,
    `HTTP ${failure.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
    {
      status: failure.status,
      ...(code === undefined ? {} : { vendorCode: code }),
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    },
  );
}

/** One failed record of a write (`data[i]` with status "error") → the outcome's error. */
export function zohoRecordError(entry: ZohoErrorBody): { code: ConnectorErrorCode; message: string } {
  const code = typeof entry.code === 'string' ? entry.code : undefined;
  const message = typeof entry.message === 'string' ? entry.message.slice(0, 300) : 'record failed';
  const details = entry.details as { api_name?: unknown } | undefined;
  const field = typeof details?.api_name === 'string' ? ` (${details.api_name})` : '';
  return { code: codeForVendorCode(code, entry) ?? 'unknown', message: `${code ?? 'ERROR'}${field}: ${message}` };
}

/** Same, as a thrown error (single-record writes). */
export function zohoRecordFailure(entry: ZohoErrorBody, status: number): ConnectorError {
  const { code, message } = zohoRecordError(entry);
  const vendor = typeof entry.code === 'string' ? entry.code : undefined;
  return new ConnectorError('zoho', code, message, { status, ...(vendor === undefined ? {} : { vendorCode: vendor }) });
}

/**
 * The accounts server's answer to a refresh grant that carried no access token. Every refusal of the grant itself
 * (revoked or unknown refresh token, wrong client) needs a human to re-authorise: auth_expired.
 */
export function zohoTokenError(failure: ZohoFailure): ConnectorError {
  const body = (typeof failure.body === 'object' && failure.body !== null ? failure.body : {}) as {
    error?: unknown;
    error_description?: unknown;
  };
  const error = typeof body.error === 'string' ? body.error : undefined;
  const description = typeof body.error_description === 'string' ? body.error_description : '';
  const details = { status: failure.status, ...(error === undefined ? {} : { vendorCode: error }) };
  if (/access denied/i.test(error ?? '') || /too many requests/i.test(description) || failure.status === 429) {
    return new ConnectorError(
      'zoho',
      'rate_limited',
      'token refresh throttled (at most 10 access tokens per refresh token per 10 minutes)',
      { ...details, retryAfterMs: retryAfterMs(failure.headers?.get('retry-after')) ?? TOKEN_THROTTLE_WINDOW_MS },
    );
  }
  if (failure.status >= 500) {
    return new ConnectorError('zoho', 'unavailable', `accounts server answered HTTP ${failure.status}`, details);
  }
  if (error !== undefined || failure.status === 400 || failure.status === 401) {
    return new ConnectorError(
      'zoho',
      'auth_expired',
      `refresh grant refused: ${error ?? `HTTP ${failure.status}`}`,
      details,
    );
  }
  return new ConnectorError(
    'zoho',
    'unknown',
    `unexpected answer from the accounts server (HTTP ${failure.status})`,
    details,
  );
}

/**
 * A fetch that threw. `signal` is the caller's deadline: once it has fired, whatever fetch threw (AbortError,
 * TimeoutError, a reset socket) is the deadline's doing.
 */
export function zohoTransportError(error: unknown, signal: AbortSignal): ConnectorError {
  if (error instanceof ConnectorError) {
    return error;
  }
  const name = (error as { name?: unknown } | null)?.name;
  if (signal.aborted || name === 'AbortError' || name === 'TimeoutError') {
    return new ConnectorError('zoho', 'timeout', 'Zoho did not answer before the deadline', {}, { cause: error });
  }
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return new ConnectorError('zoho', 'unavailable', `network error${code ? ` (${code})` : ''}`, {}, { cause: error });
}
