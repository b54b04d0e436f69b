/**
 * Accounts server and API authentication, over raw HTTP (how the thin REST client will call them).
 */
import { refreshGrant, zohoApi } from './zoho-test-client';
import { startZohoSandbox, type ZohoRunningSandbox } from './zoho.sandbox';

describe('Zoho accounts server: POST /oauth/v2/token', () => {
  let sandbox: ZohoRunningSandbox;

  beforeAll(async () => {
    sandbox = await startZohoSandbox({ people: 10 });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('grants an access token from urlencoded parameters, with the sandbox as api_domain', async () => {
    const response = await refreshGrant(sandbox);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.stringMatching(/^zo-at-/),
      scope: expect.stringContaining('ZohoCRM.modules.ALL'),
      api_domain: sandbox.baseUrl,
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(response.body.refresh_token).toBeUndefined();
  });

  it('accepts the parameters as a query string (the form Zoho documents) and as multipart/form-data (the SDK)', async () => {
    const query = new URLSearchParams({
      refresh_token: sandbox.credentials.refreshToken,
      client_id: sandbox.credentials.clientId,
      client_secret: sandbox.credentials.clientSecret,
      grant_type: 'refresh_token',
    });
    const viaQuery = await fetch(`${sandbox.baseUrl}/oauth/v2/token?${query.toString()}`, { method: 'POST' });
    expect(await viaQuery.json()).toMatchObject({ token_type: 'Bearer' });

    const form = new FormData();
    for (const [key, value] of query) {
      form.append(key, value);
    }
    const viaMultipart = await fetch(`${sandbox.baseUrl}/oauth/v2/token`, { method: 'POST', body: form });
    expect(await viaMultipart.json()).toMatchObject({ token_type: 'Bearer', api_domain: sandbox.baseUrl });
  });

  it('answers a bad refresh token with HTTP 200 and {"error":"invalid_code"}', async () => {
    const response = await refreshGrant(sandbox, { refresh_token: '1000.not-a-real-token' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ error: 'invalid_code' });
  });

  it('answers a wrong client with HTTP 200 and {"error":"invalid_client"}', async () => {
    const response = await refreshGrant(sandbox, { client_secret: 'wrong' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ error: 'invalid_client' });
  });

  it('rejects other grant types', async () => {
    expect((await refreshGrant(sandbox, { grant_type: 'password' })).body).toEqual({ error: 'unsupported_grant_type' });
    expect((await refreshGrant(sandbox, { grant_type: 'authorization_code', code: 'x' })).body).toEqual({
      error: 'invalid_code',
    });
  });

  it('stops honouring a refresh token revoked through /oauth/v2/token/revoke', async () => {
    const other = await startZohoSandbox({ seed: false });
    try {
      const revoke = await fetch(
        `${other.baseUrl}/oauth/v2/token/revoke?token=${encodeURIComponent(other.credentials.refreshToken)}`,
        {
          method: 'POST',
        },
      );
      expect(await revoke.json()).toEqual({ status: 'success' });
      expect((await refreshGrant(other)).body).toEqual({ error: 'invalid_code' });
    } finally {
      await other.stop();
    }
  });

  it('allows 10 access tokens per refresh token per 10 minutes, then answers 400 Access Denied', async () => {
    const limited = await startZohoSandbox({ seed: false });
    try {
      for (let i = 0; i < 10; i += 1) {
        expect((await refreshGrant(limited)).body.access_token).toBeDefined();
      }
      const denied = await refreshGrant(limited);
      expect(denied.status).toBe(400);
      expect(denied.body).toEqual({
        error_description: 'You have made too many requests continuously. Please try again after some time.',
        error: 'Access Denied',
        status: 'failure',
      });
      expect(limited.tokenRefreshCount()).toBe(10);
    } finally {
      await limited.stop();
    }
  });

  it('lets the token-grant window be configured', async () => {
    const limited = await startZohoSandbox({ seed: false, tokenGrantLimit: { count: 1, windowMs: 1500 } });
    try {
      expect((await refreshGrant(limited)).status).toBe(200);
      expect((await refreshGrant(limited)).status).toBe(400);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect((await refreshGrant(limited)).body.access_token).toBeDefined();
    } finally {
      await limited.stop();
    }
  });
});

describe('Zoho API authentication (Authorization: Zoho-oauthtoken)', () => {
  let sandbox: ZohoRunningSandbox;

  beforeAll(async () => {
    sandbox = await startZohoSandbox({ people: 10 });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('answers a valid token and reports its expiry in X-ACCESSTOKEN-RESET', async () => {
    const api = await zohoApi(sandbox);
    const response = await api.get('/org');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(response.headers.get('x-accesstoken-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect(response.headers.get('x-ratelimit-remaining')).toBeNull();
  });

  it('answers a missing Authorization header with 401 AUTHENTICATION_FAILURE', async () => {
    const response = await fetch(`${sandbox.baseUrl}/crm/v8/org`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      code: 'AUTHENTICATION_FAILURE',
      details: {},
      message: 'Authentication failed',
      status: 'error',
    });
  });

  it('answers an unknown token, or the Bearer scheme, with 401 INVALID_TOKEN', async () => {
    const unknown = await zohoApi(sandbox, '1000.bogus');
    expect((await unknown.get('/org')).body).toEqual({
      code: 'INVALID_TOKEN',
      details: {},
      message: 'invalid oauth token',
      status: 'error',
    });
    const api = await zohoApi(sandbox);
    const bearer = await fetch(`${sandbox.baseUrl}/crm/v8/org`, { headers: { Authorization: `Bearer ${api.token}` } });
    expect(bearer.status).toBe(401);
  });

  it('rejects a token after its lifetime and after expireAllTokens(); a refresh grant recovers', async () => {
    const shortLived = await startZohoSandbox({ seed: false, tokenTtlSeconds: 1 });
    try {
      const api = await zohoApi(shortLived);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await api.get('/org')).status).toBe(401);
    } finally {
      await shortLived.stop();
    }

    const fresh = await zohoApi(sandbox);
    expect((await fresh.get('/org')).status).toBe(200);
    sandbox.expireAllTokens();
    expect((await fresh.get('/org')).body.code).toBe('INVALID_TOKEN');
    expect((await (await zohoApi(sandbox)).get('/org')).status).toBe(200);
  });

  it('logs the token each request carried', async () => {
    const api = await zohoApi(sandbox);
    sandbox.requests.clear();
    await api.get('/users?type=CurrentUser');
    expect(sandbox.requests.entries({ pathIncludes: '/crm/v8/users' })).toEqual([
      expect.objectContaining({ method: 'GET', credential: api.token, status: 200, query: { type: 'CurrentUser' } }),
    ]);
  });
});
