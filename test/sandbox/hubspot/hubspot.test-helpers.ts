import { Client } from '@hubspot/api-client';
import type { HubspotSandbox } from './hubspot.sandbox';

/** The real SDK pointed at the sandbox; retries off so a 429/5xx surfaces at once (wire notes §0.3, §2.4). */
export function sdk(sandbox: HubspotSandbox, accessToken = sandbox.credentials.privateAppToken): Client {
  return new Client({ accessToken, basePath: sandbox.baseUrl, numberOfApiCallRetries: 0 });
}

export interface CaughtApiError {
  name: string;
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Awaits a call that must fail and returns the SDK's ApiException fields. */
export async function apiError(call: Promise<unknown>): Promise<CaughtApiError> {
  try {
    await call;
  } catch (err) {
    const e = err as { constructor: { name: string }; code?: unknown; body?: unknown; headers?: unknown };
    if (typeof e.code !== 'number') {
      throw err;
    }
    return {
      name: e.constructor.name,
      code: e.code,
      body: e.body as Record<string, unknown>,
      headers: (e.headers ?? {}) as Record<string, string>,
    };
  }
  throw new Error('expected the call to fail with an ApiException');
}

/** For the few routes the SDK has no method for, or to look at raw status/headers. */
export async function raw(
  sandbox: HubspotSandbox,
  method: string,
  path: string,
  body?: unknown,
  token = sandbox.credentials.privateAppToken,
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as unknown) : undefined };
}
