import { randomBytes } from 'node:crypto';

export type RefreshResult =
  | { ok: true; accessToken: string; refreshToken?: string; expiresIn: number }
  | { ok: false; error: 'invalid_client' | 'invalid_grant' };

/**
 * Issues and checks OAuth2 tokens for one sandbox. With `rotateRefreshTokens`, every refresh grant consumes its
 * refresh token and returns a new one (Salesforce's rotation policy), which is what makes concurrent refreshes
 * from one client fail with invalid_grant unless the client single-flights them.
 */
export class OAuthTokenStore {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly initialRefreshToken: string;
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Set<string>();
  private refreshes = 0;

  constructor(private readonly opts: { ttlSeconds: number; rotateRefreshTokens: boolean; prefix: string }) {
    this.clientId = `${opts.prefix}-client-${randomBytes(6).toString('hex')}`;
    this.clientSecret = randomBytes(18).toString('base64url');
    this.initialRefreshToken = this.issueRefreshToken();
  }

  issueRefreshToken(): string {
    const token = `${this.opts.prefix}-rt-${randomBytes(24).toString('base64url')}`;
    this.refreshTokens.add(token);
    return token;
  }

  /** A token that is valid from the start (private-app tokens, tests that skip the refresh dance). */
  issueAccessToken(ttlSeconds = this.opts.ttlSeconds): string {
    const token = `${this.opts.prefix}-at-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(token, Date.now() + ttlSeconds * 1000);
    return token;
  }

  refresh(clientId: string, clientSecret: string, refreshToken: string): RefreshResult {
    if (clientId !== this.clientId || clientSecret !== this.clientSecret) {
      return { ok: false, error: 'invalid_client' };
    }
    if (!this.refreshTokens.has(refreshToken)) {
      return { ok: false, error: 'invalid_grant' };
    }
    this.refreshes += 1;
    const accessToken = this.issueAccessToken();
    if (!this.opts.rotateRefreshTokens) {
      return { ok: true, accessToken, expiresIn: this.opts.ttlSeconds };
    }
    this.refreshTokens.delete(refreshToken);
    return { ok: true, accessToken, refreshToken: this.issueRefreshToken(), expiresIn: this.opts.ttlSeconds };
  }

  isValidAccessToken(token: string | undefined): boolean {
    if (!token) {
      return false;
    }
    const expiresAt = this.accessTokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  expireAll(): void {
    for (const token of this.accessTokens.keys()) {
      this.accessTokens.set(token, 0);
    }
  }

  revoke(refreshToken: string): void {
    this.refreshTokens.delete(refreshToken);
  }

  refreshCount(): number {
    return this.refreshes;
  }
}
