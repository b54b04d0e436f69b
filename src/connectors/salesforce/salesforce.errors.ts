import { ConnectorError, retryAfterMs, type ConnectorErrorCode } from '../connector.errors';

/**
 * Salesforce failures → the closed code set. REST errors are JSON arrays of `{message, errorCode, fields?}`
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm); sObject Collections
 * report per record `{statusCode, message, fields}`; the OAuth token endpoint answers `{error, error_description}`.
 * jsforce's HttpApiError keeps only errorCode and message (no status, no headers), so the client hands this file the
 * raw response it captured, and the HTTP status decides where the errorCode alone cannot (REQUEST_LIMIT_EXCEEDED is
 * 403 for the daily quota but arrives with 429/420 from rate limiting proxies and Apex REST).
 */

/** One error from a REST error array, a collections result, or the OAuth endpoint. */
export interface SalesforceApiError {
  errorCode: string;
  message: string;
  fields?: string[];
  duplicateResult?: {
    matchResults?: Array<{ matchRecords?: Array<{ record?: { Id?: string } }> }>;
  };
}

/** What the client captured of a failed HTTP exchange. Header names are lower-case. */
export interface SalesforceHttpFailure {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/**
 * The daily API allowance is a rolling 24 h window with no reset time in the response (only
 * `Sforce-Limit-Info: api-usage=n/max`). Usage falls as calls age out of the window, so we look again after an hour:
 * one call per hour per connector while the org is over its limit, instead of hammering a blocked org.
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
 */
export const QUOTA_RETRY_AFTER_MS = 60 * 60_000;
/**
 * "ConcurrentPerOrgLongTxn Limit exceeded": 25 requests running ≥ 20 s at once. It clears when one finishes, so the
 * wait is about the length of a long request.
 */
export const CONCURRENCY_RETRY_AFTER_MS = 30_000;
/** 429/420 without Retry-After (Salesforce sends none for REST; proxies and Apex REST may). */
export const RATE_LIMIT_RETRY_AFTER_MS = 30_000;

const MAX_MESSAGE = 300;

const AUTH = new Set(['INVALID_SESSION_ID', 'INVALID_AUTH_HEADER']);
const FORBIDDEN = new Set([
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
  'INSUFFICIENT_PRIVILEGES',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'FUNCTIONALITY_NOT_ENABLED',
  'NOT_AUTHORIZED',
  'ORG_LOCKED',
  // Data storage full: nothing succeeds until an admin frees space.
  'STORAGE_LIMIT_EXCEEDED',
]);
const NOT_FOUND = new Set(['NOT_FOUND', 'ENTITY_IS_DELETED']);
const CONFLICT = new Set([
  'DUPLICATE_VALUE',
  'DUPLICATES_DETECTED',
  'DUPLICATE_EXTERNAL_ID',
  // Another transaction holds the row (or its parent): transient, a retry usually succeeds.
  'UNABLE_TO_LOCK_ROW',
  // HTTP 300 (jsforce names it MULTIPLE_CHOICES): the external id matched several records.
  'MULTIPLE_CHOICES',
  // allOrNone=true: this record was fine, another one failed.
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
]);
const INVALID = new Set([
  'MALFORMED_QUERY',
  'INVALID_FIELD',
  'INVALID_TYPE',
  'INVALID_TYPE_FOR_OPERATION',
  'REQUIRED_FIELD_MISSING',
  'MALFORMED_ID',
  'INVALID_ID_FIELD',
  'INVALID_QUERY_FILTER_OPERATOR',
  'INVALID_QUERY_LOCATOR',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'STRING_TOO_LONG',
  'INVALID_EMAIL_ADDRESS',
  'JSON_PARSER_ERROR',
  'INVALID_CROSS_REFERENCE_KEY',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'FIELD_FILTER_VALIDATION_EXCEPTION',
  'FIELD_INTEGRITY_EXCEPTION',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'MISSING_ARGUMENT',
  'EXCEEDED_ID_LIMIT',
  'NUMBER_OUTSIDE_VALID_RANGE',
  'METHOD_NOT_ALLOWED',
  'REQUEST_ENTITY_TOO_LARGE',
  'INVALID_REPLICATION_DATE',
  'QUERY_TOO_COMPLICATED',
  'INVALID_OPERATION',
  'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
  'UNSUPPORTED_API_VERSION',
]);
const UNAVAILABLE = new Set(['SERVER_UNAVAILABLE', 'UNKNOWN_EXCEPTION', 'QUERY_TIMEOUT']);

/** OAuth token endpoint errors (help.salesforce.com remoteaccess_oauth_flow_errors). */
const OAUTH_AUTH = new Set([
  'invalid_grant',
  'invalid_client_id',
  'invalid_client',
  'unauthorized_client',
  'inactive_user',
  'inactive_org',
]);

export interface Classification {
  code: ConnectorErrorCode;
  retryAfterMs?: number;
}

/** Maps one Salesforce errorCode/statusCode (with the HTTP status when there is one) onto the closed set. */
export function classify(errorCode: string, status?: number, message = ''): Classification {
  if (status === 429 || status === 420) {
    return { code: 'rate_limited', retryAfterMs: RATE_LIMIT_RETRY_AFTER_MS };
  }
  if (status === 401 || AUTH.has(errorCode)) {
    return { code: 'auth_expired' };
  }
  if (errorCode === 'REQUEST_LIMIT_EXCEEDED') {
    return /concurrent/i.test(message)
      ? { code: 'rate_limited', retryAfterMs: CONCURRENCY_RETRY_AFTER_MS }
      : { code: 'quota_exhausted', retryAfterMs: QUOTA_RETRY_AFTER_MS };
  }
  if (FORBIDDEN.has(errorCode)) {
    return { code: 'forbidden' };
  }
  if (NOT_FOUND.has(errorCode)) {
    // A wrong external id field name answers NOT_FOUND too: that is configuration, not a missing record.
    return /external id field does not exist/i.test(message) ? { code: 'invalid_request' } : { code: 'not_found' };
  }
  if (CONFLICT.has(errorCode) || status === 300) {
    return { code: 'conflict' };
  }
  if (INVALID.has(errorCode)) {
    // Triggers wrap their failures in CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY; a row lock inside one is transient.
    return /UNABLE_TO_LOCK_ROW/.test(message) ? { code: 'conflict' } : { code: 'invalid_request' };
  }
  if (UNAVAILABLE.has(errorCode) || (status !== undefined && status >= 500)) {
    return { code: 'unavailable' };
  }
  if (status === 403) {
    return { code: 'forbidden' };
  }
  if (status === 404) {
    return { code: 'not_found' };
  }
  if (status === 409) {
    return { code: 'conflict' };
  }
  if (status !== undefined && status >= 400) {
    return { code: 'invalid_request' };
  }
  return { code: 'unknown' };
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE - 1)}…` : oneLine;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** One error object from any of Salesforce's shapes; undefined when the value is none of them. */
export function toApiError(value: unknown): SalesforceApiError | undefined {
  const record = asRecord(value);
  if (!record) {
    return undefined;
  }
  const errorCode = record.errorCode ?? record.statusCode ?? record.error;
  if (typeof errorCode !== 'string') {
    return undefined;
  }
  const message = record.message ?? record.error_description;
  return {
    errorCode,
    message: typeof message === 'string' ? message : '',
    ...(Array.isArray(record.fields)
      ? { fields: record.fields.filter((f): f is string => typeof f === 'string') }
      : {}),
    ...(asRecord(record.duplicateResult)
      ? { duplicateResult: record.duplicateResult as SalesforceApiError['duplicateResult'] }
      : {}),
  };
}

/** The errors in a response body (a JSON array, or one object); empty when the body is not Salesforce's shape. */
export function parseApiErrors(body: unknown): SalesforceApiError[] {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return [];
    }
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map(toApiError).filter((error): error is SalesforceApiError => error !== undefined);
}

/** Ids of the existing records a duplicate rule matched (DuplicateResult.matchResults[].matchRecords[].record.Id). */
export function duplicateMatchIds(error: SalesforceApiError | undefined): string[] {
  const ids: string[] = [];
  for (const result of error?.duplicateResult?.matchResults ?? []) {
    for (const match of result.matchRecords ?? []) {
      const id = match.record?.Id;
      if (typeof id === 'string' && !ids.includes(id)) {
        ids.push(id);
      }
    }
  }
  return ids;
}

/** A REST call Salesforce answered with an error: the classified error plus the errors it sent (duplicateResult…). */
export class SalesforceApiFailure extends ConnectorError {
  constructor(
    code: ConnectorErrorCode,
    message: string,
    details: ConstructorParameters<typeof ConnectorError>[3],
    readonly apiErrors: SalesforceApiError[],
  ) {
    super('salesforce', code, message, details);
  }

  /** The vendor's own code of the first error (DUPLICATES_DETECTED, REQUIRED_FIELD_MISSING…). */
  get vendorCode(): string | undefined {
    return this.details.vendorCode;
  }
}

/** An error-carrying HTTP response from the REST API. */
export function fromHttpFailure(failure: SalesforceHttpFailure, now = Date.now()): SalesforceApiFailure {
  const [first] = parseApiErrors(failure.body);
  const errorCode = first?.errorCode ?? (failure.status === 300 ? 'MULTIPLE_CHOICES' : `HTTP_${failure.status}`);
  const classification = classify(errorCode, failure.status, first?.message);
  const headerWait = retryAfterMs(failure.headers['retry-after'], now);
  const wait = headerWait ?? classification.retryAfterMs;
  const message = truncate(first ? `${first.errorCode}: ${first.message}` : `HTTP ${failure.status}`);
  return new SalesforceApiFailure(
    classification.code,
    message,
    { status: failure.status, vendorCode: errorCode, ...(wait === undefined ? {} : { retryAfterMs: wait }) },
    parseApiErrors(failure.body),
  );
}

/** A failed refresh grant (POST {loginUrl}/services/oauth2/token). */
export function fromOAuthFailure(failure: SalesforceHttpFailure, now = Date.now()): ConnectorError {
  const [first] = parseApiErrors(failure.body);
  const error = first?.errorCode ?? '';
  const headerWait = retryAfterMs(failure.headers['retry-after'], now);
  let code: ConnectorErrorCode;
  if (OAUTH_AUTH.has(error)) {
    code = 'auth_expired';
  } else if (error === 'rate_limit_exceeded' || failure.status === 429) {
    code = 'rate_limited';
  } else if (failure.status >= 500 || error === 'server_error' || error === 'temporarily_unavailable') {
    code = 'unavailable';
  } else if (failure.status >= 400) {
    code = 'invalid_request';
  } else {
    code = 'unknown';
  }
  const wait = headerWait ?? (code === 'rate_limited' ? RATE_LIMIT_RETRY_AFTER_MS : undefined);
  // error_description is Salesforce's fixed wording ("expired access/refresh token"); it never echoes the token.
  const message = truncate(
    `token refresh failed: ${error || `HTTP ${failure.status}`}${first?.message ? ` (${first.message})` : ''}`,
  );
  return new ConnectorError('salesforce', code, message, {
    status: failure.status,
    ...(error ? { vendorCode: error } : {}),
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  });
}

/** One failed record of an sObject Collections call, as a batch outcome's error. */
export function fromRecordErrors(errors: unknown): { code: ConnectorErrorCode; message: string } {
  const [first] = parseApiErrors(errors);
  if (!first) {
    return { code: 'unknown', message: 'record failed without an error' };
  }
  return {
    code: classify(first.errorCode, undefined, first.message).code,
    message: truncate(`${first.errorCode}: ${first.message}`),
  };
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Anything thrown that is not an HTTP error response: our own ConnectorError, the caller's deadline, a socket that
 * died (undici's `TypeError: fetch failed` with the system error as its cause), or a jsforce error without a captured
 * response (mapped by its errorCode).
 */
export function fromThrown(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) {
    return error;
  }
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new ConnectorError(
      'salesforce',
      'timeout',
      'the call did not finish before its deadline',
      {},
      { cause: error },
    );
  }
  const systemCode = errorCodeOf(error);
  if (
    (systemCode !== undefined && NETWORK_CODES.has(systemCode)) ||
    (error instanceof TypeError && /fetch failed|terminated|socket/i.test(message)) ||
    name === 'SocketError'
  ) {
    return new ConnectorError(
      'salesforce',
      'unavailable',
      truncate(`network error: ${systemCode ?? message}`),
      systemCode ? { vendorCode: systemCode } : {},
      { cause: error },
    );
  }
  const vendorCode = (error as { errorCode?: unknown } | null)?.errorCode;
  if (typeof vendorCode === 'string') {
    const classification = classify(vendorCode, undefined, message);
    return new ConnectorError(
      'salesforce',
      classification.code,
      truncate(`${vendorCode}: ${message}`),
      {
        vendorCode,
        ...(classification.retryAfterMs === undefined ? {} : { retryAfterMs: classification.retryAfterMs }),
      },
      { cause: error },
    );
  }
  return new ConnectorError('salesforce', 'unknown', truncate(message), {}, { cause: error });
}
