/**
 * The only file that talks to HubSpot. Every call builds a fresh @hubspot/api-client Client from the
 * ConnectionContext (token + basePath), runs one operation, honours the caller's deadline, retries once after a
 * 401 through the auth session (OAuth only) and turns every failure into a ConnectorError.
 *
 * SDK hazard (wire notes §0.3): the SDK keeps its retry/limiter decorators in a process-wide singleton
 * (ApiDecoratorService). `new Client(config)` overwrites that singleton, and an API object (crm.objects.batchApi…)
 * copies whatever is in it when it is first touched. We always construct with the same configuration (no SDK
 * retries, no Bottleneck limiter: the job queue and per-connector pauses own retries and pacing) and touch the API
 * object synchronously right after `new Client` — no await in between — so no other code, whatever Client it builds
 * elsewhere in the process, can run between the two and hand our call its retries or its limiter.
 *
 * Redirects are never followed: every Client gets one of the process-wide agents of hubspot.http-agent, which moves
 * the SDK from global fetch (follows redirects) to node's http/https.request (does not). A 3xx becomes a
 * ConnectorError in hubspot.errors.
 */
import { Client } from '@hubspot/api-client';
import { ConnectorError } from '../connector.errors';
import type { ConnectionContext, TokenGrant } from '../crm-connector.port';
import {
  hubspotSettingsSchema,
  isPrivateApp,
  type HubspotCredentials,
  type HubspotSettings,
} from './hubspot.descriptor';
import { toConnectorError, type ClassifyOptions, type HubspotHttpFailure } from './hubspot.errors';
import { hubspotAgentFor } from './hubspot.http-agent';
import type {
  HsAssociationBatchRead,
  HsBatchError,
  HsBatchResponse,
  HsFilter,
  HsObject,
  HsPipeline,
  HsSearchPage,
} from './hubspot.mapper';

export type HubspotContext = ConnectionContext<HubspotSettings, HubspotCredentials>;
type Credentials = HubspotCredentials & { accessToken?: string };

/** The one configuration every Client in this process is built with (see the file comment). */
const SDK_DEFAULTS = { numberOfApiCallRetries: 0 } as const;
/** Private-app tokens do not expire; a grant "refreshing" one is valid for this long. */
const STATIC_TOKEN_LIFETIME_MS = 10 * 365 * 86_400_000;
/** Association pages followed per listing (500 per page): bounds calls for contacts with huge histories. */
const MAX_ASSOCIATION_PAGES = 4;

export function settingsOf(ctx: { settings: unknown }): HubspotSettings {
  const parsed = hubspotSettingsSchema.safeParse(ctx.settings);
  if (!parsed.success) {
    throw new ConnectorError('hubspot', 'invalid_request', 'HubSpot connector settings are invalid');
  }
  return parsed.data;
}

/**
 * The API root every call (and the token refresh) goes to — the one place to wrap with an egress guard. No trailing
 * slash: the SDK appends paths.
 */
export function apiBaseUrl(ctx: { settings: unknown }): string {
  return settingsOf(ctx).basePath.replace(/\/+$/, '');
}

/** Records the last response the SDK received, so a status survives an SDK that cannot parse the error body. */
class ResponseRecorder {
  last: HubspotHttpFailure | undefined;

  middleware() {
    return [
      {
        pre: (context: unknown) => context,
        post: (context: unknown) => {
          const response = context as { httpStatusCode?: number; headers?: Record<string, string> };
          if (typeof response.httpStatusCode === 'number') {
            this.last = { status: response.httpStatusCode, headers: response.headers ?? {} };
          }
          return context;
        },
      },
    ];
  }
}

function newSdk(basePath: string, recorder: ResponseRecorder, accessToken?: string): Client {
  return new Client({
    ...SDK_DEFAULTS,
    basePath,
    // Not per tenant: one shared agent per protocol. Without it the SDK would use fetch and follow redirects.
    httpAgent: hubspotAgentFor(basePath),
    ...(accessToken === undefined ? {} : { accessToken }),
    middleware: recorder.middleware(),
  });
}

/**
 * The SDK takes no AbortSignal (its Transport calls http.request without one), so the call is raced against the
 * signal: the caller gets its timeout at the deadline; the abandoned request finishes or fails on its own (the agent
 * destroys a socket left idle too long), its outcome ignored. Writes stay safe because every write is keyed (the
 * retry finds what a late write did).
 */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // Passed through untouched: errors from fetch belong to another realm (not `instanceof Error` under Jest).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}

function tokenOf(credentials: Credentials): string | undefined {
  return isPrivateApp(credentials) ? credentials.privateAppToken : credentials.accessToken;
}

