import { ConnectorError } from '../connector.errors';
import type { ConnectionContext, TokenGrant } from '../crm-connector.port';
import type { ZohoCredentials, ZohoSettings } from './zoho.descriptor';
import { vendorCode, zohoHttpError, zohoTokenError, zohoTransportError } from './zoho.errors';

/*
 * The only file that speaks HTTP to Zoho: a thin REST client for CRM API v8 over global fetch.
 *
 * No Zoho SDK on purpose: the official SDKs keep the initializer, the current user and its token in process-global
 * singletons, and two tenants' overlapping calls went out with each other's token (wire notes §0.5, §4.3). Here
 * every call builds its request from its own ConnectionContext and nothing survives the call.
 */

export type ZohoContext = ConnectionContext<ZohoSettings, ZohoCredentials>;
type LiveCredentials = ZohoCredentials & { accessToken?: string; apiBaseUrl?: string };

export interface ZohoResponse<T> {
  status: number;
  headers: Headers;
  /** Parsed JSON; undefined for 204/304 and other empty answers. */
  body: T | undefined;
  /** The API domain the call went to (the grant's api_domain, else settings.apiDomain): deep links derive from it. */
  apiDomain: string;
}

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  query?: Query;
  headers?: Record<string, string>;
  body?: unknown;
  /**
   * A write of this many records: an answer whose `data[]` holds one result per record is returned as is, even
   * with status 207 or 400, so that per-record failures become outcomes instead of a thrown error.
   */
  records?: number;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Where a connector's API calls go: the org's api_domain from the last grant, else the configured domain. */
export function apiDomain(
  settings: Pick<ZohoSettings, 'apiDomain'>,
  credentials: Pick<LiveCredentials, 'apiBaseUrl'>,
): string {
  return trimSlash(credentials.apiBaseUrl ?? settings.apiDomain);
}

/** The one place the CRM API base URL is built (the egress guard wraps it). */
export function apiBaseUrl(
  ctx: Pick<ZohoContext, 'settings'>,
  credentials: Pick<LiveCredentials, 'apiBaseUrl'>,
): string {
  return `${apiDomain(ctx.settings, credentials)}/crm/v8`;
}

/** The one place the accounts server's token URL is built. */
export function tokenUrl(settings: Pick<ZohoSettings, 'accountsUrl'>): string {
  return `${trimSlash(settings.accountsUrl)}/oauth/v2/token`;
}

/** AuthSession takes no signal, so a wait for a token refresh is raced against the caller's deadline instead. */
async function beforeDeadline<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The refresh goes on for the calls sharing it; its outcome is theirs. Left unobserved here, a later rejection
    // would be unhandled and take the whole process down (as the HubSpot and Salesforce clients' raceSignal know).
    promise.catch(() => undefined);
    throw zohoTransportError(signal.reason, signal);
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(zohoTransportError(signal.reason, signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/** JSON or nothing: Zoho answers 204 (empty search) and 304 (If-Modified-Since) without a body or content type. */
function parseBody(text: string): unknown {
  if (text.trim().length === 0) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

interface TokenAnswer {
  access_token?: unknown;
  refresh_token?: unknown;
  api_domain?: unknown;
  expires_in?: unknown;
  expires_in_sec?: unknown;
  error?: unknown;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Refresh grant: POST {accountsUrl}/oauth/v2/token, urlencoded (the secrets stay out of the URL and out of access
 * logs). A refusal comes back as HTTP 200 with `{error}`, so success is "an access_token is present", never the
 * status. Each grant counts against 10 per refresh token per 10 minutes: callers single-flight it.
 */
export async function refreshAccessToken(
  settings: Pick<ZohoSettings, 'accountsUrl'>,
  credentials: Pick<ZohoCredentials, 'clientId' | 'clientSecret' | 'refreshToken'>,
  signal: AbortSignal,
  now: () => number = Date.now,
): Promise<TokenGrant> {
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(tokenUrl(settings), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        refresh_token: credentials.refreshToken,
      }).toString(),
      redirect: 'manual',
      signal,
    });
    body = parseBody(await response.text());
  } catch (error) {
    throw zohoTransportError(error, signal);
  }
  const answer = (body ?? {}) as TokenAnswer;
  if (response.status !== 200 || typeof answer.access_token !== 'string' || answer.access_token.length === 0) {
    throw zohoTokenError({ status: response.status, headers: response.headers, body });
  }
  // expires_in is seconds for CRM (3600); some Zoho services answer milliseconds (3600000) or expires_in_sec.
  const raw = typeof answer.expires_in_sec === 'number' ? answer.expires_in_sec : answer.expires_in;
  const seconds = typeof raw === 'number' && raw > 0 ? (raw > 86_400 ? raw / 1000 : raw) : 3600;
  return {
    accessToken: answer.access_token,
    expiresAt: now() + seconds * 1000,
    ...(typeof answer.refresh_token === 'string' && answer.refresh_token.length > 0
      ? { refreshToken: answer.refresh_token }
      : {}),
    ...(isHttpUrl(answer.api_domain) ? { apiBaseUrl: trimSlash(answer.api_domain) } : {}),
  };
}

