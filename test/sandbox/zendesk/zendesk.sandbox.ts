import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WindowRateLimiter } from '../common/rate-limit';
import { createSandboxKit, listenSandbox } from '../common/sandbox-kit';
import type { RunningSandbox, SandboxOptions } from '../common/sandbox.types';
import { invalidEndpoint, sendError } from './errors';
import { apiDispatcher, credentialOf, RouteTable, type ZendeskContext } from './http';
import { oauthTokenHandler } from './oauth';
import { registerIncrementalRoutes, registerJobRoutes } from './routes-incremental';
import { registerSearchRoutes } from './routes-search';
import { registerTicketRoutes } from './routes-tickets';
import { registerUserRoutes } from './routes-users';
import { createAgent, seedStore } from './seed';
import { ZendeskStore } from './store';
import { WebhookDispatcher, type WebhookDelivery } from './webhooks';

/**
 * Zendesk Support API v2 sandbox, driven in tests through node-zendesk 6.0.1
 * (`createClient({username: email, token: apiToken, endpointUri: settings.endpointUri, throwOriginalException: true})`,
 * or `{token: accessToken, oauth: true, …}` after a refresh grant at settings.oauthTokenUrl).
 */
export interface ZendeskSandboxOptions extends SandboxOptions {
  /** Incremental ticket exports leave out changes this recent (default 60: "not … for the most recent minute"). */
  incrementalExclusionSeconds?: number;
  /** Incremental export endpoints' own limit (default 10 per minute, 30 with the High Volume add-on). */
  incrementalRequestsPerMinute?: number;
  /** Create Or Update User / Update User limit per end user profile (default 5 per minute). */
  userWriteLimitPerMinute?: number;
  /** How long a bulk job stays queued before it runs (default 50 ms). */
  jobDelayMs?: number;
}

export interface ZendeskSandbox extends RunningSandbox {
  /** Outbound webhook deliveries so far (type, ticket, receiver status, attempts). */
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves when every webhook queued so far has been delivered. */
  flushWebhooks(): Promise<void>;
}

/**
 * Default account limit: 700 requests per minute, the Enterprise plan figure the rate-limit docs use in their
 * header examples (`X-Rate-Limit: 700`); Team is 200, Growth/Professional 400, Enterprise Plus 2500
 * (https://developer.zendesk.com/api-reference/introduction/rate-limits/).
 */
const DEFAULT_REQUESTS_PER_MINUTE = 700;

export async function startZendeskSandbox(options: ZendeskSandboxOptions = {}): Promise<ZendeskSandbox> {
  const kit = createSandboxKit(
    'zendesk',
    { ...options, rotateRefreshTokens: options.rotateRefreshTokens ?? true },
    { tokenTtlSeconds: 3600 },
  );
  const store = new ZendeskStore();
  const email = 'agent@sandbox-support.example.com';
  const apiToken = randomBytes(30).toString('base64url').slice(0, 40);
  const agent = createAgent(store, email);
  seedStore(store, kit.people, agent);

  const ctx: ZendeskContext = {
    kit,
    store,
    webhooks: new WebhookDispatcher(options.webhook, store, 10_000_001),
    config: {
      email,
      apiToken,
      incrementalExclusionSeconds: options.incrementalExclusionSeconds ?? 60,
      jobDelayMs: options.jobDelayMs ?? 50,
    },
    agent,
    limiters: {
      account: new WindowRateLimiter(
        options.limits?.requestsPerWindow ?? DEFAULT_REQUESTS_PER_MINUTE,
        options.limits?.windowMs ?? 60_000,
      ),
      incremental: new WindowRateLimiter(options.incrementalRequestsPerMinute ?? 10, 60_000),
      userWrites: new WindowRateLimiter(options.userWriteLimitPerMinute ?? 5, 60_000),
    },
    timers: new Set(),
  };

  const table = new RouteTable();
  registerUserRoutes(ctx, table);
  registerTicketRoutes(ctx, table);
  registerSearchRoutes(ctx, table);
  registerIncrementalRoutes(ctx, table);
  registerJobRoutes(ctx, table);

  const app = express();
  app.disable('x-powered-by');
  // `page[size]=100` must arrive as the literal key "page[size]" (Express 5's default, stated for clarity).
  app.set('query parser', 'simple');
  app.use(kit.requestLogger(credentialOf));
  app.use(
    express.json({
      limit: '10mb',
      // The raw bytes decide whether an Idempotency-Key replay carries "the same body".
      verify: (req, _res, buf) => {
        (req as Request & { rawBody?: Buffer }).rawBody = Buffer.from(buf);
      },
    }),
  );
  app.use(express.urlencoded({ extended: false }));
  app.post(
    '/oauth/tokens',
    kit.faults.middleware((res, status) => res.status(status).json({ error: 'server_error' })),
    oauthTokenHandler(kit),
  );
  app.use(apiDispatcher(ctx, table));
  app.use((_req: Request, res: Response) => sendError(res, invalidEndpoint()));
  // Body parser failures. "You may get a text/plain response in case of an error like a bad request."
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 400;
    res
      .status(status >= 400 && status < 500 ? status : 400)
      .type('text/plain')
      .send('Bad Request');
  });

  const running = await listenSandbox(app, kit, {
    credentials: () => ({
      email,
      apiToken,
      clientId: kit.tokens.clientId,
      clientSecret: kit.tokens.clientSecret,
      refreshToken: kit.tokens.initialRefreshToken,
    }),
    settings: (baseUrl) => ({
      subdomain: 'sandbox',
      endpointUri: `${baseUrl}/api/v2`,
      oauthTokenUrl: `${baseUrl}/oauth/tokens`,
    }),
  });

  return {
    ...running,
    webhookDeliveries: () => [...ctx.webhooks.deliveries],
    flushWebhooks: () => ctx.webhooks.flush(),
    stop: async () => {
      for (const timer of ctx.timers) {
        clearTimeout(timer);
      }
      ctx.timers.clear();
      await running.stop();
    },
  };
}
