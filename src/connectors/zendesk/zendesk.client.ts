import { createClient, type ZendeskClient, type ZendeskClientOptions } from 'node-zendesk';
import { ConnectorError } from '../connector.errors';
import type { ConnectionContext, TokenGrant } from '../crm-connector.port';
import type { ZendeskCredentials, ZendeskSettings } from './zendesk.descriptor';
import { zendeskHttpError, zendeskThrownError } from './zendesk.errors';

/**
 * The only file that talks to Zendesk. Every operation builds a node-zendesk 6.0.1 client for this one call from
 * the ConnectionContext (nothing is cached between calls or tenants) and sends exactly one HTTP request through it.
 *
 * node-zendesk hazards, and what this file does about each (crm-wire-notes §0/§3.4):
 * - Thrown errors lose status and body unless `throwOriginalException: true`: always set. On top of that the
 *   transport below records every response, so the status, headers and body are known however the SDK reacted.
 * - A response carrying `Retry-After` is RESOLVED with `result = Error(statusCode 429)` (even a 503 with
 *   Retry-After): success is decided from the recorded HTTP status, never from the SDK's result, so it becomes
 *   rate_limited (or unavailable) with the header's delay.
 * - A 502/504 with an HTML body resolves to `{}`: the recorded status turns it into `unavailable`.
 * - `getAll()` follows only the first page of incremental exports (and follows every page of everything else,
 *   unbounded, hiding 429s inside the array): never used. Lists are paged here, one request per call, following
 *   `links.next` / `after_url` only when it starts with this account's API base (no request to another host).
 * - `customHeaders` is the only way to send `Idempotency-Key`, so a keyed create gets its own client.
 * - The SDK takes no AbortSignal, but it lets the caller supply the transport (`transportConfig.transportFn`,
 *   documented as "Custom request function. Defaults to fetch"): ours is global fetch with `ctx.signal`, so the
 *   deadline cancels the socket instead of leaving a request running behind a lost race.
 * Incremental export URLs are built here in full (node-zendesk's exportCursor sends the literal "undefined" for a
 * missing argument and adds page[size]); an absolute URL under endpointUri is passed through by the SDK as is.
 */

export type ZendeskContext = ConnectionContext<ZendeskSettings, ZendeskCredentials>;
type SessionCredentials = ZendeskCredentials & { accessToken?: string };

export const DEFAULT_ENDPOINT_SUFFIX = '.zendesk.com';

/**
 * The API base for an account: `endpointUri` as configured (with /api/v2 appended when it names only the host), or
 * https://{subdomain}.zendesk.com/api/v2. The one place a base URL is made (the egress guard wraps it).
 */
export function apiBaseUrl(ctx: { settings: ZendeskSettings }): string {
  const { endpointUri, subdomain } = ctx.settings;
  if (endpointUri) {
    const url = new URL(endpointUri);
    const path = url.pathname.replace(/\/+$/, '');
    return `${url.origin}${path.endsWith('/api/v2') ? path : `${path}/api/v2`}`;
  }
  if (!subdomain) {
    throw new ConnectorError('zendesk', 'invalid_request', 'settings need a subdomain or an endpointUri');
  }
  return `https://${subdomain.toLowerCase()}${DEFAULT_ENDPOINT_SUFFIX}/api/v2`;
}

export interface ZendeskResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty / non-JSON body. */
  body: unknown;
}

