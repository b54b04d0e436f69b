import { createHmac } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { SandboxKit } from '../common/sandbox-kit';
import { sendInvalidSession } from './errors';
import type { OrgStore } from './store';

/**
 * OAuth 2.0 endpoints of the login server (jsforce derives them from `loginUrl`), plus the identity URL.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm (identity URL)
 *
 * Errors are `{error, error_description}` with status 400, e.g. a revoked or rotated-away refresh token answers
 * `invalid_grant` / `expired access/refresh token`. Salesforce does not return `expires_in`.
 */

export interface OAuthContext {
  kit: SandboxKit;
  store: OrgStore;
  baseUrl(): string;
  apiVersion: string;
  bearerOf(req: Request): string | undefined;
}

function oauthError(res: Response, error: string, description: string, status = 400): void {
  res.status(status).json({ error, error_description: description });
}

export function createOAuthRouter(ctx: OAuthContext): Router {
  const { kit, store } = ctx;
  const router = express.Router();
  router.use('/services/oauth2', express.urlencoded({ extended: false, limit: '1mb' }));

  const identityUrl = (): string => `${ctx.baseUrl()}/id/${store.orgId}/${store.integrationUserId}`;

  const tokenResponse = (accessToken: string, refreshToken?: string): Record<string, unknown> => {
    const issuedAt = String(Date.now());
    const id = identityUrl();
    return {
      access_token: accessToken,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      // Base64 HMAC-SHA256 of id + issued_at keyed with the consumer secret, so a client can verify the response.
      signature: createHmac('sha256', kit.tokens.clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
      scope: 'api refresh_token',
      instance_url: ctx.baseUrl(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  };

  router.post('/services/oauth2/token', (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const grantType = body.grant_type;
    if (grantType !== 'refresh_token' && grantType !== 'client_credentials') {
      oauthError(res, 'unsupported_grant_type', 'grant type not supported');
      return;
    }
    if (body.client_id !== kit.tokens.clientId) {
      oauthError(res, 'invalid_client_id', 'client identifier invalid');
      return;
    }
    if (body.client_secret !== kit.tokens.clientSecret) {
      oauthError(res, 'invalid_client', 'invalid client credentials');
      return;
    }
    if (grantType === 'client_credentials') {
      res.json(tokenResponse(kit.tokens.issueAccessToken()));
      return;
    }
    if (!body.refresh_token) {
      oauthError(res, 'invalid_request', 'refresh_token required');
      return;
    }
    const result = kit.tokens.refresh(body.client_id, body.client_secret, body.refresh_token);
    if (!result.ok) {
      if (result.error === 'invalid_client') {
        oauthError(res, 'invalid_client', 'invalid client credentials');
      } else {
        oauthError(res, 'invalid_grant', 'expired access/refresh token');
      }
      return;
    }
    res.json(tokenResponse(result.accessToken, result.refreshToken));
  });

  router.all('/services/oauth2/token', (_req, res) => oauthError(res, 'invalid_request', 'must use HTTP POST'));

  router.post('/services/oauth2/revoke', (req, res) => {
    const token =
      (req.body as Record<string, string | undefined> | undefined)?.token ?? (req.query.token as string | undefined);
    if (!token) {
      oauthError(res, 'unsupported_token_type', 'this token type is not supported');
      return;
    }
    kit.tokens.revoke(token);
    res.status(200).end();
  });

  return router;
}

export function createIdentityRouter(ctx: OAuthContext): Router {
  const { kit, store } = ctx;
  const router = express.Router();
  router.get('/id/:orgId/:userId', (req, res) => {
    if (!kit.tokens.isValidAccessToken(ctx.bearerOf(req))) {
      sendInvalidSession(res);
      return;
    }
    if (req.params.orgId !== store.orgId || req.params.userId !== store.integrationUserId) {
      res.status(403).json({ error: 'Bad_Id', error_description: 'Bad id' });
      return;
    }
    const user: Record<string, unknown> = store.get(store.integrationUserId) ?? {};
    const base = ctx.baseUrl();
    const org15 = store.orgId.slice(0, 15);
    res.json({
      id: `${base}/id/${store.orgId}/${store.integrationUserId}`,
      asserted_user: true,
      user_id: store.integrationUserId,
      organization_id: store.orgId,
      username: user.Username,
      nick_name: 'integration',
      display_name: user.Name,
      email: user.Email,
      email_verified: true,
      first_name: user.FirstName,
      last_name: user.LastName,
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      last_modified_date: user.LastModifiedDate,
      urls: {
        enterprise: `${base}/services/Soap/c/{version}/${org15}`,
        partner: `${base}/services/Soap/u/{version}/${org15}`,
        rest: `${base}/services/data/v{version}/`,
        sobjects: `${base}/services/data/v{version}/sobjects/`,
        search: `${base}/services/data/v{version}/search/`,
        query: `${base}/services/data/v{version}/query/`,
        limits: `${base}/services/data/v{version}/limits/`,
        profile: `${base}/${store.integrationUserId}`,
      },
    });
  });
  return router;
}
