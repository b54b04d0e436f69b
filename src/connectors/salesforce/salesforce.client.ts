import jsforce, { type HttpRequest, type HttpResponse } from 'jsforce';
import { Transport } from 'jsforce/lib/transport';
import { ConnectorError } from '../connector.errors';
import type { ConnectionContext, TokenGrant } from '../crm-connector.port';
import type { SalesforceCredentials, SalesforceSettings } from './salesforce.descriptor';
import { fromHttpFailure, fromOAuthFailure, fromThrown, type SalesforceApiError } from './salesforce.errors';

/**
 * The only file that talks HTTP to Salesforce. Every call builds a fresh jsforce Connection from the context's
 * credentials (nothing per tenant survives the call), sends one request with jsforce's retries off, races it against
 * the caller's deadline, retries once after a 401 with the token the auth session hands back, and turns every
 * failure into a ConnectorError.
 */

export type SalesforceContext = ConnectionContext<SalesforceSettings, SalesforceCredentials>;
type SessionCredentials = SalesforceCredentials & { accessToken?: string; apiBaseUrl?: string };

/**
 * jsforce retries GET/PUT/DELETE on 420/429/5xx and socket errors up to 5 times with 0.5–8 s backoff and ignores
 * Retry-After: ~15 s of hidden waiting per call, blowing the caller's deadline, and a second retry layer under our
 * job queue (which owns retries, honours Retry-After and pauses the whole connector on 429). We switch it off on every
 * request through the request options, which jsforce merges over its module defaults (`{...defaults, ...options}` in
 * lib/request.js). That is the same for every tenant and, unlike `setDefaults()`, does not wipe the process-wide
 * defaults jsforce reads from the environment (HTTPS_PROXY, HTTP_TIMEOUT) or change other jsforce users in the
 * process.
 */
const NO_RETRIES = { maxRetries: 0 } as const;

/**
 * jsforce 3.10 aborts a request only on its own timeout (it creates its own AbortController and accepts no signal),
 * so calls race the caller's signal instead; this per-request timeout makes an abandoned request give its socket
 * back instead of holding it for jsforce's default 30 minutes.
 */
const ABANDONED_REQUEST_TIMEOUT_MS = 120_000;

/** Pages followed for one query before giving up (the callers all put a LIMIT far below this many pages). */
const MAX_QUERY_PAGES = 50;

/** nextRecordsUrl must stay a relative query-locator path on the same instance (never an absolute URL). */
const NEXT_RECORDS_URL = /^\/services\/data\/v\d{2,3}\.\d\/(?:query|queryAll)\/[A-Za-z0-9]{15,18}-\d+$/;

export interface SalesforceResponse<T> {
  body: T;
  status: number;
  headers: Record<string, string | undefined>;
}

export interface QueryPage<T> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: T[];
}

/** One record's result in an sObject Collections call (in request order). */
export interface CollectionResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors: SalesforceApiError[] | unknown[];
}

/**
 * Where API calls go: the instance URL the last refresh returned (`instance_url`), else the configured one.
 * The service's egress guard checks this host before a connection is opened.
 */
export function apiBaseUrl(ctx: Pick<SalesforceContext, 'settings'>, credentials: { apiBaseUrl?: string }): string {
  const raw = credentials.apiBaseUrl ?? ctx.settings.instanceUrl;
  if (!raw) {
    throw new ConnectorError(
      'salesforce',
      'invalid_request',
      'no instance URL yet: set instanceUrl or refresh the grant',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConnectorError('salesforce', 'invalid_request', 'the instance URL is not a URL');
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash
  ) {
    throw new ConnectorError('salesforce', 'invalid_request', 'the instance URL must be a plain http(s) origin');
  }
  // Lightning hosts serve the UI, not the API (jsforce refuses them too); My Domain (*.my.salesforce.com) is right.
  if (url.hostname.endsWith('.lightning.force.com')) {
    throw new ConnectorError(
      'salesforce',
      'invalid_request',
      'use the My Domain URL (…my.salesforce.com), not the Lightning URL',
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Settles with the promise, or rejects with a timeout as soon as the signal aborts (the promise is left to finish). */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  const deadline = (): ConnectorError =>
    new ConnectorError('salesforce', 'timeout', 'the call did not finish before its deadline');
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(deadline());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(deadline());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed through unchanged for fromThrown
        reject(error);
      },
    );
  });
}

/**
 * jsforce's HttpApiError keeps errorCode and message but drops the HTTP status and headers (Retry-After,
 * Sforce-Limit-Info), which decide between rate_limited and quota_exhausted. A per-request transport keeps the raw
 * response; jsforce takes it through the request options (`options.transport`, lib/http-api.js).
 */
