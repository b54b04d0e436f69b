import { createClient } from 'node-zendesk';
import type { ZendeskSandbox } from './zendesk.sandbox';

/**
 * node-zendesk's published types disagree with what it returns at runtime (e.g. `request()` is typed
 * `Promise<NodeModule>`), so tests talk to it untyped and assert on the wire shapes instead.
 */

export type Zd = any;

/** The client as our connector will build it: API token auth, endpointUri, original exceptions. */
export function tokenClient(sb: ZendeskSandbox, extra: Record<string, unknown> = {}): Zd {
  return createClient({
    username: sb.credentials.email,
    token: sb.credentials.apiToken,
    endpointUri: sb.settings.endpointUri,
    throwOriginalException: true,
    ...extra,
  });
}

export function oauthClient(sb: ZendeskSandbox, accessToken: string, extra: Record<string, unknown> = {}): Zd {
  return createClient({
    token: accessToken,
    oauth: true,
    endpointUri: sb.settings.endpointUri,
    throwOriginalException: true,
    ...extra,
  });
}

export function basicAuth(sb: ZendeskSandbox): string {
  return `Basic ${Buffer.from(`${sb.credentials.email}/token:${sb.credentials.apiToken}`).toString('base64')}`;
}

/** Raw HTTP for what node-zendesk has no method for, or hides (headers, status). */
export async function raw(
  sb: ZendeskSandbox,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; auth?: string | null; signal?: AbortSignal } = {},
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const url = path.startsWith('http') ? path : `${sb.baseUrl}${path}`;
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.auth !== null) {
    headers.authorization = opts.auth ?? basicAuth(sb);
  }
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers, body, signal: opts.signal });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The error node-zendesk throws with throwOriginalException: statusCode and the parsed body as `result`. */
export async function sdkError(
  promise: Promise<unknown>,
): Promise<{ statusCode: number; result: any; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { statusCode: number; result: any; message: string };
  }
  throw new Error('expected the SDK call to throw');
}

export async function refreshGrant(sb: ZendeskSandbox, refreshToken = sb.credentials.refreshToken) {
  return raw(sb, 'POST', '/oauth/tokens', {
    auth: null,
    body: {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
    },
  });
}
