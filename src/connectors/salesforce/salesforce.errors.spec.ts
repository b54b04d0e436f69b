import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectorError } from '../connector.errors';
import {
  SalesforceApiFailure,
  classify,
  duplicateMatchIds,
  fromHttpFailure,
  fromOAuthFailure,
  fromRecordErrors,
  fromThrown,
  parseApiErrors,
} from './salesforce.errors';

interface ErrorCase {
  name: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  expect: { code: string; retryAfterMs?: number };
}

const load = (name: string): ErrorCase[] =>
  JSON.parse(readFileSync(join(__dirname, '__fixtures__', name), 'utf8')) as ErrorCase[];
const bodyText = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body));

describe('REST error responses', () => {
  it.each(load('rest-errors.json').map((c) => [c.name, c] as const))('%s', (_name, errorCase) => {
    const error = fromHttpFailure({
      status: errorCase.status,
      headers: errorCase.headers,
      body: bodyText(errorCase.body),
    });
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toBeInstanceOf(SalesforceApiFailure);
    expect(error.code).toBe(errorCase.expect.code);
    expect(error.details.status).toBe(errorCase.status);
    expect(error.failure.retryAfterMs).toBe(errorCase.expect.retryAfterMs);
    expect(error.message.length).toBeLessThanOrEqual(300);
  });

  it('keeps the vendor code and the errors Salesforce sent', () => {
    const [duplicate] = load('rest-errors.json').filter((c) => c.name.includes('DUPLICATES_DETECTED'));
    const error = fromHttpFailure({ status: 400, headers: {}, body: bodyText(duplicate.body) });
    expect(error.vendorCode).toBe('DUPLICATES_DETECTED');
    expect(duplicateMatchIds(error.apiErrors[0])).toEqual(['0035g0000000004AAA']);
    expect(duplicateMatchIds(undefined)).toEqual([]);
  });

  it('reads an HTTP-date Retry-After', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    const error = fromHttpFailure(
      { status: 429, headers: { 'retry-after': 'Sun, 22 Nov 2026 10:01:00 GMT' }, body: '[]' },
      now,
    );
    expect(error).toMatchObject({ code: 'rate_limited', failure: { retryAfterMs: 60_000 } });
  });
});

describe('OAuth token endpoint errors', () => {
  it.each(load('oauth-errors.json').map((c) => [c.name, c] as const))('%s', (_name, errorCase) => {
    const error = fromOAuthFailure({
      status: errorCase.status,
      headers: errorCase.headers,
      body: bodyText(errorCase.body),
    });
    expect(error.code).toBe(errorCase.expect.code);
    expect(error.failure.retryAfterMs).toBe(errorCase.expect.retryAfterMs);
  });

  it('never repeats the refresh token or client secret', () => {
    const error = fromOAuthFailure({
      status: 400,
      headers: {},
      body: JSON.stringify({ error: 'invalid_grant', error_description: 'expired access/refresh token' }),
    });
    expect(error.message).toBe('token refresh failed: invalid_grant (expired access/refresh token)');
  });
});

describe('per-record errors (sObject Collections)', () => {
  it.each([
    [[{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] }], 'conflict'],
    [
      [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: 'Duplicate external id specified: k', fields: ['K__c'] }],
      'conflict',
    ],
    [
      [{ statusCode: 'MALFORMED_ID', message: 'Contact ID: id value of incorrect type', fields: ['WhoId'] }],
      'invalid_request',
    ],
    [[{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: ['WhoId'] }], 'not_found'],
    [[{ statusCode: 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY', message: 'no access', fields: [] }], 'forbidden'],
    [[], 'unknown'],
    [undefined, 'unknown'],
  ])('%j → %s', (errors, code) => {
    expect(fromRecordErrors(errors).code).toBe(code);
  });
});

describe('thrown errors', () => {
  it('maps the deadline to timeout', () => {
    expect(fromThrown(new DOMException('This operation was aborted', 'AbortError')).code).toBe('timeout');
    expect(fromThrown(new DOMException('The operation timed out.', 'TimeoutError')).code).toBe('timeout');
  });

  it('maps dead sockets to unavailable', () => {
    const reset = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    expect(fromThrown(reset)).toMatchObject({ code: 'unavailable', details: { vendorCode: 'ECONNRESET' } });
    const closed = Object.assign(new Error('other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' });
    expect(fromThrown(closed).code).toBe('unavailable');
    expect(fromThrown(new TypeError('fetch failed')).code).toBe('unavailable');
    expect(fromThrown(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' })).code).toBe(
      'unavailable',
    );
  });

  it('maps a jsforce error without a captured response by its errorCode', () => {
    const httpApiError = Object.assign(new Error('Session expired or invalid'), {
      name: 'INVALID_SESSION_ID',
      errorCode: 'INVALID_SESSION_ID',
    });
    expect(fromThrown(httpApiError).code).toBe('auth_expired');
  });

  it('passes ConnectorErrors through and calls anything else unknown', () => {
    const own = new ConnectorError('salesforce', 'conflict', 'x');
    expect(fromThrown(own)).toBe(own);
    expect(fromThrown(new Error('boom')).code).toBe('unknown');
    expect(fromThrown('string').code).toBe('unknown');
  });
});

describe('classify', () => {
  it('lets the HTTP status decide where the errorCode is shared', () => {
    expect(classify('REQUEST_LIMIT_EXCEEDED', 403, 'TotalRequests Limit exceeded.').code).toBe('quota_exhausted');
    expect(classify('REQUEST_LIMIT_EXCEEDED', 429).code).toBe('rate_limited');
    expect(classify('ANYTHING', 401).code).toBe('auth_expired');
    expect(classify('SOMETHING_NEW', 418).code).toBe('invalid_request');
    expect(classify('SOMETHING_NEW').code).toBe('unknown');
  });

  it('parses error arrays, single objects and garbage', () => {
    expect(parseApiErrors('[{"errorCode":"X","message":"m"}]')).toEqual([{ errorCode: 'X', message: 'm' }]);
    expect(parseApiErrors('{"error":"invalid_grant","error_description":"d"}')).toEqual([
      { errorCode: 'invalid_grant', message: 'd' },
    ]);
    expect(parseApiErrors('<html/>')).toEqual([]);
    expect(parseApiErrors('["/services/data/v62.0/sobjects/Contact/003"]')).toEqual([]);
  });
});