class CapturingTransport extends Transport {
  response: HttpResponse | undefined;

  override httpRequest(request: HttpRequest, options?: Parameters<Transport['httpRequest']>[1]) {
    const promise = super.httpRequest(request, options);
    promise.then(
      (response) => {
        this.response = response;
      },
      () => undefined,
    );
    return promise;
  }
}

/**
 * Refresh-token grant, done by hand: jsforce's own refresh drops the rotated refresh_token that Salesforce returns
 * when the connected app rotates them, and the next refresh would then fail with invalid_grant.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 * Salesforce sends no expires_in: the lifetime is the org's session timeout (settings.sessionLifetimeMinutes), and a
 * session that dies earlier is caught by the 401 → afterRejection path.
 */
export async function refreshAccessToken(
  settings: SalesforceSettings,
  credentials: SalesforceCredentials,
  signal: AbortSignal,
  now: () => number = Date.now,
): Promise<TokenGrant> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: credentials.refreshToken,
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  });
  const tokenUrl = `${apiBaseUrl({ settings: { ...settings, instanceUrl: settings.loginUrl } }, {})}/services/oauth2/token`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(tokenUrl, {
      method: 'POST',
      body,
      headers: { accept: 'application/json' },
      // A token endpoint that redirects elsewhere is not followed with our client secret.
      redirect: 'error',
      signal,
    });
    text = await response.text();
  } catch (error) {
    throw fromThrown(error);
  }
  const headers = Object.fromEntries([...response.headers].map(([name, value]) => [name.toLowerCase(), value]));
  if (!response.ok) {
    throw fromOAuthFailure({ status: response.status, headers, body: text });
  }
  let grant: { access_token?: unknown; refresh_token?: unknown; instance_url?: unknown };
  try {
    grant = JSON.parse(text) as typeof grant;
  } catch {
    throw new ConnectorError('salesforce', 'unavailable', 'token endpoint answered something other than JSON', {
      status: response.status,
    });
  }
  if (typeof grant.access_token !== 'string' || grant.access_token === '') {
    throw new ConnectorError('salesforce', 'unknown', 'token response without access_token', {
      status: response.status,
    });
  }
  const instanceUrl =
    typeof grant.instance_url === 'string' ? apiBaseUrl({ settings }, { apiBaseUrl: grant.instance_url }) : undefined;
  return {
    accessToken: grant.access_token,
    expiresAt: now() + settings.sessionLifetimeMinutes * 60_000,
    ...(typeof grant.refresh_token === 'string' && grant.refresh_token !== ''
      ? { refreshToken: grant.refresh_token }
      : {}),
    ...(instanceUrl ? { apiBaseUrl: instanceUrl } : {}),
  };
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the version root (`/sobjects/…`), or a `/services/data/…` path from Salesforce (nextRecordsUrl). */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One operation's view of one Salesforce org. Build it per call; it holds nothing beyond that call. */
export class SalesforceClient {
  private credentials: SessionCredentials | undefined;

  constructor(private readonly ctx: SalesforceContext) {}

  /** The instance this call talks to (for deep links); known after the first request. */
  get instanceUrl(): string {
    return apiBaseUrl(this.ctx, this.credentials ?? {});
  }

