import { Client } from '@hubspot/api-client';
import { startHubspotSandbox, type HubspotSandbox } from './hubspot.sandbox';
import { apiError, raw, sdk } from './hubspot.test-helpers';

describe('HubSpot sandbox: OAuth tokens and authentication', () => {
  let sandbox: HubspotSandbox;

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ people: 10 });
  });

  afterAll(async () => {
    await sandbox.stop();
  });

  const refresh = (
    client: Client,
    refreshToken = sandbox.credentials.refreshToken,
    secret = sandbox.credentials.clientSecret,
  ) =>
    client.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      sandbox.credentials.clientId,
      secret,
      refreshToken,
    );

  it('refreshes an access token via client.oauth.tokensApi and accepts it as a bearer', async () => {
    const client = new Client({ basePath: sandbox.baseUrl, numberOfApiCallRetries: 0 });
    const before = sandbox.tokenRefreshCount();
    const tokens = await refresh(client);
    expect(tokens).toMatchObject({
      tokenType: 'bearer',
      expiresIn: 1800,
      refreshToken: sandbox.credentials.refreshToken,
    });
    expect(typeof tokens.accessToken).toBe('string');
    expect(sandbox.tokenRefreshCount()).toBe(before + 1);

    client.setAccessToken(tokens.accessToken);
    const page = await client.crm.contacts.basicApi.getPage(1);
    expect(page.results).toHaveLength(1);
    const info = await client.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info).toMatchObject({ token: tokens.accessToken, hubId: 24681357, tokenType: 'access' });
    expect(info.expiresIn).toBeGreaterThan(1700);
  });

  it("rejects bad refresh grants with HubSpot's OAuth error statuses", async () => {
    const client = new Client({ basePath: sandbox.baseUrl, numberOfApiCallRetries: 0 });
    const badToken = await apiError(refresh(client, 'not-a-refresh-token'));
    expect(badToken.name).toBe('ApiException');
    expect(badToken.code).toBe(400);
    expect(badToken.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' });
    expect(typeof badToken.body.correlationId).toBe('string');

    const badSecret = await apiError(refresh(client, undefined, 'wrong-secret'));
    expect(badSecret.code).toBe(400);
    expect(badSecret.body.status).toBe('BAD_CLIENT_SECRET');

    const badGrant = await apiError(
      client.oauth.tokensApi.create('password', undefined, undefined, sandbox.credentials.clientId),
    );
    expect(badGrant.body.status).toBe('BAD_GRANT_TYPE');

    const badCode = await apiError(
      client.oauth.tokensApi.create(
        'authorization_code',
        'code-1',
        'https://example.com/cb',
        sandbox.credentials.clientId,
        sandbox.credentials.clientSecret,
      ),
    );
    expect(badCode.body.status).toBe('BAD_AUTH_CODE');
  });

  it('revokes refresh tokens (sandbox control and DELETE /oauth/v1/refresh-tokens)', async () => {
    const client = new Client({ basePath: sandbox.baseUrl, numberOfApiCallRetries: 0 });
    const isolated = await startHubspotSandbox({ seed: false });
    try {
      const isolatedClient = new Client({ basePath: isolated.baseUrl, numberOfApiCallRetries: 0 });
      await isolatedClient.oauth.refreshTokensApi.archive(isolated.credentials.refreshToken);
      const afterRevoke = await apiError(
        isolatedClient.oauth.tokensApi.create(
          'refresh_token',
          undefined,
          undefined,
          isolated.credentials.clientId,
          isolated.credentials.clientSecret,
          isolated.credentials.refreshToken,
        ),
      );
      expect(afterRevoke.body.status).toBe('BAD_REFRESH_TOKEN');
      // The sandbox control does the same.
      const other = await startHubspotSandbox({ seed: false });
      try {
        const otherClient = new Client({ basePath: other.baseUrl, numberOfApiCallRetries: 0 });
        const grant = () =>
          otherClient.oauth.tokensApi.create(
            'refresh_token',
            undefined,
            undefined,
            other.credentials.clientId,
            other.credentials.clientSecret,
            other.credentials.refreshToken,
          );
        await expect(grant()).resolves.toMatchObject({ tokenType: 'bearer' });
        other.revokeRefreshToken(other.credentials.refreshToken);
        expect((await apiError(grant())).body.status).toBe('BAD_REFRESH_TOKEN');
      } finally {
        await other.stop();
      }
    } finally {
      await isolated.stop();
    }
    // The main sandbox's token still works.
    await expect(refresh(client)).resolves.toMatchObject({ tokenType: 'bearer' });
  });

  it('answers an expired OAuth token with 401 EXPIRED_AUTHENTICATION and an unknown one with INVALID_AUTHENTICATION', async () => {
    const tokenClient = new Client({ basePath: sandbox.baseUrl, numberOfApiCallRetries: 0 });
    const { accessToken } = await refresh(tokenClient);
    const client = sdk(sandbox, accessToken);
    await client.crm.contacts.basicApi.getPage(1);

    sandbox.expireAllTokens();
    const expired = await apiError(client.crm.contacts.basicApi.getPage(1));
    expect(expired.name).toBe('ApiException');
    expect(expired.code).toBe(401);
    expect(expired.body).toMatchObject({
      status: 'error',
      category: 'EXPIRED_AUTHENTICATION',
      message: 'The OAuth token used to make this call expired 0 minute(s) ago.',
    });
    const initial = await apiError(sdk(sandbox, sandbox.credentials.accessToken).crm.contacts.basicApi.getPage(1));
    expect(initial.body.category).toBe('EXPIRED_AUTHENTICATION');

    const bogus = await apiError(sdk(sandbox, 'made-up-token').crm.contacts.basicApi.getPage(1));
    expect(bogus.code).toBe(401);
    expect(bogus.body.category).toBe('INVALID_AUTHENTICATION');
    expect(String(bogus.body.message)).toMatch(/^Authentication credentials not found/);

    const none = await raw(sandbox, 'GET', '/crm/v3/objects/contacts', undefined, '');
    expect(none.status).toBe(401);

    // The private-app token never expires.
    await expect(sdk(sandbox).crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
    // A fresh refresh works again.
    const again = await refresh(tokenClient);
    await expect(sdk(sandbox, again.accessToken).crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
  });

  it('expires OAuth tokens by their TTL', async () => {
    const shortLived = await startHubspotSandbox({ seed: false, tokenTtlSeconds: 1 });
    try {
      const client = sdk(shortLived, shortLived.credentials.accessToken);
      await client.crm.contacts.basicApi.getPage(1);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await apiError(client.crm.contacts.basicApi.getPage(1))).body.category).toBe('EXPIRED_AUTHENTICATION');
    } finally {
      await shortLived.stop();
    }
  });
});

