import { createClient } from 'node-zendesk';
import { oauthClient, raw, refreshGrant, sdkError, tokenClient, type Zd } from './test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from './zendesk.sandbox';

describe('Zendesk sandbox: authentication', () => {
  let sb: ZendeskSandbox;

  beforeAll(async () => {
    sb = await startZendeskSandbox({ people: 20 });
  });
  afterAll(() => sb.stop());

  it('exposes credentials and settings a connector can paste in', () => {
    expect(sb.vendor).toBe('zendesk');
    expect(sb.credentials).toEqual({
      email: expect.stringContaining('@'),
      apiToken: expect.stringMatching(/^[\w-]{40}$/),
      clientId: expect.any(String),
      clientSecret: expect.any(String),
      refreshToken: expect.any(String),
    });
    expect(sb.settings).toEqual({
      subdomain: 'sandbox',
      endpointUri: `${sb.baseUrl}/api/v2`,
      oauthTokenUrl: `${sb.baseUrl}/oauth/tokens`,
    });
  });

  it('accepts {email}/token:{api_token} basic auth, with and without the .json suffix', async () => {
    const zd = tokenClient(sb);
    expect((await zd.users.me()).result.email).toBe(sb.credentials.email);
    const bare = await raw(sb, 'GET', '/api/v2/users/me');
    expect(bare.status).toBe(200);
    expect(bare.json.user.email).toBe(sb.credentials.email);
  });

  it('answers bad or missing credentials with 401 {"error":"Couldn\'t authenticate you"}', async () => {
    const wrong = createClient({
      username: sb.credentials.email,
      token: 'not-the-token',
      endpointUri: sb.settings.endpointUri,
      throwOriginalException: true,
    }) as Zd;
    const err = await sdkError(wrong.users.me());
    expect(err.statusCode).toBe(401);
    expect(err.result).toEqual({ error: "Couldn't authenticate you" });
    const password = createClient({
      username: sb.credentials.email,
      password: sb.credentials.apiToken,
      endpointUri: sb.settings.endpointUri,
      throwOriginalException: true,
    }) as Zd;
    expect((await sdkError(password.users.me())).statusCode).toBe(401);
    const none = await raw(sb, 'GET', '/api/v2/users/me.json', { auth: null });
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ error: "Couldn't authenticate you" });
  });

  it('without throwOriginalException node-zendesk drops the status and body (the reason we always set it)', async () => {
    const lossy = createClient({
      username: sb.credentials.email,
      token: 'nope',
      endpointUri: sb.settings.endpointUri,
    }) as Zd;
    const err = await sdkError(lossy.users.me());
    expect(err.message).toBe('Request processing failed: Zendesk Error (401): Not Authorized');
    expect(err.statusCode).toBeUndefined();
  });

  it('answers unknown endpoints with 404 InvalidEndpoint before checking credentials', async () => {
    const anonymous = await raw(sb, 'GET', '/api/v2/orders.json', { auth: null });
    expect(anonymous.status).toBe(404);
    expect(anonymous.json).toEqual({ error: 'InvalidEndpoint', description: 'Not found' });
    const zd = tokenClient(sb);
    const err = await sdkError(zd.tickets.request('GET', ['custom_objects', 'order', 'records']));
    expect(err.statusCode).toBe(404);
    expect(err.result.error).toBe('InvalidEndpoint');
    const wrongMethod = await raw(sb, 'DELETE', '/api/v2/users/search.json');
    expect(wrongMethod.status).toBe(404);
  });

  it('answers a malformed JSON body with 400', async () => {
    const res = await raw(sb, 'POST', '/api/v2/tickets.json', {
      body: '{"ticket": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/plain');
  });

  describe('OAuth', () => {
    it('refresh grant returns a bearer token that node-zendesk can use ({token, oauth: true})', async () => {
      const grant = await refreshGrant(sb);
      expect(grant.status).toBe(200);
      expect(grant.json).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        scope: 'read write',
        expires_in: 3600,
        refresh_token: expect.any(String),
        refresh_token_expires_in: expect.any(Number),
      });
      sb.requests.clear();
      const zd = oauthClient(sb, grant.json.access_token);
      expect((await zd.users.me()).result.role).toBe('admin');
      expect(sb.requests.entries({ pathIncludes: '/users/me' })[0]?.credential).toBe(grant.json.access_token);
    });

    it('rotates refresh tokens: the old one is dead after use', async () => {
      const s = await startZendeskSandbox({ seed: false });
      try {
        const first = await refreshGrant(s);
        expect(first.json.refresh_token).not.toBe(s.credentials.refreshToken);
        const replay = await refreshGrant(s);
        expect(replay.status).toBe(400);
        expect(replay.json.error).toBe('invalid_grant');
        const second = await refreshGrant(s, first.json.refresh_token);
        expect(second.status).toBe(200);
        expect(s.tokenRefreshCount()).toBe(2);
      } finally {
        await s.stop();
      }
    });

    it('expired access tokens answer 401 invalid_token until the client refreshes', async () => {
      const s = await startZendeskSandbox({ seed: false, rotateRefreshTokens: false });
      try {
        const grant = await refreshGrant(s);
        const zd = oauthClient(s, grant.json.access_token);
        await zd.users.me();
        s.expireAllTokens();
        const err = await sdkError(zd.users.me());
        expect(err.statusCode).toBe(401);
        expect(err.result).toEqual({
          error: 'invalid_token',
          error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.',
        });
        const again = await refreshGrant(s);
        expect(again.json.refresh_token).toBe(s.credentials.refreshToken);
        expect((await oauthClient(s, again.json.access_token).users.me()).result.role).toBe('admin');
        // API-token auth is not affected by OAuth expiry.
        expect((await tokenClient(s).users.me()).result.role).toBe('admin');
      } finally {
        await s.stop();
      }
    });

    it('rejects revoked refresh tokens, wrong clients and other grant types', async () => {
      const s = await startZendeskSandbox({ seed: false });
      try {
        const badClient = await raw(s, 'POST', '/oauth/tokens', {
          auth: null,
          body: {
            grant_type: 'refresh_token',
            refresh_token: s.credentials.refreshToken,
            client_id: 'x',
            client_secret: 'y',
          },
        });
        expect(badClient.status).toBe(401);
        expect(badClient.json.error).toBe('invalid_client');
        const form = await raw(s, 'POST', '/oauth/tokens', {
          auth: null,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'password', username: 'a', password: 'b' }).toString(),
        });
        expect(form.status).toBe(400);
        expect(form.json.error).toBe('unsupported_grant_type');
        s.revokeRefreshToken(s.credentials.refreshToken);
        const revoked = await refreshGrant(s);
        expect(revoked.status).toBe(400);
        expect(revoked.json.error).toBe('invalid_grant');
        const garbage = await sdkError(oauthClient(s, 'made-up').users.me());
        expect(garbage.statusCode).toBe(401);
      } finally {
        await s.stop();
      }
    });
  });
});