interface Recorded {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

function parseJson(recorded: Recorded): unknown {
  if (!recorded.headers.get('content-type')?.includes('json') || recorded.text === '') {
    return undefined;
  }
  try {
    return JSON.parse(recorded.text) as unknown;
  } catch {
    return undefined;
  }
}

/** What authenticates this call, and the secret a 401 rejected (handed to afterRejection). */
function authOptions(credentials: SessionCredentials): { options: ZendeskClientOptions; secret: string } {
  if ('apiToken' in credentials && credentials.apiToken) {
    return { options: { username: credentials.email, token: credentials.apiToken }, secret: credentials.apiToken };
  }
  if (credentials.accessToken) {
    return { options: { token: credentials.accessToken, oauth: true }, secret: credentials.accessToken };
  }
  throw new ConnectorError('zendesk', 'auth_expired', 'no API token or access token in the credentials');
}

type Run = (zd: ZendeskClient) => Promise<unknown>;
type SdkTickets = Parameters<ZendeskClient['tickets']['createMany']>[0]['tickets'];

/** One attempt; `secret` is the token it actually sent (credentials objects may change under us). */
async function once(
  ctx: ZendeskContext,
  credentials: SessionCredentials,
  run: Run,
  idempotencyKey: string | undefined,
): Promise<ZendeskResponse & { secret: string }> {
  const recorded: Recorded[] = [];
  const { options, secret } = authOptions(credentials);
  const zd = createClient({
    ...options,
    endpointUri: apiBaseUrl(ctx),
    throwOriginalException: true,
    ...(idempotencyKey === undefined ? {} : { customHeaders: { 'Idempotency-Key': idempotencyKey } }),
    transportConfig: {
      transportFn: async (uri: string, init: { method: string; headers: Record<string, string>; body?: unknown }) => {
        const response = await fetch(uri, {
          method: init.method,
          headers: init.headers,
          body: typeof init.body === 'string' ? init.body : undefined,
          signal: ctx.signal,
          // A redirect would take the credentials to a host the egress guard never saw.
          redirect: 'manual',
        });
        const entry: Recorded = {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
          text: await response.text(),
        };
        recorded.push(entry);
        return entry;
      },
      responseAdapter: (entry: Recorded) => ({
        json: () => Promise.resolve(JSON.parse(entry.text) as unknown),
        status: entry.status,
        headers: { get: (name: string) => entry.headers.get(name) },
        statusText: entry.statusText,
      }),
    },
  });
  try {
    await run(zd);
  } catch (error) {
    const last = recorded.at(-1);
    if (!last || last.status < 400 || ctx.signal.aborted) {
      throw zendeskThrownError(error, ctx.signal.aborted);
    }
  }
  const last = recorded.at(-1);
  if (!last) {
    throw new ConnectorError('zendesk', 'unknown', 'node-zendesk made no request');
  }
  return { status: last.status, headers: last.headers, body: parseJson(last), secret };
}

/**
 * One Zendesk request: current credentials, the SDK call, then status-based error mapping. A 401 asks the auth
 * session once for fresh credentials (an OAuth refresh, or credentials an admin replaced meanwhile) and retries
 * only if they changed; a 401 cannot have been processed, so retrying a POST is safe.
 */
export async function zendeskRequest(
  ctx: ZendeskContext,
  run: Run,
  options: { idempotencyKey?: string; passStatuses?: readonly number[] } = {},
): Promise<ZendeskResponse> {
  if (ctx.signal.aborted) {
    throw zendeskThrownError(ctx.signal.reason, true);
  }
  const credentials = (await ctx.auth.current()) as SessionCredentials;
  let response = await once(ctx, credentials, run, options.idempotencyKey);
  if (response.status === 401) {
    const fresh = (await ctx.auth.afterRejection(response.secret)) as SessionCredentials;
    if (authOptions(fresh).secret !== response.secret) {
      response = await once(ctx, fresh, run, options.idempotencyKey);
    }
  }
  if (response.status >= 300 && !options.passStatuses?.includes(response.status)) {
    throw zendeskHttpError(response);
  }
  return { status: response.status, headers: response.headers, body: response.body };
}

// --- typed operations (one request each) --------------------------------------------------------------------------

const jsonPath = (base: string, path: string, query: Record<string, string | number | undefined> = {}): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) {
      params.set(key, String(value));
    }
  }
  const qs = params.toString();
  return `${base}/${path}.json${qs ? `?${qs}` : ''}`;
};

/**
 * A pagination link from a response, accepted only under this account's API base: a `links.next` pointing at
 * another host would otherwise receive our credentials.
 */
export function followableUrl(ctx: ZendeskContext, url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') {
    return undefined;
  }
  const base = apiBaseUrl(ctx);
  return url.startsWith(`${base}/`) ? url : undefined;
}