  async request<T>(spec: RequestSpec): Promise<SalesforceResponse<T>> {
    const credentials = await this.session();
    try {
      return await this.once<T>(credentials, spec);
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.details.status !== 401 || !credentials.accessToken) {
        throw error;
      }
      // The session died before its expected lifetime (revoked, org timeout shorter than configured): refresh once.
      let fresh: SessionCredentials;
      try {
        fresh = await raceSignal(this.ctx.auth.afterRejection(credentials.accessToken), this.ctx.signal);
      } catch (refreshError) {
        throw fromThrown(refreshError);
      }
      this.credentials = fresh;
      return this.once<T>(fresh, spec);
    }
  }

  /** Runs a SOQL query and follows nextRecordsUrl until `maxRecords` rows or the end. */
  async query<T extends Record<string, unknown>>(soql: string, maxRecords = Number.POSITIVE_INFINITY): Promise<T[]> {
    const records: T[] = [];
    let page = (await this.request<QueryPage<T>>({ method: 'GET', path: `/query?q=${encodeURIComponent(soql)}` })).body;
    for (let pages = 1; ; pages += 1) {
      records.push(...(page.records ?? []));
      if (page.done || !page.nextRecordsUrl || records.length >= maxRecords) {
        break;
      }
      if (!NEXT_RECORDS_URL.test(page.nextRecordsUrl) || pages >= MAX_QUERY_PAGES) {
        throw new ConnectorError('salesforce', 'unknown', 'unexpected nextRecordsUrl in a query result');
      }
      page = (await this.request<QueryPage<T>>({ method: 'GET', path: page.nextRecordsUrl })).body;
    }
    return records.slice(0, maxRecords);
  }

  /**
   * PATCH sobjects/{type}/{field}/{value}: create or update by an External ID field. jsforce's own upsert puts the
   * value into the URL unencoded (`conv?x=1` would upsert `conv`), so the path is built here with
   * encodeURIComponent. From API 46.0 the answer is 201 {created:true} or 200 {created:false}.
   */
  async upsertByExternalId(
    type: string,
    field: string,
    value: string,
    body: Record<string, unknown>,
  ): Promise<{ id: string; created: boolean }> {
    const response = await this.request<{ id?: string; created?: boolean }>({
      method: 'PATCH',
      path: `/sobjects/${type}/${field}/${encodeURIComponent(value)}`,
      body,
    });
    if (typeof response.body?.id !== 'string') {
      throw new ConnectorError('salesforce', 'unknown', `upsert answered ${response.status} without an id`, {
        status: response.status,
      });
    }
    return { id: response.body.id, created: response.body.created ?? response.status === 201 };
  }

  async create(type: string, body: Record<string, unknown>): Promise<{ id: string }> {
    const response = await this.request<{ id?: string }>({ method: 'POST', path: `/sobjects/${type}`, body });
    if (typeof response.body?.id !== 'string') {
      throw new ConnectorError('salesforce', 'unknown', `create answered ${response.status} without an id`, {
        status: response.status,
      });
    }
    return { id: response.body.id };
  }

  async update(type: string, id: string, body: Record<string, unknown>): Promise<void> {
    await this.request({ method: 'PATCH', path: `/sobjects/${type}/${encodeURIComponent(id)}`, body });
  }

  /**
   * PATCH composite/sobjects/{type}/{field}: up to 200 upserts in one call, allOrNone=false, one result per record
   * in request order. The external id travels in the body, so no URL encoding question arises.
   */
  async upsertCollection(
    type: string,
    field: string,
    records: Array<Record<string, unknown>>,
  ): Promise<CollectionResult[]> {
    const response = await this.request<CollectionResult[]>({
      method: 'PATCH',
      path: `/composite/sobjects/${type}/${field}`,
      body: { allOrNone: false, records: records.map((record) => ({ attributes: { type }, ...record })) },
    });
    if (!Array.isArray(response.body) || response.body.length !== records.length) {
      throw new ConnectorError(
        'salesforce',
        'unknown',
        'sObject Collections answered a result list of the wrong length',
        {
          status: response.status,
        },
      );
    }
    return response.body;
  }

  /** GET /services/data/vXX.X/ (Resources by Version): cheap, authenticated, names the identity URL. */
  async resources(): Promise<SalesforceResponse<Record<string, unknown>>> {
    return this.request<Record<string, unknown>>({ method: 'GET', path: '/' });
  }

  private async session(): Promise<SessionCredentials> {
    if (!this.credentials) {
      try {
        this.credentials = await raceSignal(this.ctx.auth.current(), this.ctx.signal);
      } catch (error) {
        throw fromThrown(error);
      }
    }
    return this.credentials;
  }

  private async once<T>(credentials: SessionCredentials, spec: RequestSpec): Promise<SalesforceResponse<T>> {
    if (!credentials.accessToken) {
      throw new ConnectorError('salesforce', 'auth_expired', 'no access token: the grant must be refreshed');
    }
    const connection = new jsforce.Connection({
      instanceUrl: apiBaseUrl(this.ctx, credentials),
      accessToken: credentials.accessToken,
      // jsforce defaults to v50.0 when no version is given.
      version: this.ctx.settings.apiVersion,
    });
    const transport = new CapturingTransport();
    const request: HttpRequest = {
      method: spec.method,
      url: spec.path,
      headers: {
        accept: 'application/json',
        ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...spec.headers,
      },
      ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
    };
    const pending = connection.request<T>(request, {
      transport,
      retry: NO_RETRIES,
      // A redirect would take the session to a host the egress guard never checked.
      followRedirect: false,
      timeout: ABANDONED_REQUEST_TIMEOUT_MS,
      noContentResponse: null,
    });
    try {
      const body = await raceSignal(Promise.resolve(pending), this.ctx.signal);
      const response = transport.response;
      return { body, status: response?.statusCode ?? 200, headers: response?.headers ?? {} };
    } catch (error) {
      if (error instanceof ConnectorError) {
        throw error;
      }
      const response = transport.response;
      if (response && (response.statusCode >= 400 || response.statusCode === 300)) {
        throw fromHttpFailure({ status: response.statusCode, headers: response.headers, body: response.body });
      }
      throw fromThrown(error);
    }
  }
}
