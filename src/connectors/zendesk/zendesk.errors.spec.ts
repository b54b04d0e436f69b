import { ConnectorError } from '../connector.errors';
import errors from './__fixtures__/errors.json';
import { detailErrors, vendorCode, zendeskHttpError, zendeskJobItemCode, zendeskThrownError } from './zendesk.errors';

type Fixture = { status: number; headers: Record<string, string>; body: unknown };

function fromFixture(fixture: Fixture): ConnectorError {
  const headers = new Headers(fixture.headers);
  return zendeskHttpError({ status: fixture.status, headers, body: fixture.body }, Date.parse('2026-11-22T10:00:00Z'));
}

describe('zendeskHttpError (documented Zendesk error responses)', () => {
  it.each([
    ['unauthorizedBasic', 'auth_expired'],
    ['unauthorizedBearer', 'auth_expired'],
    ['forbidden', 'forbidden'],
    ['recordNotFound', 'not_found'],
    ['invalidEndpoint', 'invalid_request'],
    ['duplicateEmail', 'conflict'],
    ['blankName', 'invalid_request'],
    ['tooRecentStartTime', 'invalid_request'],
    ['conflict', 'conflict'],
    ['idempotencyMismatch', 'invalid_request'],
    ['rateLimited', 'rate_limited'],
    ['userWriteLimited', 'rate_limited'],
    ['internalError', 'unavailable'],
    ['badGatewayHtml', 'unavailable'],
    ['maintenance', 'unavailable'],
  ] as const)('%s → %s', (name, code) => {
    const error = fromFixture((errors as Record<string, Fixture>)[name]);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.code).toBe(code);
    expect(error.kind).toBe('zendesk');
    expect(error.details.status).toBe((errors as Record<string, Fixture>)[name].status);
  });

  it('takes retry-after from the Retry-After header (seconds) for 429 and 503', () => {
    expect(fromFixture(errors.rateLimited).failure.retryAfterMs).toBe(93_000);
    expect(fromFixture(errors.userWriteLimited).failure.retryAfterMs).toBe(41_000);
    expect(fromFixture(errors.maintenance).failure.retryAfterMs).toBe(120_000);
    expect(fromFixture(errors.internalError).failure.retryAfterMs).toBeUndefined();
  });

  it('keeps the vendor code and field/error pairs, never field values such as emails', () => {
    const error = fromFixture(errors.duplicateEmail);
    expect(error.details.vendorCode).toBe('RecordInvalid');
    expect(error.message).toContain('email: DuplicateValue');
    expect(error.message).not.toContain('jdoe@example.com');
    expect(fromFixture(errors.recordNotFound).message).toBe('HTTP 404 RecordNotFound (Not found)');
  });

  it('reads nested error titles and detail lists', () => {
    expect(vendorCode({ error: { title: 'Forbidden', message: 'nope' } })).toBe('Forbidden');
    expect(vendorCode('text body')).toBeUndefined();
    expect(detailErrors(errors.blankName.body)).toEqual([['name', 'BlankValue']]);
    expect(detailErrors({ details: 'not an object' })).toEqual([]);
  });

  it('treats a redirect (not followed: it would carry credentials elsewhere) and other statuses as their class', () => {
    expect(zendeskHttpError({ status: 301, body: undefined }).code).toBe('unknown');
    expect(zendeskHttpError({ status: 413, body: undefined }).code).toBe('invalid_request');
    expect(zendeskHttpError({ status: 402, body: undefined }).code).toBe('forbidden');
    expect(zendeskHttpError({ status: 408, body: undefined }).code).toBe('timeout');
    expect(zendeskHttpError({ status: 504, body: {} }).code).toBe('unavailable');
  });
});

describe('zendeskThrownError', () => {
  it('maps node-zendesk errors that carry statusCode and result (throwOriginalException)', () => {
    const sdkError = Object.assign(new Error('Zendesk Error (404): Item not found'), {
      statusCode: 404,
      result: errors.recordNotFound.body,
    });
    expect(zendeskThrownError(sdkError, false).code).toBe('not_found');
  });

  it('maps aborts to timeout and transport failures to unavailable, without URLs in the message', () => {
    expect(zendeskThrownError(new DOMException('The operation was aborted', 'TimeoutError'), false).code).toBe(
      'timeout',
    );
    expect(zendeskThrownError(new Error('anything'), true).code).toBe('timeout');
    const network = zendeskThrownError(new TypeError('fetch failed for https://acme.zendesk.com/api/v2/x'), false);
    expect(network.code).toBe('unavailable');
    expect(network.message).not.toContain('acme.zendesk.com');
    expect(zendeskThrownError(new SyntaxError('Unexpected token <'), false).code).toBe('unavailable');
  });

  it('passes ConnectorErrors through', () => {
    const original = new ConnectorError('zendesk', 'conflict', 'x');
    expect(zendeskThrownError(original, true)).toBe(original);
  });
});

describe('zendeskJobItemCode (job_status result items)', () => {
  it.each([
    ['RecordInvalid', 'Description: cannot be blank', 'invalid_request'],
    ['RecordInvalid', 'Email: a@b.c is already being used by another user', 'conflict'],
    ['DuplicateValue', undefined, 'conflict'],
    ['PermissionDenied', undefined, 'forbidden'],
    ['RecordNotFound', undefined, 'not_found'],
    ['InternalError', 'Something went wrong while processing this record. Please retry.', 'unavailable'],
    [undefined, undefined, 'unavailable'],
  ] as const)('%s / %s → %s', (error, details, code) => {
    expect(zendeskJobItemCode(error, details)).toBe(code);
  });
});
