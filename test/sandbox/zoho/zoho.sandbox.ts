/**
 * Zoho CRM (API v8) sandbox: the accounts server (/oauth/v2/token) and the CRM API (/crm/v8/...) on one port,
 * so `api_domain` and the accounts URL are both the sandbox's base URL.
 *
 * Limits, the Zoho way (https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html):
 * - credits per rolling 24 h (`limits.dailyQuota`, default 60,000 = Enterprise with 10 users); a call costs
 *   1 credit, a write 1 credit per 10 records; beyond the allowance every call answers 429;
 * - concurrent calls per org (`concurrencyLimit`, default 20 = Enterprise) answer 429 beyond the limit;
 * - at most 10 access tokens per refresh token in 10 minutes (accounts server).
 * Real responses carry X-ACCESSTOKEN-RESET; the X-RATELIMIT-* headers that old SDKs read are not sent by the
 * current API (not present on captured 2023/2024 responses), so the sandbox does not send them either.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DailyQuota } from '../common/rate-limit';
import { createSandboxKit, listenSandbox } from '../common/sandbox-kit';
import type { RunningSandbox, SandboxOptions } from '../common/sandbox.types';
import { coqlCredits, registerCoqlRoute } from './zoho-coql';
import { errors, faultError, sendError, sendJson } from './zoho-errors';
import { registerMetaRoutes } from './zoho-meta-routes';
import { NotificationHub, type Delivery } from './zoho-notifications';
import { oauthRoutes } from './zoho-oauth';
import { registerRecordRoutes } from './zoho-records';
import { seedStore } from './zoho-seed';
import { API } from './zoho-schema';
import { PageTokens, ZohoStore, zohoTime } from './zoho-store';

export interface ZohoSandboxOptions extends SandboxOptions {
  /** Concurrent API calls allowed (Zoho: 5 Free … 25 Ultimate). Default 20. */
  concurrencyLimit?: number;
  /** Delay before a written record becomes visible to the Search API (Zoho documents an indexing delay). */
  searchIndexDelayMs?: number;
  /** Access tokens one refresh token may mint per window. Default 10 per 10 minutes. */
  tokenGrantLimit?: { count: number; windowMs: number };
}

export interface ZohoRunningSandbox extends RunningSandbox {
  /** Outbound notification deliveries (watch channels and options.webhook). */
  notifications: { deliveries(): Delivery[]; flush(): Promise<void> };
  credits(): { used: number; limit: number; remaining: number };
  /**
   * Another valid refresh token for the same client, as a further authorisation (authorization-code grant) yields
   * in Zoho: a user may hold up to 20 per client. Lets tests give separate connections separate grants.
   */
  issueRefreshToken(): string;
}

/** Channel id used for the options.webhook subscription. */
export const DEFAULT_CHANNEL_ID = '1000000068001';
const DEFAULT_CREDITS = 60_000;
const DEFAULT_CONCURRENCY = 20;

/**
 * Runs `handler` for /crm/v8 requests only. Not `router.use(API, …)`: that strips the prefix from req.url, and a
 * response sent from there would be logged (and fault-filtered) under the stripped path.
 */
function onApi(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (req.path.startsWith(`${API}/`) ? handler(req, res, next) : next());
}

function baseUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

function bearer(req: Request): string | undefined {
  const match = /^Zoho-oauthtoken\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match ? match[1] : undefined;
}

/** Credits of one call: 1, 1 per 10 records for the record write APIs, 1-3 for COQL by its LIMIT. */
function creditCost(req: Request): number {
  const body = req.body as { data?: unknown; select_query?: unknown } | undefined;
  if (req.method === 'POST' && req.path === `${API}/coql`) {
    return coqlCredits(body?.select_query);
  }
  if ((req.method === 'POST' || req.method === 'PUT') && body && Array.isArray(body.data)) {
    return Math.max(1, Math.ceil(body.data.length / 10));
  }
  return 1;
}