export const zendeskApi = {
  me: (ctx: ZendeskContext) => zendeskRequest(ctx, (zd) => zd.users.me()),

  showUser: (ctx: ZendeskContext, userId: number) =>
    zendeskRequest(ctx, (zd) => zd.users.get(['users', userId, { include: 'organizations' }])),

  /** Search Users with the query language (offset pagination, first page of up to 100). */
  searchUsers: (ctx: ZendeskContext, query: string) =>
    zendeskRequest(ctx, (zd) => zd.users.get(['users', 'search', { query, per_page: 100, include: 'organizations' }])),

  /** `external_id` takes a literal id, no search syntax (Search Users reference). */
  usersByExternalId: (ctx: ZendeskContext, externalId: string) =>
    zendeskRequest(ctx, (zd) =>
      zd.users.get(['users', 'search', { external_id: externalId, include: 'organizations' }]),
    ),

  /**
   * 201 = created, 200 = updated an existing user matched by external_id, then email. A 422 is handed back (not
   * thrown) so the caller can read which field failed.
   */
  createOrUpdateUser: (ctx: ZendeskContext, body: { user: Record<string, unknown> }) =>
    zendeskRequest(ctx, (zd) => zd.users.createOrUpdate(body), { passStatuses: [422] }),

  /** List Search Results (one page, up to 100). */
  search: (ctx: ZendeskContext, query: string) =>
    zendeskRequest(ctx, (zd) => zd.search.get(['search', { query, per_page: 100 }])),

  /** Create Ticket with `Idempotency-Key` (kept by Zendesk for 2 hours; `x-idempotency-lookup: hit` on replay). */
  createTicket: (ctx: ZendeskContext, ticket: Record<string, unknown>, idempotencyKey: string) =>
    zendeskRequest(ctx, (zd) => zd.tickets.create({ ticket }), { idempotencyKey }),

  updateTicket: (ctx: ZendeskContext, ticketId: number, ticket: Record<string, unknown>) =>
    zendeskRequest(ctx, (zd) => zd.tickets.update(ticketId, { ticket })),

  /** Create Many Tickets (≤ 100) → a queued job_status. */
  createManyTickets: (ctx: ZendeskContext, tickets: Array<Record<string, unknown>>) =>
    zendeskRequest(ctx, (zd) =>
      // The SDK's Ticket typing is narrower than the API (it lacks e.g. external_id); the body is passed as is.
      zd.tickets.createMany({ tickets: tickets as unknown as SdkTickets }),
    ),

  showJobStatus: (ctx: ZendeskContext, jobId: string) => zendeskRequest(ctx, (zd) => zd.jobstatuses.show(jobId)),

  /** Tickets the user requested, cursor-paged (`page[size]`); `next` is a `links.next` URL from an earlier page. */
  requestedTickets: (ctx: ZendeskContext, userId: number, next?: string) =>
    zendeskRequest(ctx, (zd) =>
      zd.tickets.get(next ?? ['users', userId, 'tickets', 'requested', { 'page[size]': 100 }]),
    ),

  /** A ticket's comments, newest first, with their authors sideloaded where the account supports it. */
  ticketComments: (ctx: ZendeskContext, ticketId: number, pageSize: number) =>
    zendeskRequest(ctx, (zd) =>
      zd.tickets.get([
        'tickets',
        ticketId,
        'comments',
        { sort_order: 'desc', 'page[size]': Math.min(Math.max(pageSize, 1), 100), include: 'users' },
      ]),
    ),

  /** Incremental cursor export: start_time for the first page, then the previous page's after_cursor. */
  incrementalExport: (
    ctx: ZendeskContext,
    stream: 'users' | 'tickets',
    from: { cursor?: string; startTime?: number },
    perPage: number,
  ) => {
    const url = jsonPath(apiBaseUrl(ctx), `incremental/${stream}/cursor`, {
      ...(from.cursor ? { cursor: from.cursor } : { start_time: from.startTime ?? 0 }),
      per_page: perPage,
    });
    return zendeskRequest(ctx, (zd) => zd.users.get(url));
  },
};

// --- OAuth refresh (a small typed fetch: node-zendesk has no client for the /oauth/tokens grant endpoint) ---------

interface TokenResponse {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
}

/**
 * POST {account}/oauth/tokens with grant_type=refresh_token
 * (https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/). Zendesk deletes the old
 * access and refresh tokens on success, so the returned refresh token must replace the stored one.
 */
export async function refreshZendeskToken(
  settings: ZendeskSettings,
  credentials: { clientId: string; clientSecret: string; refreshToken: string },
  signal: AbortSignal,
  now = Date.now(),
): Promise<TokenGrant> {
  const url = `${new URL(apiBaseUrl({ settings })).origin}/oauth/tokens`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: credentials.refreshToken,
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
      }),
      signal,
      redirect: 'manual',
    });
    text = await response.text();
  } catch (error) {
    throw zendeskThrownError(error, signal.aborted);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status === 400 || response.status === 401) {
    // invalid_grant (revoked, rotated away, expired) or invalid_client: only a new authorisation helps.
    const error = (body as { error?: unknown } | undefined)?.error;
    throw new ConnectorError('zendesk', 'auth_expired', `token refresh refused (HTTP ${response.status})`, {
      status: response.status,
      ...(typeof error === 'string' ? { vendorCode: error } : {}),
    });
  }
  if (response.status >= 300) {
    throw zendeskHttpError({ status: response.status, headers: response.headers, body });
  }
  const grant = (body ?? {}) as TokenResponse;
  if (typeof grant.access_token !== 'string' || grant.access_token === '') {
    throw new ConnectorError('zendesk', 'unknown', 'token response without an access_token');
  }
  const expiresIn = typeof grant.expires_in === 'number' && grant.expires_in > 0 ? grant.expires_in : 3600;
  return {
    accessToken: grant.access_token,
    expiresAt: now + expiresIn * 1000,
    ...(typeof grant.refresh_token === 'string' && grant.refresh_token ? { refreshToken: grant.refresh_token } : {}),
  };
}
