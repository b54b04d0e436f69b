import { ConnectorError, retryAfterMs, type ConnectorErrorCode } from '../connector.errors';

/**
 * Zendesk failures → the closed ConnectorError set. Pure: fed the status, headers and parsed body of a response
 * (however node-zendesk surfaced it), or the thrown transport error.
 *
 * Documented error envelope (https://developer.zendesk.com/api-reference/introduction/requests/ "Response format"):
 * `{"error": "RecordInvalid", "description": "Record validation errors", "details": {"email": [{"description": …,
 * "error": "DuplicateValue"}]}}`; auth failures are `{"error": "Couldn't authenticate you"}` (Basic) or RFC 6750
 * `{"error": "invalid_token", …}` (Bearer); 429 carries `Retry-After` (seconds) and often a text/plain body; the edge
 * answers 502/504 with HTML.
 */

export interface ZendeskFailure {
  status: number;
  /** Header lookup (fetch Headers or node-zendesk's adapter); names are case-insensitive. */
  headers?: { get(name: string): string | null | undefined } | null;
  /** Parsed JSON body, raw text, or undefined when there was none (HTML 502 → {} via node-zendesk). */
  body?: unknown;
}

interface ErrorEnvelope {
  error?: unknown;
  description?: unknown;
  details?: unknown;
  error_description?: unknown;
}

function envelope(body: unknown): ErrorEnvelope {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
}

/** The vendor's error name: `error` as a string, or `error.title` (some endpoints nest it). */
export function vendorCode(body: unknown): string | undefined {
  const { error } = envelope(body);
  if (typeof error === 'string') {
    return error;
  }
  if (typeof error === 'object' && error !== null && typeof (error as { title?: unknown }).title === 'string') {
    return (error as { title: string }).title;
  }
  return undefined;
}

/** `details: {field: [{error: "DuplicateValue", description}]}` → [['email', 'DuplicateValue'], …]. */
export function detailErrors(body: unknown): Array<[field: string, error: string]> {
  const { details } = envelope(body);
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    return [];
  }
  const out: Array<[string, string]> = [];
  for (const [field, list] of Object.entries(details as Record<string, unknown>)) {
    for (const item of Array.isArray(list) ? list : [list]) {
      const code = (item as { error?: unknown } | null)?.error;
      out.push([field, typeof code === 'string' ? code : 'invalid']);
    }
  }
  return out;
}

function codeFor(status: number, body: unknown): ConnectorErrorCode {
  if (status === 401) {
    return 'auth_expired';
  }
  if (status === 403 || status === 402) {
    // 402: the account's plan lacks the feature (e.g. API access); a human has to act, like a 403.
    return 'forbidden';
  }
  if (status === 404) {
    // InvalidEndpoint: the configured base URL or path is wrong, not a missing record.
    return vendorCode(body) === 'InvalidEndpoint' ? 'invalid_request' : 'not_found';
  }
  if (status === 409) {
    return 'conflict';
  }
  if (status === 422) {
    // DuplicateValue (an email or external_id owned by another user) is what two concurrent writers race into;
    // a retry then resolves to the winner, so it is retryable `conflict`. A DuplicateValue that persists (external
    // id on one user, email on another) dies after the job's attempts like any conflict. Every other validation
    // error (BlankValue, InvalidFormat, InvalidValue, too-recent start_time…) will fail the same way again.
    const details = detailErrors(body);
    return details.length > 0 && details.some(([, error]) => error === 'DuplicateValue')
      ? 'conflict'
      : 'invalid_request';
  }
  if (status === 429) {
    return 'rate_limited';
  }
  if (status >= 500) {
    return 'unavailable';
  }
  if (status === 408) {
    return 'timeout';
  }
  if (status >= 400) {
    // 400 (ParameterMissing, IdempotentRequestError: same key, other body), 405, 413, 415…
    return 'invalid_request';
  }
  return 'unknown';
}

/** A short, credential-free message: status, vendor error name and field/error pairs (never field values). */
function messageFor(status: number, body: unknown): string {
  const parts = [`HTTP ${status}`];
  const code = vendorCode(body);
  if (code) {
    parts.push(code);
  }
  const { description } = envelope(body);
  if (
    typeof description === 'string' &&
    description.length > 0 &&
    description.length <= 200 &&
    !/@/.test(description)
  ) {
    parts.push(`(${description})`);
  }
  const details = detailErrors(body);
  if (details.length > 0) {
    parts.push(`[${details.map(([field, error]) => `${field}: ${error}`).join(', ')}]`);
  }
  return parts.join(' ');
}

export function zendeskHttpError(failure: ZendeskFailure, now = Date.now()): ConnectorError {
  const { status, body } = failure;
  const code = codeFor(status, body);
  const retryAfter = retryAfterMs(failure.headers?.get('retry-after') ?? undefined, now);
  const vendor = vendorCode(body);
  return new ConnectorError('zendesk', code, messageFor(status, body), {
    status,
    ...(vendor ? { vendorCode: vendor } : {}),
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
  });
}

/** Per-record failure inside a job_status (`{index, status: "Failed", error, details}`). */
export function zendeskJobItemCode(error: string | undefined, details: string | undefined): ConnectorErrorCode {
  const text = `${error ?? ''} ${details ?? ''}`;
  if (/DuplicateValue|already (been taken|being used)/i.test(text)) {
    return 'conflict';
  }
  switch (error) {
    case 'RecordInvalid':
    case 'InvalidValue':
    case 'BlankValue':
    case 'InvalidFormat':
      return 'invalid_request';
    case 'PermissionDenied':
      return 'forbidden';
    case 'RecordNotFound':
      return 'not_found';
    default:
      // InternalError, TooManyRequests, unknown: worth another attempt.
      return 'unavailable';
  }
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/**
 * An error thrown while talking to Zendesk (transport, abort, or node-zendesk's own Error carrying `statusCode`
 * and `result` when `throwOriginalException` is on). `aborted` says whether the caller's deadline had passed.
 */
export function zendeskThrownError(error: unknown, aborted: boolean): ConnectorError {
  if (error instanceof ConnectorError) {
    return error;
  }
  if (aborted || isAbort(error)) {
    return new ConnectorError(
      'zendesk',
      'timeout',
      'the call did not finish before the deadline',
      {},
      { cause: error },
    );
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400) {
    return zendeskHttpError({ status: statusCode, body: (error as { result?: unknown }).result });
  }
  if (error instanceof SyntaxError) {
    // A JSON content type with a body that is not JSON: a proxy or a truncated response.
    return new ConnectorError('zendesk', 'unavailable', 'malformed JSON response', {}, { cause: error });
  }
  // fetch failed / ECONNRESET / socket hang up / DNS: the request may or may not have reached Zendesk.
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError(
    'zendesk',
    'unavailable',
    `network error: ${message.replace(/https?:\/\/\S+/g, '<url>')}`,
    {},
    {
      cause: error,
    },
  );
}
