import type { Request, Response } from 'express';
import type { SandboxKit } from '../common/sandbox-kit';
import { isObject } from './http';

/**
 * POST /oauth/tokens with grant_type=refresh_token (https://developer.zendesk.com/api-reference/ticketing/oauth/
 * grant_type_tokens/). Zendesk rotates: "A successful request will also return a refresh token and delete the
 * previous access and refresh tokens" (support article 9182123625370), so the sandbox rotates by default
 * (options.rotateRefreshTokens = false turns it off). Error bodies follow RFC 6749 §5.2, which is what Zendesk's
 * token endpoint answers with.
 */

const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

function oauthError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

export function oauthTokenHandler(kit: SandboxKit) {
  return (req: Request, res: Response): void => {
    const body: Record<string, unknown> = isObject(req.body) ? req.body : {};
    const field = (name: string): string | undefined => (typeof body[name] === 'string' ? body[name] : undefined);
    const grantType = field('grant_type');
    if (!grantType) {
      oauthError(res, 400, 'invalid_request', 'The request is missing a required parameter: grant_type.');
      return;
    }
    if (grantType !== 'refresh_token') {
      oauthError(
        res,
        400,
        'unsupported_grant_type',
        'The authorization grant type is not supported by the authorization server.',
      );
      return;
    }
    const clientId = field('client_id');
    const clientSecret = field('client_secret');
    const refreshToken = field('refresh_token');
    if (!refreshToken) {
      oauthError(res, 400, 'invalid_request', 'The request is missing a required parameter: refresh_token.');
      return;
    }
    const result = kit.tokens.refresh(clientId ?? '', clientSecret ?? '', refreshToken);
    if (!result.ok) {
      if (result.error === 'invalid_client') {
        oauthError(
          res,
          401,
          'invalid_client',
          'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
        );
      } else {
        oauthError(
          res,
          400,
          'invalid_grant',
          'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
        );
      }
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      access_token: result.accessToken,
      token_type: 'bearer',
      scope: typeof body.scope === 'string' ? body.scope : 'read write',
      expires_in: result.expiresIn,
      refresh_token: result.refreshToken ?? refreshToken,
      refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
    });
  };
}
