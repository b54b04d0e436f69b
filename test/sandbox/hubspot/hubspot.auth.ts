import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { SandboxKit } from '../common/sandbox-kit';
import { DailyQuota, WindowRateLimiter } from '../common/rate-limit';
import { expiredAuthBody, missingAuthBody, rateLimitBody, sendError } from './hubspot.errors';

export type CredentialKind = 'oauth' | 'private-app';

/** Rate limits chosen for the emulated account (all overridable through SandboxOptions.limits). */
export interface HubspotLimits {
  /**
   * Burst per app per account. Default 110 per 10 s: "each HubSpot account that installs your app is limited to
   * 110 requests every 10 seconds. This excludes the CRM Search API."
   * (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines, public OAuth apps; a Free/Starter
   * private app gets 100 and Professional/Enterprise 190 per 10 s). The OAuth app and the private app are two apps,
   * so each has its own bucket.
   */
  requestsPerWindow: number;
  windowMs: number;
  /** Private-app daily allowance (Free/Starter: 250,000). OAuth calls have no daily limit and no Daily headers. */
  dailyQuota: number;
  /** CRM search: "rate limited to five requests per second per account"; search responses carry no limit headers. */
  searchPerSecond: number;
}

export const DEFAULT_LIMITS: HubspotLimits = {
  requestsPerWindow: 110,
  windowMs: 10_000,
  dailyQuota: 250_000,
  searchPerSecond: 5,
};

const SCOPES = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.orders.read',
  'crm.objects.orders.write',
  'crm.objects.line_items.read',
  'crm.objects.line_items.write',
  'tickets',
  'oauth',
];

export interface AccountInfo {
  portalId: number;
  appId: number;
  hubDomain: string;
  userId: number;
  user: string;
}

export function bearerOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match ? match[1].trim() : undefined;
}

/** OAuth v1 errors use their own envelope: {status:'BAD_REFRESH_TOKEN', message, correlationId}. */
function oauthError(res: Response, status: string, message: string): void {
  res.status(400).json({ status, message, correlationId: randomUUID() });
}

/**
 * Tokens (OAuth refresh grant + a never-expiring private-app token), the bearer check with HubSpot's two 401
 * flavours, and the burst / daily / search rate limits with their X-HubSpot-RateLimit-* headers.
 */
export class HubspotAuth {
  readonly privateAppToken = `pat-na1-${randomUUID()}`;
  readonly initialAccessToken: string;
  /** OAuth access tokens we handed out → expiry (ms), so an expired token can be told apart from a bogus one. */
  private readonly issued = new Map<string, number>();
  private readonly burst: WindowRateLimiter;
  private readonly search: WindowRateLimiter;
  private readonly daily: DailyQuota;

  constructor(
    private readonly kit: SandboxKit,
    private readonly ttlSeconds: number,
    readonly limits: HubspotLimits,
    private readonly account: AccountInfo,
  ) {
    this.burst = new WindowRateLimiter(limits.requestsPerWindow, limits.windowMs);
    this.search = new WindowRateLimiter(limits.searchPerSecond, 1000);
    this.daily = new DailyQuota(limits.dailyQuota);
    this.initialAccessToken = kit.tokens.issueAccessToken();
    this.issued.set(this.initialAccessToken, Date.now() + ttlSeconds * 1000);
    // The shared store forgets when a token was forced to expire; remember it so the 401 can say "N minute(s) ago"
    // (the /__sandbox/expire-tokens route calls the store directly, hence wrapping the method itself).
    const expireAll = kit.tokens.expireAll.bind(kit.tokens);
    kit.tokens.expireAll = (): void => {
      expireAll();
      const now = Date.now();
      for (const [token, expiresAt] of this.issued) {
        this.issued.set(token, Math.min(expiresAt, now));
      }
    };
  }