/**
 * Runs `operation` with an SDK client for this connection. A 401 with an OAuth grant asks the auth session for a
 * fresh token once and repeats the call; a private-app token is never "refreshed" (HubSpot: a 401 is not a reason to
 * fetch a new token), its 401 is auth_expired at once.
 */
async function run<T>(
  ctx: HubspotContext,
  operation: (sdk: Client, auth: { token: string; privateApp: boolean }) => Promise<T>,
): Promise<T> {
  const settings = settingsOf(ctx);
  const options: ClassifyOptions = { timeZone: settings.accountTimeZone };
  const basePath = apiBaseUrl(ctx);
  let credentials: Credentials;
  try {
    credentials = await raceSignal(ctx.auth.current(), ctx.signal);
  } catch (error) {
    throw toConnectorError(error, { signal: ctx.signal, options });
  }
  let token = tokenOf(credentials);
  for (let attempt = 0; ; attempt += 1) {
    if (!token) {
      throw new ConnectorError('hubspot', 'auth_expired', 'no HubSpot access token available');
    }
    const recorder = new ResponseRecorder();
    try {
      // newSdk and operation's first (synchronous) step run in one tick: see the file comment.
      const auth = { token, privateApp: isPrivateApp(credentials) };
      return await raceSignal(operation(newSdk(basePath, recorder, token), auth), ctx.signal);
    } catch (error) {
      const failure = toConnectorError(error, { signal: ctx.signal, lastResponse: recorder.last, options });
      if (failure.details.status !== 401 || attempt > 0 || isPrivateApp(credentials)) {
        throw failure;
      }
      let fresh: Credentials;
      try {
        fresh = await raceSignal(ctx.auth.afterRejection(token), ctx.signal);
      } catch (refreshError) {
        throw toConnectorError(refreshError, { signal: ctx.signal, options });
      }
      const freshToken = tokenOf(fresh);
      if (!freshToken || freshToken === token) {
        throw failure;
      }
      credentials = fresh;
      token = freshToken;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Auth

/** POST /oauth/v1/token grant_type=refresh_token (urlencoded). HubSpot returns a refresh token each time. */
export async function refreshGrant(
  settingsInput: HubspotSettings,
  credentials: HubspotCredentials,
  signal: AbortSignal,
): Promise<TokenGrant> {
  if (isPrivateApp(credentials)) {
    return { accessToken: credentials.privateAppToken, expiresAt: Date.now() + STATIC_TOKEN_LIFETIME_MS };
  }
  const recorder = new ResponseRecorder();
  try {
    const basePath = apiBaseUrl({ settings: settingsInput });
    const started = Date.now();
    const response = await raceSignal(
      newSdk(basePath, recorder).oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        credentials.clientId,
        credentials.clientSecret,
        credentials.refreshToken,
      ),
      signal,
    );
    if (!response.accessToken) {
      throw new ConnectorError('hubspot', 'unknown', 'the token endpoint answered without an access token');
    }
    return {
      accessToken: response.accessToken,
      expiresAt: started + Number(response.expiresIn || 1800) * 1000,
      ...(response.refreshToken ? { refreshToken: response.refreshToken } : {}),
    };
  } catch (error) {
    throw toConnectorError(error, { signal, lastResponse: recorder.last });
  }
}

/** GET /crm/v3/objects/contacts?limit=1, then (OAuth) GET /oauth/v1/access-tokens/{token} for the portal's name. */
export async function verifyAccess(ctx: HubspotContext): Promise<{ hubDomain: string | null; hubId: string | null }> {
  return run(ctx, async (sdk, auth) => {
    // Both API objects are taken before the first await (lazy SDK getters read the decorator singleton).
    const contacts = sdk.crm.objects.basicApi;
    const tokens = sdk.oauth.accessTokensApi;
    await contacts.getPage('contacts', 1, undefined, ['email']);
    if (auth.privateApp) {
      return { hubDomain: null, hubId: null };
    }
    const info = await tokens.get(auth.token);
    return { hubDomain: info.hubDomain ?? null, hubId: info.hubId === undefined ? null : String(info.hubId) };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// CRM objects (generic /crm/v3/objects/{objectType} endpoints)

export function batchRead(
  ctx: HubspotContext,
  objectType: string,
  request: { ids: string[]; idProperty?: string; properties: string[] },
): Promise<HsBatchResponse<HsObject>> {
  return run(ctx, (sdk) =>
    sdk.crm.objects.batchApi.read(objectType, {
      inputs: request.ids.map((id) => ({ id })),
      properties: request.properties,
      propertiesWithHistory: [],
      ...(request.idProperty ? { idProperty: request.idProperty } : {}),
    }),
  );
}

export interface UpsertInput {
  id: string;
  idProperty: string;
  properties: Record<string, string>;
}

/** POST …/batch/upsert: 200, or 207 with per-record `errors` (returned by the SDK, not thrown). */
export function batchUpsert(
  ctx: HubspotContext,
  objectType: string,
  inputs: UpsertInput[],
): Promise<HsBatchResponse<HsObject>> {
  return run(ctx, (sdk) => sdk.crm.objects.batchApi.upsert(objectType, { inputs }));
}

export function batchUpdate(
  ctx: HubspotContext,
  objectType: string,
  inputs: Array<{ id: string; properties: Record<string, string> }>,
): Promise<HsBatchResponse<HsObject>> {
  return run(ctx, (sdk) => sdk.crm.objects.batchApi.update(objectType, { inputs }));
}

export function getObject(
  ctx: HubspotContext,
  objectType: string,
  id: string,
  properties: string[],
): Promise<HsObject> {
  return run(ctx, (sdk) => sdk.crm.objects.basicApi.getById(objectType, id, properties, undefined, undefined, false));
}

export interface SearchRequest {
  filterGroups: Array<{ filters: HsFilter[] }>;
  properties: string[];
  sorts?: Array<{ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }>;
  limit: number;
  after?: string;
}

export function search(ctx: HubspotContext, objectType: string, request: SearchRequest): Promise<HsSearchPage> {
  return run(ctx, (sdk) =>
    sdk.crm.objects.searchApi.doSearch(objectType, {
      filterGroups: request.filterGroups as never,
      properties: request.properties,
      limit: request.limit,
      // The SDK types `sorts` as string[]; HubSpot documents {propertyName, direction} objects, which pass through.
      ...(request.sorts ? { sorts: request.sorts as never } : {}),
      ...(request.after === undefined ? {} : { after: request.after }),
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Associations v4 and pipelines

/** Ids associated with one record, following up to MAX_ASSOCIATION_PAGES pages of 500 (ascending ids). */
export function associatedIds(ctx: HubspotContext, fromType: string, id: string, toType: string): Promise<string[]> {
  return run(ctx, async (sdk) => {
    const api = sdk.crm.associations.v4.basicApi;
    const ids: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_ASSOCIATION_PAGES; page += 1) {
      const response = await api.getPage(fromType, id, toType, after, 500);
      ids.push(...response.results.map((r) => String(r.toObjectId)));
      after = response.paging?.next?.after;
      if (!after) {
        break;
      }
    }
    return ids;
  });
}

/** POST /crm/v4/associations/{from}/{to}/batch/read: first page (≤500) of each id's associations. */
export async function batchReadAssociations(
  ctx: HubspotContext,
  fromType: string,
  toType: string,
  ids: string[],
): Promise<Map<string, string[]>> {
  const response: HsAssociationBatchRead = await run(ctx, (sdk) =>
    sdk.crm.associations.v4.batchApi.getPage(fromType, toType, { inputs: ids.map((id) => ({ id })) }),
  );
  const out = new Map<string, string[]>();
  for (const result of response.results) {
    const from = result._from?.id ?? result.from?.id;
    if (from !== undefined) {
      out.set(
        String(from),
        result.to.map((t) => String(t.toObjectId)),
      );
    }
  }
  return out;
}

export interface AssociationResult {
  results: Array<{ fromObjectId: string; toObjectId: string }>;
  errors: HsBatchError[];
}

/** POST /crm/v4/associations/{from}/{to}/batch/create with one HUBSPOT_DEFINED type: 201, or 207 with `errors`. */
export async function batchAssociate(
  ctx: HubspotContext,
  fromType: string,
  toType: string,
  typeId: number,
  pairs: Array<{ from: string; to: string }>,
): Promise<AssociationResult> {
  const response = await run(ctx, (sdk) =>
    sdk.crm.associations.v4.batchApi.create(fromType, toType, {
      inputs: pairs.map((pair) => ({
        _from: { id: pair.from },
        to: { id: pair.to },
        types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: typeId }],
      })),
    }),
  );
  return {
    results: response.results.map((r) => ({ fromObjectId: String(r.fromObjectId), toObjectId: String(r.toObjectId) })),
    errors: 'errors' in response && Array.isArray(response.errors) ? response.errors : [],
  };
}

export async function ticketPipelineList(ctx: HubspotContext): Promise<HsPipeline[]> {
  const response = await run(ctx, (sdk) => sdk.crm.pipelines.pipelinesApi.getAll('tickets'));
  return response.results.map((pipeline) => ({
    id: pipeline.id,
    label: pipeline.label,
    displayOrder: pipeline.displayOrder,
    archived: pipeline.archived,
    stages: pipeline.stages.map((stage) => ({
      id: stage.id,
      label: stage.label,
      displayOrder: stage.displayOrder,
      archived: stage.archived,
      metadata: stage.metadata,
    })),
  }));
}
