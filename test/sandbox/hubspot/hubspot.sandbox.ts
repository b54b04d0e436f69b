import express, { type NextFunction, type Request, type Response } from 'express';
import { createSandboxKit, listenSandbox } from '../common/sandbox-kit';
import type { RunningSandbox, SandboxOptions } from '../common/sandbox.types';
import { associationRoutes } from './hubspot.associations';
import { bearerOf, DEFAULT_LIMITS, HubspotAuth, type HubspotLimits } from './hubspot.auth';
import { batchRoutes } from './hubspot.batch';
import type { HubspotContext } from './hubspot.context';
import { errorBody, genericErrorBody, HsHttpError, sendError } from './hubspot.errors';
import { objectRoutes } from './hubspot.objects';
import { seedStore } from './hubspot.seed';
import { HubspotStore } from './hubspot.store';
import { WebhookDispatcher, type WebhookDelivery } from './hubspot.webhooks';

/** HubSpot's access tokens live 30 minutes ("expires_in": 1800). */
const HUBSPOT_TOKEN_TTL_SECONDS = 1800;

const ACCOUNT = {
  portalId: 24681357,
  appId: 3141592,
  hubDomain: 'chat-crm-bridge-sandbox.hubspot.com',
  userId: 9100001,
  user: 'integration@example.com',
};

export interface HubspotSandboxOptions extends SandboxOptions {
  /** CRM search requests per second (HubSpot: 5 per account). */
  searchRequestsPerSecond?: number;
}

export interface HubspotSandbox extends RunningSandbox {
  /** Webhook batches delivered so far, with the receiver's HTTP status (0 = network error). */
  webhookDeliveries(): WebhookDelivery[];
  /** Sends queued webhook events now and waits for every delivery in flight. */
  flushWebhooks(): Promise<void>;
  /**
   * A second, independent refresh token for the same OAuth app and portal, as another authorization (install) of
   * the app issues: revoking one leaves the others valid.
   */
  issueRefreshToken(): string;
}

/**
 * A local HubSpot (CRM v3 objects, v4 associations, pipelines, OAuth v1 tokens, webhooks v3) for the real
 * @hubspot/api-client: `new Client({ accessToken, basePath: sandbox.baseUrl, numberOfApiCallRetries: 0 })`.
 */
export async function startHubspotSandbox(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const kit = createSandboxKit('hubspot', options, { tokenTtlSeconds: HUBSPOT_TOKEN_TTL_SECONDS });
  const limits: HubspotLimits = {
    requestsPerWindow: options.limits?.requestsPerWindow ?? DEFAULT_LIMITS.requestsPerWindow,
    windowMs: options.limits?.windowMs ?? DEFAULT_LIMITS.windowMs,
    dailyQuota: options.limits?.dailyQuota ?? DEFAULT_LIMITS.dailyQuota,
    searchPerSecond: options.searchRequestsPerSecond ?? DEFAULT_LIMITS.searchPerSecond,
  };
  const auth = new HubspotAuth(kit, options.tokenTtlSeconds ?? HUBSPOT_TOKEN_TTL_SECONDS, limits, ACCOUNT);
  const store = new HubspotStore();
  seedStore(store, kit.people);
  const webhooks = new WebhookDispatcher(options.webhook, ACCOUNT);
  const ctx: HubspotContext = { store, kit, webhooks };

  const app = express();
  app.disable('x-powered-by');
  app.use(kit.requestLogger(bearerOf));
  app.use(
    express.json({
      limit: '10mb',
      // Search limits the request size in characters, so keep the raw length.
      verify: (_req, res, buf) => {
        (res as Response).locals.rawBodyChars = buf.toString('utf8').length;
      },
    }),
  );
  app.use(
    kit.faults.middleware((res, status) => {
      sendError(res, status, genericErrorBody(status), status === 429 ? auth.injected429Headers() : {});
    }),
  );
  app.use(auth.oauthRouter());
  app.use(['/crm'], auth.authenticate(), auth.rateLimit());
  app.use(batchRoutes(ctx));
  app.use(objectRoutes(ctx));
  app.use(associationRoutes(ctx));
  app.use((req: Request, res: Response) => {
    sendError(res, 404, errorBody(`No route for ${req.method} ${req.path}`, 'OBJECT_NOT_FOUND'));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HsHttpError) {
      sendError(res, err.httpStatus, err.body, err.headers);
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      sendError(res, 400, errorBody(`Invalid input JSON: ${e.message ?? 'malformed body'}`, 'VALIDATION_ERROR'));
      return;
    }
    if (e.type === 'entity.too.large') {
      sendError(res, 413, errorBody('Request entity too large', 'VALIDATION_ERROR'));
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      sendError(res, e.status, errorBody(e.message ?? 'Invalid request', 'VALIDATION_ERROR'));
      return;
    }
    sendError(res, 500, errorBody('internal error', 'INTERNAL_ERROR'));
  });

  const running = await listenSandbox(app, kit, {
    credentials: () => ({
      clientId: kit.tokens.clientId,
      clientSecret: kit.tokens.clientSecret,
      refreshToken: kit.tokens.initialRefreshToken,
      accessToken: auth.initialAccessToken,
      privateAppToken: auth.privateAppToken,
      portalId: String(ACCOUNT.portalId),
      appId: String(ACCOUNT.appId),
    }),
    settings: (baseUrl) => ({
      basePath: baseUrl,
      tokenUrl: `${baseUrl}/oauth/v1/token`,
      portalId: String(ACCOUNT.portalId),
    }),
  });
  const stop = running.stop;
  return {
    ...running,
    webhookDeliveries: () => [...webhooks.deliveries],
    flushWebhooks: () => webhooks.drain(),
    issueRefreshToken: () => kit.tokens.issueRefreshToken(),
    stop: async () => {
      webhooks.stop();
      await stop();
    },
  };
}