  /**
   * POST /oauth/v1/token (urlencoded), GET /oauth/v1/access-tokens/{token}, DELETE /oauth/v1/refresh-tokens/{token}.
   * https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide
   * Error statuses: BAD_REFRESH_TOKEN "missing or invalid refresh token" (documented by HubSpot integrators);
   * BAD_CLIENT_ID / BAD_CLIENT_SECRET / BAD_GRANT_TYPE / BAD_AUTH_CODE follow the same envelope (unverified texts).
   */
  oauthRouter(): Router {
    const router = express.Router();
    router.post('/oauth/v1/token', express.urlencoded({ extended: false }), (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const field = (name: string): string | undefined => (typeof body[name] === 'string' ? body[name] : undefined);
      const grantType = field('grant_type');
      if (grantType !== 'refresh_token' && grantType !== 'authorization_code') {
        oauthError(res, 'BAD_GRANT_TYPE', 'missing or unknown grant type');
        return;
      }
      if (field('client_id') !== this.kit.tokens.clientId) {
        oauthError(res, 'BAD_CLIENT_ID', 'missing or unknown client id');
        return;
      }
      if (field('client_secret') !== this.kit.tokens.clientSecret) {
        oauthError(res, 'BAD_CLIENT_SECRET', 'missing or invalid client secret');
        return;
      }
      if (grantType === 'authorization_code') {
        // The sandbox has no install flow, so no code is ever valid.
        oauthError(res, 'BAD_AUTH_CODE', 'missing or unknown auth code');
        return;
      }
      const refreshToken = field('refresh_token') ?? '';
      const result = this.kit.tokens.refresh(
        field('client_id') as string,
        field('client_secret') as string,
        refreshToken,
      );
      if (!result.ok) {
        oauthError(res, 'BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
        return;
      }
      this.issued.set(result.accessToken, Date.now() + result.expiresIn * 1000);
      res.json({
        token_type: 'bearer',
        refresh_token: result.refreshToken ?? refreshToken,
        access_token: result.accessToken,
        expires_in: result.expiresIn,
      });
    });
    router.get('/oauth/v1/access-tokens/:token', (req, res) => {
      const token = req.params.token;
      const expiresAt = this.issued.get(token);
      if (expiresAt === undefined || !this.kit.tokens.isValidAccessToken(token)) {
        sendError(res, 404, {
          status: 'error',
          message: 'access token not found or expired',
          correlationId: randomUUID(),
        });
        return;
      }
      res.json({
        token,
        user: this.account.user,
        hub_domain: this.account.hubDomain,
        scopes: SCOPES,
        hub_id: this.account.portalId,
        app_id: this.account.appId,
        expires_in: Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)),
        user_id: this.account.userId,
        token_type: 'access',
      });
    });
    router.delete('/oauth/v1/refresh-tokens/:token', (req, res) => {
      this.kit.tokens.revoke(req.params.token);
      res.status(204).end();
    });
    return router;
  }

  /** 401 INVALID_AUTHENTICATION for a missing/unknown token, EXPIRED_AUTHENTICATION for an expired OAuth token. */
  authenticate(): RequestHandler {
    return (req, res, next) => {
      const token = bearerOf(req);
      if (token !== undefined && token === this.privateAppToken) {
        res.locals.credentialKind = 'private-app' satisfies CredentialKind;
        next();
        return;
      }
      if (token !== undefined && this.kit.tokens.isValidAccessToken(token)) {
        res.locals.credentialKind = 'oauth' satisfies CredentialKind;
        next();
        return;
      }
      const expiredAt = token === undefined ? undefined : this.issued.get(token);
      if (expiredAt !== undefined) {
        sendError(res, 401, expiredAuthBody(Math.max(0, Math.floor((Date.now() - expiredAt) / 60_000))));
        return;
      }
      sendError(res, 401, missingAuthBody());
    };
  }

  /** Must run after authenticate(): the bucket depends on which app (OAuth or private) made the call. */
  rateLimit(): RequestHandler {
    return (req, res, next) => {
      const kind = res.locals.credentialKind as CredentialKind;
      if (req.method === 'POST' && /\/search\/?$/.test(req.path)) {
        if (!this.search.take('account').allowed) {
          sendError(res, 429, rateLimitBody('SECONDLY'));
          return;
        }
        next();
        return;
      }
      const burst = this.burst.take(kind);
      const headers: Record<string, string> = {
        'X-HubSpot-RateLimit-Max': String(burst.limit),
        'X-HubSpot-RateLimit-Remaining': String(burst.remaining),
        'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.limits.windowMs),
      };
      if (!burst.allowed) {
        if (kind === 'private-app') {
          const used = this.daily.take(0);
          headers['X-HubSpot-RateLimit-Daily'] = String(used.limit);
          headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(used.remaining);
        }
        sendError(res, 429, rateLimitBody('TEN_SECONDLY_ROLLING'), headers);
        return;
      }
      if (kind === 'private-app') {
        const day = this.daily.take();
        headers['X-HubSpot-RateLimit-Daily'] = String(day.limit);
        headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(day.remaining);
        if (!day.allowed) {
          sendError(res, 429, rateLimitBody('DAILY'), headers);
          return;
        }
      }
      res.set(headers);
      next();
    };
  }

  /** Headers to put on a fault-injected 429 so it looks like the real one. */
  injected429Headers(): Record<string, string> {
    return {
      'X-HubSpot-RateLimit-Max': String(this.limits.requestsPerWindow),
      'X-HubSpot-RateLimit-Remaining': '0',
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.limits.windowMs),
    };
  }
}
