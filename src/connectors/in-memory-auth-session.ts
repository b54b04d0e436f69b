import type { AuthSession, TokenGrant } from './crm-connector.port';

type WithTokens<C> = C & {
  accessToken?: string;
  accessTokenExpiresAt?: number;
  refreshToken?: string;
  apiBaseUrl?: string;
};

// Refresh this long before expiry, so a call never starts with a token that dies mid-flight.
export const REFRESH_SKEW_MS = 60_000;

/**
 * Single-flight token handling held in memory: for one process and one connector (the admin "test connection"
 * check before anything is saved, and the connector contract tests). The service's persisted, cross-instance
 * version is ConnectorAuthService.
 */
export class InMemoryAuthSession<C extends object> implements AuthSession<C> {
  private inflight: Promise<WithTokens<C>> | undefined;
  refreshes = 0;

  constructor(
    private credentials: WithTokens<C>,
    private readonly refresh: ((credentials: WithTokens<C>) => Promise<TokenGrant>) | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<WithTokens<C>> {
    const expiresAt = this.credentials.accessTokenExpiresAt ?? 0;
    if (!this.refresh || (this.credentials.accessToken && expiresAt - REFRESH_SKEW_MS > this.now())) {
      return this.credentials;
    }
    return this.refreshOnce();
  }

  async afterRejection(rejectedAccessToken: string): Promise<WithTokens<C>> {
    if (!this.refresh) {
      return this.credentials;
    }
    if (this.credentials.accessToken !== rejectedAccessToken) {
      return this.credentials;
    }
    return this.refreshOnce();
  }

  private refreshOnce(): Promise<WithTokens<C>> {
    this.inflight ??= (async () => {
      try {
        const grant = await this.refresh!(this.credentials);
        this.refreshes += 1;
        this.credentials = {
          ...this.credentials,
          accessToken: grant.accessToken,
          accessTokenExpiresAt: grant.expiresAt,
          ...(grant.refreshToken ? { refreshToken: grant.refreshToken } : {}),
          ...(grant.apiBaseUrl ? { apiBaseUrl: grant.apiBaseUrl } : {}),
        };
        return this.credentials;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}
