/**
 * Zoho CRM error bodies: `{code, details, message, status: 'error'}`, either at the top level (request-level
 * failures) or one per record inside `data[]` (write APIs). Shapes and messages follow the v8 OpenAPI examples in
 * github.com/zoho/crm-oas (v8.0/record, v8.0/module_search, v8.0/related_records).
 */
import type { Response } from 'express';

export interface ZohoError {
  code: string;
  details: Record<string, unknown>;
  message: string;
  status: 'error';
}

export function zohoError(code: string, message: string, details: Record<string, unknown> = {}): ZohoError {
  return { code, details, message, status: 'error' };
}

/** Zoho answers JSON with this content type (seen on real responses). */
export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.end(JSON.stringify(body));
}

export function sendError(res: Response, status: number, error: ZohoError): void {
  sendJson(res, status, error);
}

/** An empty answer: the SDK throws on a 204 that carries a content type, so none is set. */
export function sendNoContent(res: Response, status: 204 | 304 = 204): void {
  res.removeHeader('Content-Type');
  res.status(status).end();
}

export const errors = {
  invalidToken: () => zohoError('INVALID_TOKEN', 'invalid oauth token'),
  authenticationFailure: () => zohoError('AUTHENTICATION_FAILURE', 'Authentication failed'),
  invalidUrl: () => zohoError('INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one'),
  invalidModule: (details: Record<string, unknown> = { resource_path_index: 0 }) =>
    zohoError('INVALID_MODULE', 'the module name given seems to be invalid', details),
  notSupported: (details: Record<string, unknown> = { resource_path_index: 0 }) =>
    zohoError('NOT_SUPPORTED', 'The given module is not supported in API', details),
  requiredParam: (param: string) =>
    zohoError('REQUIRED_PARAM_MISSING', 'required param is missing', { param_name: param }),
  invalidParam: (param: string, extra: Record<string, unknown> = {}) =>
    zohoError('INVALID_DATA', 'invalid data', { param_name: param, ...extra }),
  invalidRequest: () =>
    zohoError(
      'INVALID_REQUEST',
      'unable to process your request. please verify whether you have entered proper method name, parameter and parameter values.',
    ),
  invalidMethod: () => zohoError('INVALID_REQUEST_METHOD', 'The http request method type is not a valid one'),
  internal: () => zohoError('INTERNAL_ERROR', 'Internal Server Error'),
  // Credit exhaustion and concurrency share the 429 code listed in Zoho's status-code table; the exact wording
  // of these two messages is not documented (unverified).
  creditsExhausted: (limit: number) =>
    zohoError('TOO_MANY_REQUESTS', 'API credits exhausted for the current 24-hour window', { limit }),
  concurrency: (limit: number) =>
    zohoError('TOO_MANY_REQUESTS', 'concurrency limit exceeded', { allowed_concurrency: limit }),
};

/** The body the fault injector answers with for a forced status. */
export function faultError(status: number): ZohoError {
  switch (status) {
    case 400:
      return errors.invalidRequest();
    case 401:
      return errors.invalidToken();
    case 403:
      return zohoError('NO_PERMISSION', 'permission denied');
    case 404:
      return errors.invalidUrl();
    case 429:
      return zohoError('TOO_MANY_REQUESTS', 'Too many requests. Please try again later.');
    case 502:
    case 503:
    case 504:
      return zohoError('SERVICE_UNAVAILABLE', 'Service temporarily unavailable');
    default:
      return errors.internal();
  }
}