describe('Zendesk sandbox: rate limits', () => {
  let sb: ZendeskSandbox;
  let zd: Zd;

  beforeEach(async () => {
    sb = await startZendeskSandbox({
      people: 20,
      limits: { requestsPerWindow: 3, windowMs: 60_000 },
      incrementalRequestsPerMinute: 2,
    });
    zd = tokenClient(sb);
  });
  afterEach(() => sb.stop());

  it('reports X-Rate-Limit headers, and ratelimit-* on list endpoints', async () => {
    const me = await zd.users.me();
    expect(me.response.headers.get('x-rate-limit')).toBe('3');
    expect(me.response.headers.get('x-rate-limit-remaining')).toBe('2');
    expect(me.response.headers.get('ratelimit-limit')).toBeNull();
    const list = await raw(sb, 'GET', '/api/v2/users.json');
    expect(list.headers.get('x-rate-limit-remaining')).toBe('1');
    expect(list.headers.get('ratelimit-remaining')).toBe('1');
    expect(Number(list.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
  });

  it('answers 429 with Retry-After; node-zendesk resolves it with an Error result instead of throwing', async () => {
    for (let i = 0; i < 3; i += 1) {
      await zd.users.me();
    }
    const { response, result } = await zd.users.me();
    expect(response.status).toBe(429);
    expect(result).toBeInstanceOf(Error);
    expect(result.statusCode).toBe(429);
    expect(result.message).toBe('Zendesk rate limits 200 requests per minute');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('x-rate-limit-remaining')).toBe('0');
    // In getAll() the Error becomes an element of the returned array.
    const listed = await zd.users.search({ query: 'role:end-user' });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toBeInstanceOf(Error);
    const plain = await raw(sb, 'GET', '/api/v2/users/me.json');
    expect(plain.status).toBe(429);
    expect(plain.headers.get('content-type')).toContain('text/plain');
    expect(plain.text).toBe('Number of allowed API requests per minute exceeded');
  });

  it('does not count unauthenticated requests', async () => {
    for (let i = 0; i < 5; i += 1) {
      await raw(sb, 'GET', '/api/v2/users/me.json', { auth: null });
    }
    expect((await zd.users.me()).response.status).toBe(200);
  });

  it('limits incremental exports separately (10/min by default; 2 here)', async () => {
    await zd.ticketexport.exportCursor(1);
    await zd.ticketexport.exportCursor(1);
    const { response, result } = await zd.ticketexport.exportCursor(1);
    expect(response.status).toBe(429);
    expect(result.statusCode).toBe(429);
  });
});