export async function startZohoSandbox(options: ZohoSandboxOptions = {}): Promise<ZohoRunningSandbox> {
  const kit = createSandboxKit('zoho', options, { tokenTtlSeconds: 3600 });
  const store = new ZohoStore(options.searchIndexDelayMs ?? 0);
  seedStore(store, kit.people);
  const hub = new NotificationHub(
    options.webhook
      ? { url: options.webhook.url, secret: options.webhook.secret, channelId: DEFAULT_CHANNEL_ID }
      : undefined,
  );
  const pageTokens = new PageTokens();
  const credits = new DailyQuota(options.limits?.dailyQuota ?? DEFAULT_CREDITS);
  let creditsUsed = 0;
  const concurrencyLimit = options.concurrencyLimit ?? DEFAULT_CONCURRENCY;
  let inFlight = 0;
  const tokenExpiry = new Map<string, number>();

  const app = express();
  app.disable('x-powered-by');
  app.use(kit.requestLogger(bearer));
  const faults = kit.faults.middleware((res, status) => {
    if (!res.req.path.startsWith(API)) {
      res.status(status).json({ error: status === 429 ? 'Access Denied' : 'server_error' });
      return;
    }
    sendError(res, status, faultError(status));
  });
  // API calls meet the faults after authentication and metering, so injected latency or a hang holds a
  // concurrency slot the way a slow Zoho call does; the accounts server meets them up front.
  app.use((req, res, next) => (req.path.startsWith(`${API}/`) ? next() : faults(req, res, next)));
  app.use(
    oauthRoutes({
      tokens: kit.tokens,
      grantLimit: options.tokenGrantLimit ?? { count: 10, windowMs: 10 * 60_000 },
      onIssued: (token, expiresAt) => tokenExpiry.set(token, expiresAt),
    }),
  );

  const api = express.Router();
  api.use(
    onApi((req, res, next) => {
      if (!req.get('authorization')) {
        sendError(res, 401, errors.authenticationFailure());
        return;
      }
      const token = bearer(req);
      if (!token || !kit.tokens.isValidAccessToken(token)) {
        sendError(res, 401, errors.invalidToken());
        return;
      }
      const expiresAt = tokenExpiry.get(token);
      if (expiresAt !== undefined) {
        res.setHeader('X-ACCESSTOKEN-RESET', zohoTime(expiresAt));
      }
      next();
    }),
  );
  api.use(onApi(express.json({ limit: '10mb', type: () => true })));
  api.use(
    onApi((req, res, next) => {
      if (inFlight >= concurrencyLimit) {
        sendError(res, 429, errors.concurrency(concurrencyLimit));
        return;
      }
      const charge = credits.take(creditCost(req));
      if (!charge.allowed) {
        sendError(res, 429, errors.creditsExhausted(charge.limit));
        return;
      }
      creditsUsed = charge.used;
      inFlight += 1;
      res.on('close', () => {
        inFlight -= 1;
      });
      next();
    }),
  );
  api.use(onApi(faults));
  registerMetaRoutes(api, hub, baseUrlOf);
  // Before the record routes: POST /crm/v8/coql would otherwise read as an insert into a module named "coql".
  registerCoqlRoute(api, store);
  registerRecordRoutes(api, { kit, store, hub, pageTokens, baseUrl: baseUrlOf });
  api.use(onApi((_req, res) => sendError(res, 404, errors.invalidUrl())));
  api.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      return;
    }
    const status = (error as { status?: number; type?: string }).status;
    if (status !== undefined && status >= 400 && status < 500) {
      // Malformed JSON or an oversized body.
      sendError(res, 400, errors.invalidRequest());
      return;
    }
    sendError(res, 500, errors.internal());
  });
  app.use(api);
  app.use((_req, res) => sendJson(res, 404, errors.invalidUrl()));

  const running = await listenSandbox(app, kit, {
    credentials: () => ({
      clientId: kit.tokens.clientId,
      clientSecret: kit.tokens.clientSecret,
      refreshToken: kit.tokens.initialRefreshToken,
    }),
    settings: (baseUrl) => ({
      apiDomain: baseUrl,
      accountsUrl: baseUrl,
      tokenUrl: `${baseUrl}/oauth/v2/token`,
      apiBaseUrl: `${baseUrl}/crm/v8`,
      apiVersion: 'v8',
      notificationChannelId: DEFAULT_CHANNEL_ID,
    }),
  });

  return {
    ...running,
    notifications: { deliveries: () => [...hub.deliveries], flush: () => hub.flush() },
    credits: () => ({ used: creditsUsed, limit: credits.limit, remaining: credits.limit - creditsUsed }),
    issueRefreshToken: () => kit.tokens.issueRefreshToken(),
    stop: async () => {
      await hub.flush();
      await running.stop();
    },
  };
}