/** Per-call client: holds the call's context and nothing else. */
export class ZohoClient {
  constructor(private readonly ctx: ZohoContext) {}

  get<T>(path: string, options: Omit<RequestOptions, 'body' | 'records'> = {}): Promise<ZohoResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<ZohoResponse<T>> {
    return this.request<T>('POST', path, { ...options, body });
  }

  /**
   * One API call, retried once after a 401 with a refreshed token (every 401 means "not processed", so a write is
   * safe to resend). Fails with a ConnectorError for every answer that is not a success (or, with `records`, a
   * per-record result list).
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ZohoResponse<T>> {
    const { signal } = this.ctx;
    let credentials: LiveCredentials = await beforeDeadline(this.ctx.auth.current(), signal);
    for (let attempt = 0; ; attempt += 1) {
      const token = credentials.accessToken;
      if (!token) {
        throw new ConnectorError('zoho', 'auth_expired', 'no access token: the connector needs to be authorised');
      }
      const response = await this.send(method, path, options, token, credentials);
      if (response.status === 401 && attempt === 0 && vendorCode(response.body) !== 'OAUTH_SCOPE_MISMATCH') {
        credentials = await beforeDeadline(this.ctx.auth.afterRejection(token), signal);
        continue;
      }
      if (isSuccess(response, options.records)) {
        return response as ZohoResponse<T>;
      }
      throw zohoHttpError(response);
    }
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    token: string,
    credentials: LiveCredentials,
  ): Promise<ZohoResponse<unknown>> {
    const base = apiBaseUrl(this.ctx, credentials);
    const url = new URL(`${base}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) {
        url.searchParams.set(key, String(value));
      }
    }
    const { signal } = this.ctx;
    try {
      const response = await fetch(url, {
        method,
        headers: {
          Authorization: `Zoho-oauthtoken ${token}`,
          Accept: 'application/json',
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        // A redirect would leave the host the egress guard checked.
        redirect: 'manual',
        signal,
      });
      const text = await response.text();
      const body = parseBody(text);
      if (response.ok && text.trim().length > 0 && body === undefined) {
        throw new ConnectorError('zoho', 'unknown', `HTTP ${response.status} with a body that is not JSON`, {
          status: response.status,
        });
      }
      return {
        status: response.status,
        headers: response.headers,
        body,
        apiDomain: apiDomain(this.ctx.settings, credentials),
      };
    } catch (error) {
      throw zohoTransportError(error, signal);
    }
  }
}

function isSuccess(response: ZohoResponse<unknown>, records: number | undefined): boolean {
  if (records !== undefined && [200, 201, 202, 207, 400].includes(response.status)) {
    const data = (response.body as { data?: unknown } | undefined)?.data;
    return (
      Array.isArray(data) &&
      data.length === records &&
      data.every((entry) => typeof (entry as { status?: unknown } | null)?.status === 'string')
    );
  }
  return (response.status >= 200 && response.status < 300) || response.status === 304;
}
