import express, { type Request } from 'express';
import { DailyQuota } from '../common/rate-limit';
import { createSandboxKit, listenSandbox } from '../common/sandbox-kit';
import type { RunningSandbox, SandboxOptions } from '../common/sandbox.types';
import { renderInjectedError, sendError } from './errors';
import { IdFactory } from './ids';
import { createIdentityRouter, createOAuthRouter } from './oauth-routes';
import { OutboundMessenger, type OutboundDelivery } from './outbound-messages';
import { QueryCursors } from './query-cursors';
import { LATEST_VERSION, MIN_VERSION, createRestRouter } from './rest-routes';
import { seedOrg } from './seed';
import { OrgStore, type DuplicateRuleMode, type SObjectRecord } from './store';

/**
 * A Salesforce org emulator speaking REST API v62.0 the way jsforce 3.10 uses it: OAuth refresh (with optional
 * rotation), SOQL query/queryAll with cursors, sObject CRUD and upsert by external id, sObject Collections,
 * getUpdated/getDeleted, limits, the daily API quota, duplicate rules and Outbound Messages.
 */

export interface SalesforceSandboxOptions extends SandboxOptions {
  salesforce?: {
    /** Records per query page when the client sends no Sforce-Query-Options (Salesforce: 2000). */
    queryBatchSize?: number;
    /** Standard Contact duplicate rule on Email: block (default), alert (saves with allowSave=true) or off. */
    duplicateRule?: DuplicateRuleMode;
    /** Delays between Outbound Message delivery attempts (Salesforce: 15 s doubling for 24 h). */
    outboundRetryDelaysMs?: number[];
    /** Idle lifetime of a query cursor (Salesforce: 15 minutes). */
    queryLocatorTtlMs?: number;
    /** The org's clock for record timestamps and replication windows (tests move it forward). */
    clock?: () => number;
  };
}

export interface RunningSalesforceSandbox extends RunningSandbox {
  vendor: 'salesforce';
  /** 18-character org id: what Outbound Messages carry in <OrganizationId>. */
  orgId: string;
  userId: string;
  /** A valid access token without the refresh dance (like a session id from another login). */
  issueAccessToken(): string;
  /**
   * A second, independent refresh token for the same connected app and user, as another OAuth authorization would
   * issue (each authorization has its own rotation chain; revoking one leaves the others valid).
   */
  issueRefreshToken(): string;
  setDuplicateRule(mode: DuplicateRuleMode): void;
  setQueryBatchSize(size: number): void;
  /** API calls counted against the daily quota so far. */
  apiUsage(): { used: number; limit: number };
  /** Contact id of a seed person's primary record. */
  contactIdFor(seedKey: string): string | undefined;
  /** Live records of one sObject type (test oracle; never goes over HTTP). */
  records(objectName: string): SObjectRecord[];
  outboundMessages(): OutboundDelivery[];
}

const DEFAULT_DAILY_QUOTA = 15_000;

function bearerOf(req: Request): string | undefined {
  const match = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1]?.trim();
}

export async function startSalesforceSandbox(
  options: SalesforceSandboxOptions = {},
): Promise<RunningSalesforceSandbox> {
  const kit = createSandboxKit('salesforce', options, { tokenTtlSeconds: 3600 });
  const ids = new IdFactory('5g');
  let baseUrl = '';
  let outbound: OutboundMessenger | undefined;

  const store = new OrgStore(
    {
      onWrite(effect, record) {
        kit.journal.record(effect);
        if (effect.operation !== 'delete') {
          outbound?.enqueue(effect.object, record);
        }
      },
    },
    { duplicateRule: options.salesforce?.duplicateRule ?? 'block', clock: options.salesforce?.clock },
  );
  const seedIndex = seedOrg(store, kit.people);

  if (options.webhook) {
    outbound = new OutboundMessenger({
      url: options.webhook.url,
      orgId: store.orgId,
      ids,
      baseUrl: () => baseUrl,
      apiVersion: LATEST_VERSION,
      retryDelaysMs: options.salesforce?.outboundRetryDelaysMs ?? [500, 2000, 8000],
    });
  }

  const quota = new DailyQuota(options.limits?.dailyQuota ?? DEFAULT_DAILY_QUOTA);
  const settings = { queryBatchSize: options.salesforce?.queryBatchSize ?? 2000 };
  const cursors = new QueryCursors(ids, { ttlMs: options.salesforce?.queryLocatorTtlMs ?? 15 * 60_000, maxOpen: 10 });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(kit.requestLogger(bearerOf));
  app.use(kit.faults.middleware(renderInjectedError));

  const oauthCtx = { kit, store, baseUrl: () => baseUrl, apiVersion: LATEST_VERSION, bearerOf };
  app.use(createOAuthRouter(oauthCtx));
  app.use(createIdentityRouter(oauthCtx));

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm
  app.get('/services/data', (_req, res) => {
    const versions = [];
    for (let v = MIN_VERSION; v <= Number(LATEST_VERSION); v += 1) {
      versions.push({ label: `v${v}.0`, url: `/services/data/v${v}.0`, version: `${v}.0` });
    }
    res.json(versions);
  });
  app.use(createRestRouter({ kit, store, quota, cursors, settings, bearerOf }));

  app.use((_req, res) => sendError(res, 404, 'NOT_FOUND', 'The requested resource does not exist'));
  // A bug in the sandbox must still look like a Salesforce failure, not an HTML stack trace.
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    void _next;
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(
      res,
      500,
      'UNKNOWN_EXCEPTION',
      `An unexpected error occurred: ${(error as Error)?.message ?? String(error)}`,
    );
  });

  const running = await listenSandbox(app, kit, {
    credentials: (url) => ({
      clientId: kit.tokens.clientId,
      clientSecret: kit.tokens.clientSecret,
      refreshToken: kit.tokens.initialRefreshToken,
      loginUrl: url,
      instanceUrl: url,
    }),
    settings: (url) => ({
      loginUrl: url,
      instanceUrl: url,
      apiVersion: LATEST_VERSION,
      organizationId: store.orgId,
    }),
  });
  baseUrl = running.baseUrl;

  return {
    ...running,
    vendor: 'salesforce',
    orgId: store.orgId,
    userId: store.integrationUserId,
    issueAccessToken: () => kit.tokens.issueAccessToken(),
    issueRefreshToken: () => kit.tokens.issueRefreshToken(),
    setDuplicateRule: (mode) => {
      store.duplicateRule = mode;
    },
    setQueryBatchSize: (size) => {
      settings.queryBatchSize = size;
    },
    apiUsage: () => {
      const now = quota.take(0);
      return { used: now.used, limit: now.limit };
    },
    contactIdFor: (key) => seedIndex.contactIdByKey.get(key),
    records: (objectName) => store.records(objectName).map((r) => ({ ...r })),
    outboundMessages: () => outbound?.deliveries() ?? [],
    stop: async () => {
      outbound?.stop();
      await running.stop();
    },
  };
}
