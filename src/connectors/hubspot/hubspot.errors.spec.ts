import { ConnectorError } from '../connector.errors';
import errors from './__fixtures__/errors.json';
import {
  HubspotConflictError,
  classifyHttpFailure,
  existingIdFromConflict,
  msUntilMidnight,
  scrub,
  toConnectorError,
  type HubspotHttpFailure,
} from './hubspot.errors';

const fixtures = errors as Record<keyof typeof errors, HubspotHttpFailure>;
/** What @hubspot/api-client throws: ApiException {code, body, headers} (one class per generated module). */
const apiException = (failure: HubspotHttpFailure) =>
  Object.assign(new Error(`HTTP-Code: ${failure.status}\nMessage: An error occurred.`), {
    code: failure.status,
    body: failure.body,
    headers: failure.headers,
  });

describe('HubSpot error mapping', () => {
  it.each([
    ['expiredToken', 'auth_expired', 'EXPIRED_AUTHENTICATION'],
    ['invalidAuthentication', 'auth_expired', 'INVALID_AUTHENTICATION'],
    ['missingScopes', 'forbidden', 'MISSING_SCOPES'],
    ['notFound', 'not_found', 'OBJECT_NOT_FOUND'],
    ['validation', 'invalid_request', 'VALIDATION_ERROR'],
    ['contactExists', 'conflict', 'OBJECT_ALREADY_EXISTS'],
    ['contactExistsLegacy', 'conflict', 'CONFLICT'],
    ['badRefreshToken', 'auth_expired', 'BAD_REFRESH_TOKEN'],
    ['badClientSecret', 'auth_expired', 'BAD_CLIENT_SECRET'],
    ['badGrantType', 'invalid_request', 'BAD_GRANT_TYPE'],
    ['unavailable', 'unavailable', 'SERVICE_UNAVAILABLE'],
  ] as const)('%s → %s (%s)', (name, code, vendorCode) => {
    const error = toConnectorError(apiException(fixtures[name]));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.code).toBe(code);
    expect(error.kind).toBe('hubspot');
    expect(error.details).toMatchObject({ status: fixtures[name].status, vendorCode });
    expect(error.failure.code).toBe(code);
  });

  it('TEN_SECONDLY_ROLLING → rate_limited after the interval header', () => {
    const error = classifyHttpFailure(fixtures.tenSecondly);
    expect(error).toMatchObject({
      code: 'rate_limited',
      details: { vendorCode: 'TEN_SECONDLY_ROLLING', retryAfterMs: 10_000 },
    });
    const withRetryAfter = classifyHttpFailure({
      ...fixtures.tenSecondly,
      headers: { ...fixtures.tenSecondly.headers, 'Retry-After': '3' },
    });
    expect(withRetryAfter.failure.retryAfterMs).toBe(3000);
  });

  it('SECONDLY (search) → rate_limited after 1 s, also recognised by the message the SDK keys on', () => {
    expect(classifyHttpFailure(fixtures.secondly).failure).toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
    const noPolicy = {
      ...fixtures.secondly,
      body: { status: 'error', message: 'You have reached your secondly limit.' },
    };
    expect(classifyHttpFailure(noPolicy).details.vendorCode).toBe('SECONDLY');
  });

  it('DAILY → quota_exhausted until midnight in the portal time zone', () => {
    const now = Date.parse('2026-10-01T23:00:00.000Z');
    expect(classifyHttpFailure(fixtures.daily, { now, timeZone: 'UTC' }).failure).toMatchObject({
      code: 'quota_exhausted',
      retryAfterMs: 3_600_000,
    });
    // 08:00 in Tokyo at that instant: 16 hours to go.
    expect(classifyHttpFailure(fixtures.daily, { now, timeZone: 'Asia/Tokyo' }).failure.retryAfterMs).toBe(
      16 * 3_600_000,
    );
  });

  it('423 Locked → rate_limited for 2 s; 477 migration → rate_limited after Retry-After', () => {
    expect(classifyHttpFailure(fixtures.locked).failure).toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
    expect(classifyHttpFailure(fixtures.migration).failure).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 3_600_000,
    });
  });

  it('5xx carries Retry-After when HubSpot sends one; other 4xx are invalid_request; 408 is a timeout', () => {
    expect(classifyHttpFailure(fixtures.unavailable).failure.retryAfterMs).toBe(5000);
    expect(classifyHttpFailure({ status: 502, body: '<html>Bad gateway</html>' }).code).toBe('unavailable');
    expect(classifyHttpFailure({ status: 414, body: {} }).code).toBe('invalid_request');
    expect(classifyHttpFailure({ status: 408 }).code).toBe('timeout');
    expect(classifyHttpFailure({ status: 200 }).code).toBe('unknown');
  });

  it('a redirect (never followed: it could carry the token elsewhere) is forbidden, naming only the origin', () => {
    const moved = classifyHttpFailure({
      status: 302,
      headers: { Location: 'http://169.254.169.254/latest/meta-data/?token=pat-na1-secret' },
    });
    expect(moved).toMatchObject({ code: 'forbidden', details: { status: 302, vendorCode: 'REDIRECT_REFUSED' } });
    expect(moved.message).toBe('HTTP 302: refused to follow a redirect to http://169.254.169.254');
    expect(classifyHttpFailure({ status: 307, headers: { location: '/elsewhere' } }).message).toContain(
      'a relative location',
    );
    expect(classifyHttpFailure({ status: 301 }).code).toBe('forbidden');
    // The SDK cannot parse a redirect's empty body without a content type: the recorded status decides.
    const parseFailure = new Error('Cannot parse content. No Content-Type defined.');
    expect(
      toConnectorError(parseFailure, {
        lastResponse: { status: 308, headers: { location: 'https://evil.example/x' } },
      }),
    ).toMatchObject({ code: 'forbidden', details: { status: 308 } });
    expect(toConnectorError(parseFailure, { lastResponse: { status: 200, headers: {} } }).code).toBe('unknown');
  });

  it('409 bodies name the existing record in either shape', () => {
    expect(existingIdFromConflict(fixtures.contactExists.body)).toBe('1000042');
    expect(existingIdFromConflict(fixtures.contactExistsLegacy.body)).toBe('1000043');
    expect(existingIdFromConflict(fixtures.conflictInErrorsOnly.body)).toBe('5000077');
    expect(existingIdFromConflict({ status: 'error', message: 'Conflict' })).toBeUndefined();
    const error = toConnectorError(apiException(fixtures.contactExists));
    expect(error).toBeInstanceOf(HubspotConflictError);
    expect((error as HubspotConflictError).existingId).toBe('1000042');
  });

  it('network failures from another realm are recognised by name and code, not instanceof', () => {
    // What Node's global fetch throws: a TypeError of Node's realm (not this realm's TypeError under Jest).
    const foreign = {
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNRESET', message: 'other side closed' },
    };
    expect(toConnectorError(foreign)).toMatchObject({ code: 'unavailable', details: { vendorCode: 'ECONNRESET' } });
    expect(toConnectorError({ name: 'TypeError', message: 'fetch failed' }).code).toBe('unavailable');
    expect(toConnectorError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })).code).toBe('unavailable');
    expect(
      toConnectorError({ name: 'TypeError', message: 'fetch failed', cause: { code: 'UND_ERR_HEADERS_TIMEOUT' } }).code,
    ).toBe('timeout');
    expect(toConnectorError(new TypeError('x is not a function')).code).toBe('unknown');
  });

  it('an aborted deadline is a timeout, whatever was thrown', () => {
    const signal = AbortSignal.abort(new DOMException('deadline', 'TimeoutError'));
    expect(toConnectorError(apiException(fixtures.validation), { signal }).code).toBe('timeout');
    expect(toConnectorError(new DOMException('The operation was aborted', 'AbortError')).code).toBe('timeout');
  });

  it('falls back to the recorded response when the SDK could not parse the error body', () => {
    const parseFailure = new Error('The mediaType text/html is not supported by ObjectSerializer.parse.');
    expect(toConnectorError(parseFailure, { lastResponse: { status: 504, headers: {} } })).toMatchObject({
      code: 'unavailable',
      details: { status: 504 },
    });
    expect(toConnectorError(parseFailure).code).toBe('unknown');
  });

  it('passes ConnectorErrors through unchanged', () => {
    const original = new ConnectorError('hubspot', 'forbidden', 'egress refused');
    expect(toConnectorError(original)).toBe(original);
  });

  it('never echoes a token in a message', () => {
    expect(scrub('Authorization: Bearer pat-na1-0a1b2c3d-aaaa-bbbb-cccc-0123456789ab was rejected')).not.toMatch(
      /pat-na1|0a1b2c3d/,
    );
    expect(scrub('refresh_token=hu-rt-secretvalue&client_secret=abc')).toBe(
      'refresh_token=[redacted]&client_secret=[redacted]',
    );
    const error = classifyHttpFailure({
      status: 400,
      body: { status: 'error', message: 'bad token pat-na1-11111111-2222-3333-4444-555555555555' },
    });
    expect(error.message).not.toContain('pat-na1');
    expect(error.failure.message).toMatch(/^hubspot: HTTP 400/);
  });

  it('msUntilMidnight survives an unknown zone and never answers zero', () => {
    const now = Date.parse('2026-10-01T23:59:59.900Z');
    expect(msUntilMidnight(now, 'Not/AZone')).toBe(1000);
    expect(msUntilMidnight(Date.parse('2026-10-01T12:00:00.000Z'), 'UTC')).toBe(12 * 3_600_000);
  });
});
