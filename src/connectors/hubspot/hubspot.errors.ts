import { ConnectorError, retryAfterMs, type ConnectorErrorCode } from '../connector.errors';

/**
 * HubSpot failures → the closed ConnectorError set. Pure: the client hands over whatever it caught (the SDK's
 * ApiException, a network error, an abort) plus the last HTTP response it saw, and gets a ConnectorError back.
 *
 * Sources: https://developers.hubspot.com/docs/api-reference/error-handling (401/403/423/429/477/502/503/504/5xx),
 * the usage guidelines (daily limit resets at midnight in the account's time zone), and the bodies the SDK's own
 * RetryDecorator keys on (policyName TEN_SECONDLY_ROLLING, "You have reached your secondly limit.").
 */

/** A HubSpot response that failed: status, lower-cased headers, parsed body (if any). */
export interface HubspotHttpFailure {
  status: number;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

export interface ClassifyOptions {
  now?: number;
  /** The portal's time zone, for the daily allowance reset. */
  timeZone?: string;
}

/** HubSpot's envelope: {status:'error', message, correlationId, category, subCategory?, policyName?, errors?}. */
interface HubspotErrorBody {
  status?: unknown;
  message?: unknown;
  category?: unknown;
  subCategory?: unknown;
  policyName?: unknown;
  errorType?: unknown;
  errors?: unknown;
}

const SECONDLY_MESSAGE = 'You have reached your secondly limit.';
const LOCKED_RETRY_MS = 2_000;
const SECONDLY_RETRY_MS = 1_000;
const TEN_SECONDLY_RETRY_MS = 10_000;
const MAX_MESSAGE_CHARS = 300;

/** OAuth v1 token endpoint statuses meaning "this grant is no good any more": a human must re-authorise. */
const REAUTHORISE = new Set(['BAD_REFRESH_TOKEN', 'BAD_CLIENT_ID', 'BAD_CLIENT_SECRET', 'BAD_AUTH_CODE']);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const UNDICI_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Error texts may quote what we sent; never let a bearer token or private-app token through. */
export function scrub(text: string): string {
  return text
    .replace(/\bbearer\s+[^\s"',]+/gi, 'Bearer [redacted]')
    .replace(/\bpat-[a-z0-9]+-[\w-]+/gi, '[redacted]')
    .replace(/\b(access_token|refresh_token|client_secret)=[^&\s"]+/gi, '$1=[redacted]');
}

function header(headers: HubspotHttpFailure['headers'], name: string): string | undefined {
  if (!headers) {
    return undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) {
      return value;
    }
  }
  return undefined;
}

/** Milliseconds until the next local midnight in `timeZone` (DST days may be an hour off: the job simply retries). */
export function msUntilMidnight(now: number, timeZone = 'UTC'): number {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    zone = 'UTC';
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(now));
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const elapsed = (part('hour') * 3600 + part('minute') * 60 + part('second')) * 1000 + (now % 1000);
  return Math.max(1000, 86_400_000 - elapsed);
}

/** `Existing ID: 123` from a 409 body, in its message or in an `errors[]` entry (both shapes HubSpot has sent). */
export function existingIdFromConflict(body: unknown): string | undefined {
  const record = asRecord(body);
  const texts = [asString(record?.message)];
  if (Array.isArray(record?.errors)) {
    texts.push(...record.errors.map((entry) => asString(asRecord(entry)?.message)));
  }
  for (const text of texts) {
    const match = text ? /Existing ID: ?(\d+)/i.exec(text) : null;
    if (match) {
      return match[1];
    }
  }
  return undefined;
}

function rateLimit(failure: HubspotHttpFailure, body: HubspotErrorBody, options: ClassifyOptions) {
  const now = options.now ?? Date.now();
  const policy = asString(body.policyName)?.toUpperCase();
  const given = retryAfterMs(header(failure.headers, 'retry-after'), now);
  if (policy === 'DAILY') {
    return {
      code: 'quota_exhausted' as const,
      vendorCode: 'DAILY',
      retryAfterMs: given ?? msUntilMidnight(now, options.timeZone),
    };
  }
  if (policy === 'SECONDLY' || asString(body.message) === SECONDLY_MESSAGE) {
    return { code: 'rate_limited' as const, vendorCode: 'SECONDLY', retryAfterMs: given ?? SECONDLY_RETRY_MS };
  }
  const interval = Number(header(failure.headers, 'x-hubspot-ratelimit-interval-milliseconds'));
  return {
    code: 'rate_limited' as const,
    vendorCode: policy ?? 'RATE_LIMIT',
    retryAfterMs: given ?? (Number.isFinite(interval) && interval > 0 ? interval : TEN_SECONDLY_RETRY_MS),
  };
}

/** A 409 that names the record already holding the unique value ("Existing ID: N"), when HubSpot says which. */
export class HubspotConflictError extends ConnectorError {
  constructor(
    message: string,
    details: ConnectorError['details'],
    readonly existingId: string | undefined,
  ) {
    super('hubspot', 'conflict', message, details);
  }
}

/** An HTTP failure with a status → the closed set. */
export function classifyHttpFailure(failure: HubspotHttpFailure, options: ClassifyOptions = {}): ConnectorError {
  const body: HubspotErrorBody = asRecord(failure.body) ?? {};
  const status = failure.status;
  const category = asString(body.category);
  const oauthStatus = asString(body.status) !== 'error' ? asString(body.status) : undefined;
  const vendorText = asString(body.message) ?? (typeof failure.body === 'string' ? failure.body : '');
  let code: ConnectorErrorCode;
  let vendorCode = category ?? oauthStatus;
  let retryAfter: number | undefined;

  if (status === 401) {
    code = 'auth_expired';
  } else if (status === 400 && oauthStatus && REAUTHORISE.has(oauthStatus)) {
    code = 'auth_expired';
  } else if (status === 403) {
    code = 'forbidden';
  } else if (status === 404) {
    code = 'not_found';
  } else if (status === 409) {
    code = 'conflict';
  } else if (status === 408) {
    code = 'timeout';
  } else if (status === 423) {
    // "Locks will last for 2 seconds": pause this connector, not only this job.
    code = 'rate_limited';
    vendorCode ??= 'LOCKED';
    retryAfter = retryAfterMs(header(failure.headers, 'retry-after'), options.now) ?? LOCKED_RETRY_MS;
  } else if (status === 429) {
    const limited = rateLimit(failure, body, options);
    code = limited.code;
    vendorCode = limited.vendorCode;
    retryAfter = limited.retryAfterMs;
  } else if (status === 477) {
    // Portal migration between data centres: come back after Retry-After (up to a day), without burning attempts.
    code = 'rate_limited';
    vendorCode ??= 'MIGRATION_IN_PROGRESS';
    retryAfter = retryAfterMs(header(failure.headers, 'retry-after'), options.now) ?? 60_000;
  } else if (status >= 500) {
    code = 'unavailable';
    retryAfter = retryAfterMs(header(failure.headers, 'retry-after'), options.now);
  } else if (status >= 400) {
    code = 'invalid_request';
  } else if (status >= 300) {
    return redirectRefused(failure);
  } else {
    // A 1xx/2xx the SDK did not expect for this call (it throws ApiException for any status it has no model for).
    code = 'unknown';
  }

  const text = scrub(vendorText).slice(0, MAX_MESSAGE_CHARS);
  const message = `HTTP ${status}${vendorCode ? ` ${vendorCode}` : ''}${text ? `: ${text}` : ''}`;
  const details = {
    status,
    ...(vendorCode === undefined ? {} : { vendorCode }),
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
  };
  if (code === 'conflict') {
    return new HubspotConflictError(message, details, existingIdFromConflict(failure.body));
  }
  return new ConnectorError('hubspot', code, message, details);
}

/**
 * A 3xx: the client never follows one (hubspot.http-agent), since the next hop could be a host the egress guard
 * never checked and the request carries our token. `forbidden`, as the egress guard's own refusals are: the cause is
 * the connection (a base URL that redirects: http→https, a moved host, something in between), every call of this
 * connector will meet it, no retry can help, and a job parked until an admin fixes the base URL is kept, where
 * `invalid_request` would dead-letter each job as if its request were at fault. Only the Location's origin is
 * reported: its path or query might carry something that is not ours to log.
 */
function redirectRefused(failure: HubspotHttpFailure): ConnectorError {
  const location = header(failure.headers, 'location');
  let target = 'elsewhere';
  if (location) {
    target = URL.canParse(location) ? new URL(location).origin : 'a relative location';
  }
  return new ConnectorError(
    'hubspot',
    'forbidden',
    `HTTP ${failure.status}: refused to follow a redirect to ${scrub(target).slice(0, MAX_MESSAGE_CHARS)}`,
    { status: failure.status, vendorCode: 'REDIRECT_REFUSED' },
  );
}

interface CaughtShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  body?: unknown;
  headers?: unknown;
  cause?: unknown;
}

/** The SDK's ApiException (one class per generated module, so duck-typed): numeric `code`, parsed `body`, `headers`. */
function apiException(error: unknown): HubspotHttpFailure | undefined {
  const e = asRecord(error) as CaughtShape | undefined;
  if (!e || typeof e.code !== 'number' || !('body' in e) || !('headers' in e)) {
    return undefined;
  }
  return {
    status: e.code,
    headers: (asRecord(e.headers) ?? {}) as Record<string, string>,
    body: e.body,
  };
}

function networkCode(error: unknown, depth = 0): string | undefined {
  const e = asRecord(error) as CaughtShape | undefined;
  if (!e || depth > 4) {
    return undefined;
  }
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || UNDICI_TIMEOUTS.has(e.code))) {
    return e.code;
  }
  return networkCode(e.cause, depth + 1);
}

