import { ConnectorError } from '../connector.errors';
import errors from './__fixtures__/errors.json';
import tokens from './__fixtures__/token-responses.json';
import writes from './__fixtures__/write-responses.json';
import {
  TOKEN_THROTTLE_WINDOW_MS,
  vendorCode,
  zohoHttpError,
  zohoRecordError,
  zohoTokenError,
  zohoTransportError,
} from './zoho.errors';

type Fixture = { status: number; body?: unknown };

function headers(values: Record<string, string> = {}): Headers {
  return new Headers(values);
}

describe('zohoHttpError (documented v8 error bodies)', () => {
  it.each<[keyof typeof errors, ConnectorError['code'], string | undefined]>([
    ['invalidToken', 'auth_expired', 'INVALID_TOKEN'],
    ['authenticationFailure', 'auth_expired', 'AUTHENTICATION_FAILURE'],
    ['oauthScopeMismatch', 'forbidden', 'OAUTH_SCOPE_MISMATCH'],
    ['noPermission', 'forbidden', 'NO_PERMISSION'],
    ['noPermissionFlat', 'forbidden', 'NO_PERMISSION'],
    ['tooManyRequests', 'rate_limited', 'TOO_MANY_REQUESTS'],
    ['rateLimitExceeded', 'rate_limited', 'RATE_LIMIT_EXCEEDED'],
    ['concurrencyLimit', 'rate_limited', 'TOO_MANY_REQUESTS'],
    ['creditsExhausted', 'quota_exhausted', 'TOO_MANY_REQUESTS'],
    ['invalidQuery', 'invalid_request', 'INVALID_QUERY'],
    ['invalidData', 'invalid_request', 'INVALID_DATA'],
    ['mandatoryNotFound', 'invalid_request', 'MANDATORY_NOT_FOUND'],
    ['limitExceeded', 'invalid_request', 'LIMIT_EXCEEDED'],
    ['duplicateData', 'conflict', 'DUPLICATE_DATA'],
    ['invalidUrlPattern', 'not_found', 'INVALID_URL_PATTERN'],
    ['recordGone', 'not_found', 'INVALID_DATA'],
    ['internalError', 'unavailable', 'INTERNAL_ERROR'],
    ['serviceUnavailable', 'unavailable', 'SERVICE_UNAVAILABLE'],
    ['badGatewayHtml', 'unavailable', undefined],
  ])('%s → %s', (name, code, vendor) => {
    const fixture = errors[name] as Fixture;
    const error = zohoHttpError({ status: fixture.status, headers: headers(), body: fixture.body });
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.kind).toBe('zoho');
    expect(error.code).toBe(code);
    expect(error.details.status).toBe(fixture.status);
    expect(error.details.vendorCode).toBe(vendor);
    expect(error.failure.code).toBe(code);
  });

  it('takes a Retry-After when one is sent (Zoho sends none today)', () => {
    const error = zohoHttpError({
      status: 429,
      headers: headers({ 'Retry-After': '7' }),
      body: errors.tooManyRequests.body,
    });
    expect(error.failure.retryAfterMs).toBe(7000);
    expect(
      zohoHttpError({ status: 429, headers: headers(), body: errors.tooManyRequests.body }).failure.retryAfterMs,
    ).toBeUndefined();
  });

  it('falls back on the HTTP status for unknown codes and bodies', () => {
    expect(zohoHttpError({ status: 400, body: { code: 'SOMETHING_NEW' } }).code).toBe('invalid_request');
    expect(zohoHttpError({ status: 401, body: undefined }).code).toBe('auth_expired');
    expect(zohoHttpError({ status: 403, body: 'nope' }).code).toBe('forbidden');
    expect(zohoHttpError({ status: 409, body: {} }).code).toBe('conflict');
    expect(zohoHttpError({ status: 302, body: undefined }).code).toBe('unknown');
  });

  it('reads the code of a data[]-wrapped error', () => {
    expect(vendorCode(errors.noPermission.body)).toBe('NO_PERMISSION');
    expect(vendorCode(errors.invalidToken.body)).toBe('INVALID_TOKEN');
    expect(vendorCode(undefined)).toBeUndefined();
  });
});

describe('zohoRecordError (per-record results of a write)', () => {
  it('maps each failed entry of a 207 and names the field', () => {
    const [, invalid, internal] = writes.createNotes207.data;
    expect(zohoRecordError(invalid)).toEqual({
      code: 'invalid_request',
      message: 'INVALID_DATA (Parent_Id): invalid data',
    });
    expect(zohoRecordError(internal)).toEqual({
      code: 'unavailable',
      message: 'INTERNAL_ERROR: Internal Server Error',
    });
    expect(zohoRecordError(errors.duplicateData.body.data[0]).code).toBe('conflict');
    expect(zohoRecordError({ status: 'error' }).code).toBe('unknown');
  });
});

describe('zohoTokenError (accounts server)', () => {
  it.each<[keyof typeof tokens, ConnectorError['code']]>([
    ['invalidCode', 'auth_expired'],
    ['invalidClient', 'auth_expired'],
    ['accessDenied', 'rate_limited'],
    ['accessDenied400', 'rate_limited'],
    ['serverError', 'unavailable'],
  ])('%s → %s', (name, code) => {
    const fixture = tokens[name] as Fixture;
    const error = zohoTokenError({ status: fixture.status, headers: headers(), body: fixture.body });
    expect(error.code).toBe(code);
  });

  it('holds a throttled refresh token back for the rest of the 10-minute window', () => {
    const error = zohoTokenError({ status: 200, headers: headers(), body: tokens.accessDenied.body });
    expect(error.failure.retryAfterMs).toBe(TOKEN_THROTTLE_WINDOW_MS);
  });

  it('never echoes what was sent', () => {
    const error = zohoTokenError({ status: 200, body: { error: 'invalid_code' } });
    expect(error.message).toBe('refresh grant refused: invalid_code');
  });

  it('an answer without access_token or error is unknown', () => {
    expect(zohoTokenError({ status: 200, body: {} }).code).toBe('unknown');
  });
});

describe('zohoTransportError', () => {
  it('is a timeout once the deadline fired, whatever fetch threw', () => {
    const controller = new AbortController();
    controller.abort(new DOMException('late', 'TimeoutError'));
    expect(zohoTransportError(new TypeError('fetch failed'), controller.signal).code).toBe('timeout');
    expect(zohoTransportError(new DOMException('x', 'AbortError'), new AbortController().signal).code).toBe('timeout');
  });

  it('is unavailable for network failures, and keeps ConnectorErrors as they are', () => {
    const reset = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    const error = zohoTransportError(reset, new AbortController().signal);
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe('network error (ECONNRESET)');
    const own = new ConnectorError('zoho', 'conflict', 'x');
    expect(zohoTransportError(own, new AbortController().signal)).toBe(own);
  });
});