describe('HubSpot sandbox: rate limits', () => {
  it('enforces the 10-second burst per app with TEN_SECONDLY_ROLLING 429s and X-HubSpot-RateLimit headers', async () => {
    const sandbox = await startHubspotSandbox({ seed: false, limits: { requestsPerWindow: 3, windowMs: 10_000 } });
    try {
      const client = sdk(sandbox);
      const first = await client.crm.contacts.basicApi.getPageWithHttpInfo(1);
      expect(first.headers['x-hubspot-ratelimit-max']).toBe('3');
      expect(first.headers['x-hubspot-ratelimit-remaining']).toBe('2');
      expect(first.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('10000');
      // Private apps also get the daily allowance headers.
      expect(first.headers['x-hubspot-ratelimit-daily']).toBe('250000');
      expect(first.headers['x-hubspot-ratelimit-daily-remaining']).toBe('249999');
      await client.crm.contacts.basicApi.getPage(1);
      await client.crm.contacts.basicApi.getPage(1);
      const limited = await apiError(client.crm.contacts.basicApi.getPage(1));
      expect(limited.name).toBe('ApiException');
      expect(limited.code).toBe(429);
      expect(limited.body).toMatchObject({
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      });
      expect(limited.headers['x-hubspot-ratelimit-remaining']).toBe('0');

      // The OAuth app is a different app with its own bucket, and has no daily headers.
      const tokenClient = new Client({ basePath: sandbox.baseUrl, numberOfApiCallRetries: 0 });
      const tokens = await tokenClient.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        sandbox.credentials.clientId,
        sandbox.credentials.clientSecret,
        sandbox.credentials.refreshToken,
      );
      const oauth = await sdk(sandbox, tokens.accessToken).crm.contacts.basicApi.getPageWithHttpInfo(1);
      expect(oauth.httpStatusCode).toBe(200);
      expect(oauth.headers['x-hubspot-ratelimit-daily']).toBeUndefined();
    } finally {
      await sandbox.stop();
    }
  });

  it('enforces the private-app daily allowance with a DAILY 429', async () => {
    const sandbox = await startHubspotSandbox({ seed: false, limits: { dailyQuota: 2 } });
    try {
      const client = sdk(sandbox);
      await client.crm.contacts.basicApi.getPage(1);
      await client.crm.contacts.basicApi.getPage(1);
      const limited = await apiError(client.crm.contacts.basicApi.getPage(1));
      expect(limited.code).toBe(429);
      expect(limited.body).toMatchObject({ policyName: 'DAILY', message: 'You have reached your daily limit.' });
      expect(limited.headers['x-hubspot-ratelimit-daily-remaining']).toBe('0');
    } finally {
      await sandbox.stop();
    }
  });

  it('renders fault-injected 429s and 401s like the real ones', async () => {
    const sandbox = await startHubspotSandbox({ seed: false, faults: { errorRates: { 429: 1 } } });
    try {
      const limited = await apiError(sdk(sandbox).crm.contacts.basicApi.getPage(1));
      expect(limited.code).toBe(429);
      expect(limited.body.policyName).toBe('TEN_SECONDLY_ROLLING');
      expect(limited.headers['x-hubspot-ratelimit-remaining']).toBe('0');
      sandbox.faults.set({ errorRates: { 401: 1 } });
      const unauthorized = await apiError(sdk(sandbox).crm.contacts.basicApi.getPage(1));
      expect(unauthorized.body.category).toBe('INVALID_AUTHENTICATION');
    } finally {
      await sandbox.stop();
    }
  });

  it("hangs requests when asked (the client's own timeout fires)", async () => {
    const sandbox = await startHubspotSandbox({ seed: false, faults: { hangRate: 1 } });
    try {
      const started = Date.now();
      await expect(
        fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts`, {
          headers: { authorization: `Bearer ${sandbox.credentials.privateAppToken}` },
          signal: AbortSignal.timeout(300),
        }),
      ).rejects.toThrow();
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await sandbox.stop();
    }
  });
});