function isAbort(error: unknown): boolean {
  const name = asString((asRecord(error) as CaughtShape | undefined)?.name);
  return name === 'AbortError' || name === 'TimeoutError';
}

/**
 * Anything caught around an SDK call → ConnectorError. `lastResponse` is what the client's response hook saw: when
 * the SDK fails to parse an error body (HTML from a proxy, no content-type) it throws a plain Error and the status
 * would otherwise be lost. Network errors are recognised by name/code, never by instanceof: global fetch throws
 * TypeError from Node's own realm, which is not the TypeError of a Jest (vm) realm.
 */
export function toConnectorError(
  error: unknown,
  context: { signal?: AbortSignal; lastResponse?: HubspotHttpFailure; options?: ClassifyOptions } = {},
): ConnectorError {
  if (error instanceof ConnectorError) {
    return error;
  }
  if (context.signal?.aborted || isAbort(error)) {
    return new ConnectorError('hubspot', 'timeout', 'the call did not finish before its deadline');
  }
  const http = apiException(error);
  if (http) {
    return classifyHttpFailure(http, context.options);
  }
  // >= 300: a redirect (never followed) usually has no body the SDK can parse either.
  if (context.lastResponse && context.lastResponse.status >= 300) {
    return classifyHttpFailure(context.lastResponse, context.options);
  }
  const code = networkCode(error);
  const e = asRecord(error) as CaughtShape | undefined;
  if (code && UNDICI_TIMEOUTS.has(code)) {
    return new ConnectorError('hubspot', 'timeout', `HubSpot did not answer in time (${code})`, { vendorCode: code });
  }
  if (code || (asString(e?.name) === 'TypeError' && asString(e?.message) === 'fetch failed')) {
    return new ConnectorError(
      'hubspot',
      'unavailable',
      `network error talking to HubSpot (${code ?? 'fetch failed'})`,
      {
        ...(code === undefined ? {} : { vendorCode: code }),
      },
    );
  }
  const text = scrub(asString(e?.message) ?? String(error)).slice(0, MAX_MESSAGE_CHARS);
  return new ConnectorError('hubspot', 'unknown', `unexpected failure: ${text}`);
}
