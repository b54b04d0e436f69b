/**
 * Test helper: the raw REST calls our thin Zoho client will make (global fetch, Zoho-oauthtoken header).
 */
import type { RunningSandbox } from '../common/sandbox.types';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty body. */
  body: any;
  text: string;
}

async function read(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text.length > 0 ? JSON.parse(text) : undefined,
    text,
  };
}

/** Refresh grant with urlencoded parameters, as Zoho's docs show it. */
export async function refreshGrant(
  sandbox: RunningSandbox,
  overrides: Record<string, string> = {},
): Promise<ApiResponse> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: sandbox.credentials.clientId,
    client_secret: sandbox.credentials.clientSecret,
    refresh_token: sandbox.credentials.refreshToken,
    ...overrides,
  });
  return read(await fetch(`${sandbox.baseUrl}/oauth/v2/token`, { method: 'POST', body: form }));
}

export async function accessToken(sandbox: RunningSandbox): Promise<string> {
  const response = await refreshGrant(sandbox);
  if (typeof response.body?.access_token !== 'string') {
    throw new Error(`token grant failed: ${response.text}`);
  }
  return response.body.access_token as string;
}

export interface ZohoApi {
  token: string;
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<ApiResponse>;
  get(path: string, headers?: Record<string, string>): Promise<ApiResponse>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  patch(path: string, body: unknown): Promise<ApiResponse>;
  delete(path: string): Promise<ApiResponse>;
}

/** `path` is relative to /crm/v8 ("/Contacts?fields=Email"). */
export async function zohoApi(sandbox: RunningSandbox, token?: string): Promise<ZohoApi> {
  const bearer = token ?? (await accessToken(sandbox));
  const call: ZohoApi['call'] = async (method, path, opts = {}) =>
    read(
      await fetch(`${sandbox.baseUrl}/crm/v8${path}`, {
        method,
        headers: {
          Authorization: `Zoho-oauthtoken ${bearer}`,
          ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...opts.headers,
        },
        ...(opts.body === undefined
          ? {}
          : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    );
  return {
    token: bearer,
    call,
    get: (path, headers) => call('GET', path, headers ? { headers } : {}),
    post: (path, body, headers) => call('POST', path, { body, ...(headers ? { headers } : {}) }),
    put: (path, body, headers) => call('PUT', path, { body, ...(headers ? { headers } : {}) }),
    patch: (path, body) => call('PATCH', path, { body }),
    delete: (path) => call('DELETE', path),
  };
}

/** Builds a criteria query string value (escaped value, then URL-encoded like a correct client). */
export function q(params: Record<string, string>): string {
  return `?${new URLSearchParams(params).toString()}`;
}
