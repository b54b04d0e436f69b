/**
 * The accounts server: POST /oauth/v2/token (refresh grant) and POST /oauth/v2/token/revoke.
 *
 * - Parameters may come as multipart/form-data (what the typescript SDK sends), urlencoded body or query string
 *   (what Zoho's docs show: {Accounts_URL}/oauth/v2/token?refresh_token=…&client_id=…).
 * - Errors are answered with HTTP 200 and `{"error": "invalid_code"}` (bad/revoked refresh token) or
 *   `{"error": "invalid_client"}`; only the throttle answers 400.
 * - A refresh token may mint at most 10 access tokens per 10 minutes; beyond that Zoho answers
 *   `{"error_description":"You have made too many requests continuously. Please try again after some time.",
 *     "error":"Access Denied","status":"failure"}` (seen in the wild; the limit is in Zoho's token-validity docs).
 * - `api_domain` is this sandbox's base URL: the SDK would switch to the real data centre for a zohoapis domain.
 * Reference: https://www.zoho.com/crm/developer/docs/api/v8/refresh.html
 */
import express, { type Request, type Response, type Router } from 'express';
import type { OAuthTokenStore } from '../common/oauth';

export const SCOPES =
  'ZohoCRM.modules.ALL ZohoCRM.settings.ALL ZohoCRM.users.READ ZohoCRM.org.READ ZohoCRM.notifications.ALL ZohoCRM.coql.READ ZohoSearch.securesearch.READ';

/** Parses the text fields of a multipart/form-data body (enough for the token endpoint; files are ignored). */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary ? (boundary[1] ?? boundary[2] ?? '').trim() : '';
  const fields: Record<string, string> = {};
  if (!marker) {
    return fields;
  }
  for (const part of body.toString('utf8').split(`--${marker}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) {
      continue;
    }
    const headers = part.slice(0, split);
    const name = /name="([^"]*)"/i.exec(headers);
    if (!name || /filename=/i.test(headers)) {
      continue;
    }
    fields[name[1]] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return fields;
}

function paramsOf(req: Request): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (typeof value === 'string') {
      params[key] = value;
    }
  }
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const type = String(req.headers['content-type'] ?? '');
  if (body.length > 0) {
    if (/multipart\/form-data/i.test(type)) {
      Object.assign(params, parseMultipart(body, type));
    } else if (/application\/x-www-form-urlencoded/i.test(type) || type === '') {
      for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
        params[key] = value;
      }
    }
  }
  return params;
}

export interface OAuthRoutesOptions {
  tokens: OAuthTokenStore;
  grantLimit: { count: number; windowMs: number };
  /** Called with every access token issued, so the API can report X-ACCESSTOKEN-RESET. */
  onIssued: (accessToken: string, expiresAt: number) => void;
}

export function oauthRoutes(opts: OAuthRoutesOptions): Router {
  const router = express.Router();
  const grants = new Map<string, number[]>();
  const raw = express.raw({ type: () => true, limit: '1mb' });

  const reply = (res: Response, status: number, body: Record<string, unknown>): void => {
    res.status(status).json(body);
  };

  router.post('/oauth/v2/token', raw, (req, res) => {
    const params = paramsOf(req);
    const grantType = params.grant_type;
    if (grantType === 'authorization_code') {
      // The sandbox hands out refresh tokens directly; no grant code is ever valid here.
      reply(res, 200, { error: 'invalid_code' });
      return;
    }
    if (grantType !== 'refresh_token') {
      reply(res, 200, { error: 'unsupported_grant_type' });
      return;
    }
    const refreshToken = params.refresh_token ?? '';
    const now = Date.now();
    const recent = (grants.get(refreshToken) ?? []).filter((at) => now - at < opts.grantLimit.windowMs);
    grants.set(refreshToken, recent);
    if (recent.length >= opts.grantLimit.count) {
      reply(res, 400, {
        error_description: 'You have made too many requests continuously. Please try again after some time.',
        error: 'Access Denied',
        status: 'failure',
      });
      return;
    }
    const result = opts.tokens.refresh(params.client_id ?? '', params.client_secret ?? '', refreshToken);
    if (!result.ok) {
      reply(res, 200, { error: result.error === 'invalid_client' ? 'invalid_client' : 'invalid_code' });
      return;
    }
    recent.push(now);
    opts.onIssued(result.accessToken, now + result.expiresIn * 1000);
    reply(res, 200, {
      access_token: result.accessToken,
      ...(result.refreshToken === undefined ? {} : { refresh_token: result.refreshToken }),
      scope: SCOPES,
      api_domain: `${req.protocol}://${req.get('host') ?? ''}`,
      token_type: 'Bearer',
      expires_in: result.expiresIn,
    });
  });

  router.post('/oauth/v2/token/revoke', raw, (req, res) => {
    const token = paramsOf(req).token;
    if (token) {
      opts.tokens.revoke(token);
    }
    reply(res, 200, { status: 'success' });
  });

  return router;
}
