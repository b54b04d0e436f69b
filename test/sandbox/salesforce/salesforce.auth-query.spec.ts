import jsforce, { type Connection } from 'jsforce';
import { FIXTURE } from '../common/seed-data';
import {
  API_VERSION,
  caught,
  connectWithAccessToken,
  connectWithRefreshToken,
  disableJsforceRetries,
} from './jsforce-test-helpers';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from './salesforce.sandbox';

disableJsforceRetries();

describe('Salesforce sandbox: OAuth', () => {
  let sandbox: RunningSalesforceSandbox;

  beforeEach(async () => {
    sandbox = await startSalesforceSandbox({ people: 20, rotateRefreshTokens: false });
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  it('refreshes on the first 401 and sends instance_url and the identity id back to jsforce', async () => {
    const conn = connectWithRefreshToken(sandbox);
    const refreshes: Array<Record<string, unknown>> = [];
    conn.on('refresh', (_token: string, res: Record<string, unknown>) => refreshes.push(res));

    const result = await conn.query<{ Id: string; Email: string }>(
      `SELECT Id, Email FROM Contact WHERE Email = '${FIXTURE.english.email}'`,
    );

    expect(result.records.map((r) => r.Email)).toEqual([FIXTURE.english.email]);
    expect(sandbox.tokenRefreshCount()).toBe(1);
    expect(refreshes[0]).toMatchObject({
      instance_url: sandbox.baseUrl,
      id: `${sandbox.baseUrl}/id/${sandbox.orgId}/${sandbox.userId}`,
      token_type: 'Bearer',
      scope: expect.any(String),
      signature: expect.any(String),
      issued_at: expect.stringMatching(/^\d+$/),
    });
    expect(refreshes[0]).not.toHaveProperty('refresh_token');
    expect(conn.instanceUrl).toBe(sandbox.baseUrl);
    expect(conn.userInfo).toMatchObject({ id: sandbox.userId, organizationId: sandbox.orgId });
    // The first call went out without a token, got 401, and was replayed with the new one.
    expect(sandbox.requests.entries({ pathIncludes: '/query' }).map((r) => r.status)).toEqual([401, 200]);
  });

  it('refreshes again, transparently, after every access token is expired', async () => {
    const conn = connectWithRefreshToken(sandbox);
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    const firstToken = conn.accessToken;
    sandbox.expireAllTokens();

    const again = await conn.query('SELECT Id FROM Contact LIMIT 1');

    expect(again.records).toHaveLength(1);
    expect(conn.accessToken).not.toBe(firstToken);
    expect(sandbox.tokenRefreshCount()).toBe(2);
  });

  it('answers an expired token without a refresh path with INVALID_SESSION_ID', async () => {
    const conn = connectWithAccessToken(sandbox);
    sandbox.expireAllTokens();
    const error = await caught(conn.query('SELECT Id FROM Contact'));
    expect(error.errorCode).toBe('INVALID_SESSION_ID');
    expect(error.message).toBe('Session expired or invalid');
  });

  it('rejects a revoked refresh token with invalid_grant', async () => {
    const conn = connectWithRefreshToken(sandbox);
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    sandbox.revokeRefreshToken(sandbox.credentials.refreshToken);
    sandbox.expireAllTokens();

    const error = await caught(conn.query('SELECT Id FROM Contact LIMIT 1'));
    expect(error.message).toBe('Unable to refresh session due to: expired access/refresh token');

    const direct = await caught(conn.oauth2.refreshToken(sandbox.credentials.refreshToken));
    expect(direct.name).toBe('invalid_grant');
    expect(direct.message).toBe('expired access/refresh token');
  });

  it('rejects wrong client credentials and unsupported grants with OAuth errors', async () => {
    const wrongSecret = new jsforce.OAuth2({
      clientId: sandbox.credentials.clientId,
      clientSecret: 'nope',
      loginUrl: sandbox.baseUrl,
    });
    const secretError = await caught(wrongSecret.refreshToken(sandbox.credentials.refreshToken));
    expect(secretError).toMatchObject({ name: 'invalid_client', message: 'invalid client credentials' });

    const wrongClient = new jsforce.OAuth2({ clientId: 'nobody', clientSecret: 'x', loginUrl: sandbox.baseUrl });
    expect(await caught(wrongClient.refreshToken(sandbox.credentials.refreshToken))).toMatchObject({
      name: 'invalid_client_id',
    });

    const password = new jsforce.OAuth2({
      clientId: sandbox.credentials.clientId,
      clientSecret: sandbox.credentials.clientSecret,
      loginUrl: sandbox.baseUrl,
    });
    expect(await caught(password.authenticate('user', 'pass'))).toMatchObject({ name: 'unsupported_grant_type' });
  });

  it('issues tokens through the client credentials flow', async () => {
    const conn = new jsforce.Connection({
      oauth2: {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        loginUrl: sandbox.baseUrl,
      },
      version: API_VERSION,
    });
    await conn.authorize({ grant_type: 'client_credentials' });
    expect(conn.instanceUrl).toBe(sandbox.baseUrl);
    const identity = await conn.identity();
    expect(identity).toMatchObject({ user_id: sandbox.userId, organization_id: sandbox.orgId });
  });

  it('revokes a refresh token through the revoke endpoint', async () => {
    const conn = connectWithRefreshToken(sandbox);
    await conn.oauth2.revokeToken(sandbox.credentials.refreshToken);
    expect(await caught(conn.query('SELECT Id FROM Contact'))).toMatchObject({
      message: 'Unable to refresh session due to: expired access/refresh token',
    });
  });
});

describe('Salesforce sandbox: rotating refresh tokens', () => {
  let sandbox: RunningSalesforceSandbox;

  beforeEach(async () => {
    sandbox = await startSalesforceSandbox({ people: 10, rotateRefreshTokens: true });
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  it('returns a new refresh token on every refresh and burns the old one', async () => {
    const conn = connectWithRefreshToken(sandbox);
    const rotated: string[] = [];
    // jsforce does not store the rotated token itself: the 'refresh' event is the only place to pick it up.
    conn.on('refresh', (_token: string, res: { refresh_token?: string }) => {
      if (res.refresh_token) {
        rotated.push(res.refresh_token);
        conn.refreshToken = res.refresh_token;
      }
    });
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    sandbox.expireAllTokens();
    await conn.query('SELECT Id FROM Contact LIMIT 1');

    expect(rotated).toHaveLength(2);
    expect(new Set([sandbox.credentials.refreshToken, ...rotated]).size).toBe(3);
    const replay = await caught(conn.oauth2.refreshToken(sandbox.credentials.refreshToken));
    expect(replay.name).toBe('invalid_grant');
  });

  it('lets only one of two processes sharing a refresh token win the rotation', async () => {
    const a = connectWithRefreshToken(sandbox);
    const b = connectWithRefreshToken(sandbox);
    const outcomes = await Promise.allSettled([
      a.query('SELECT Id FROM Contact LIMIT 1'),
      b.query('SELECT Id FROM Contact LIMIT 1'),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(sandbox.tokenRefreshCount()).toBe(1);
  });

  it('single-flights concurrent refreshes inside one jsforce connection', async () => {
    const conn = connectWithRefreshToken(sandbox);
    const results = await Promise.all(Array.from({ length: 5 }, () => conn.query('SELECT Id FROM Contact LIMIT 1')));
    expect(results.every((r) => r.records.length === 1)).toBe(true);
    expect(sandbox.tokenRefreshCount()).toBe(1);
  });

  it('breaks a client that keeps the original refresh token', async () => {
    const conn = connectWithRefreshToken(sandbox);
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    sandbox.expireAllTokens();
    const error = await caught(conn.query('SELECT Id FROM Contact LIMIT 1'));
    expect(error.message).toContain('expired access/refresh token');
  });
});

describe('Salesforce sandbox: SOQL through jsforce', () => {
  let sandbox: RunningSalesforceSandbox;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ people: 60, salesforce: { queryBatchSize: 7 } });
    conn = connectWithAccessToken(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('pages with nextRecordsUrl and queryMore', async () => {
    const total = sandbox.records('Contact').length;
    const first = await conn.query<{ Id: string }>('SELECT Id FROM Contact ORDER BY CreatedDate');
    expect(first).toMatchObject({ totalSize: total, done: false });
    expect(first.records).toHaveLength(7);
    // jsforce keeps only the locator and rebuilds the URL from instanceUrl.
    expect(first.nextRecordsUrl).toMatch(
      new RegExp(`^${sandbox.baseUrl}/services/data/v${API_VERSION}/query/01g[A-Za-z0-9]{15}-7$`),
    );

    const second = await conn.queryMore<{ Id: string }>(first.nextRecordsUrl as string);
    expect(second.records).toHaveLength(7);
    expect(second.records[0]?.Id).not.toBe(first.records[0]?.Id);
    expect(second.nextRecordsUrl).toMatch(/-14$/);
  });

  it('honours Sforce-Query-Options batchSize within Salesforce bounds (200..2000)', async () => {
    const page = await conn.query('SELECT Id FROM Contact', { headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    expect(page.records).toHaveLength(Math.min(200, sandbox.records('Contact').length));
    expect(page.done).toBe(true);
  });

  it('keeps at most 10 open cursors: opening an 11th invalidates the oldest', async () => {
    const pages = [];
    for (let i = 0; i < 11; i += 1) {
      pages.push(await conn.query(`SELECT Id FROM Contact WHERE LastName != 'cursor ${i}'`));
    }
    expect(pages.every((p) => p.done === false)).toBe(true);
    expect((await caught(conn.queryMore(pages[0]?.nextRecordsUrl as string))).errorCode).toBe('INVALID_QUERY_LOCATOR');
    expect((await conn.queryMore(pages[10]?.nextRecordsUrl as string)).records).toHaveLength(7);
  });

  it('fetches every page with autoFetch and honours maxFetch', async () => {
    const total = sandbox.records('Contact').length;
    const all = await conn.query<{ Id: string }>('SELECT Id, Email FROM Contact', {
      autoFetch: true,
      maxFetch: 10_000,
    });
    expect(all.records).toHaveLength(total);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(total);
    expect(all.done).toBe(true);

    const some = await conn.query('SELECT Id FROM Contact', { autoFetch: true, maxFetch: 10 });
    expect(some.records).toHaveLength(10);
  });

  it('returns parent relationships, child subqueries and Order fields the bridge reads', async () => {
    const contactId = sandbox.contactIdFor(FIXTURE.english.key) as string;
    const { records } = await conn.query<Record<string, any>>(
      `SELECT Id, OrderNumber, Status, TotalAmount, EffectiveDate, CurrencyIsoCode, BillToContact.Email, Account.Name, (SELECT Quantity, UnitPrice, TotalPrice, Product2.Name, Product2.ProductCode FROM OrderItems ORDER BY UnitPrice DESC) FROM Order WHERE BillToContactId = '${contactId}' ORDER BY EffectiveDate DESC`,
    );
    expect(records.map((r) => r.OrderNumber)).toEqual(['245-12784', '10023']);
    expect(records[0]).toMatchObject({
      attributes: {
        type: 'Order',
        url: expect.stringMatching(new RegExp(`^/services/data/v${API_VERSION}/sobjects/Order/801`)),
      },
      Status: 'Shipped',
      TotalAmount: 170,
      EffectiveDate: '2026-09-20',
      CurrencyIsoCode: 'USD',
      BillToContact: { attributes: { type: 'Contact' }, Email: FIXTURE.english.email },
      Account: { Name: 'Acme Corp' },
      OrderItems: {
        totalSize: 2,
        done: true,
        records: [
          {
            Quantity: 1,
            UnitPrice: 120,
            TotalPrice: 120,
            Product2: { Name: 'Mechanical Keyboard', ProductCode: 'SKU-200' },
          },
          { Quantity: 2, UnitPrice: 25, TotalPrice: 50, Product2: { Name: 'Wireless Mouse' } },
        ],
      },
    });
    const contacts = await conn.query<Record<string, any>>(
      `SELECT Name, (SELECT Id FROM Cases WHERE IsClosed = true AND Subject = 'nothing matches this') FROM Contact WHERE Id = '${contactId}'`,
    );
    expect(contacts.records[0]).toMatchObject({ Name: 'Emma Johnson', Cases: null });
  });

  it('finds with the SOQL builder, escaping quotes in values', async () => {
    const records = await conn
      .sobject('Contact')
      .find({ Email: FIXTURE.japanese.email }, [
        'Id',
        'Name',
        'FirstName',
        'LastName',
        'Customer_Tier__c',
        'MailingCountry',
      ])
      .limit(1);
    expect(records[0]).toMatchObject({
      FirstName: '雪',
      LastName: '田中',
      Customer_Tier__c: 'Gold',
      MailingCountry: 'Japan',
    });

    const none = await conn.sobject('Contact').find({ LastName: "x' OR LastName != 'y" }, ['Id']);
    expect(none).toEqual([]);
  });

  it('returns both records of an ambiguous email', async () => {
    const { records } = await conn.query<{ Id: string; External_Id__c: string | null }>(
      `SELECT Id, External_Id__c, SystemModstamp FROM Contact WHERE Email = '${FIXTURE.ambiguous.email}' ORDER BY SystemModstamp DESC`,
    );
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.External_Id__c)).toEqual([FIXTURE.ambiguous.externalId, null]);
  });

  it('filters by datetime literals on SystemModstamp and answers COUNT()', async () => {
    const since = new Date(Date.now() - 60_000);
    await conn
      .sobject('Contact')
      .update({ Id: sandbox.contactIdFor(FIXTURE.japanese.key) as string, Title: 'Changed' });
    const changed = await conn
      .sobject('Contact')
      .find({ SystemModstamp: { $gt: jsforce.Date.toDateTimeLiteral(since) } }, ['Id', 'Title'])
      .sort({ SystemModstamp: 1 });
    expect(changed).toEqual([expect.objectContaining({ Title: 'Changed' })]);

    const count = await conn.query(`SELECT COUNT() FROM Contact WHERE MailingCountry = 'Japan'`);
    expect(count.totalSize).toBe(sandbox.records('Contact').filter((c) => c.MailingCountry === 'Japan').length);
    expect(count.records).toEqual([]);
  });

  it('hides deleted records from query and shows them to queryAll', async () => {
    const created = await conn
      .sobject('Note')
      .create({ ParentId: sandbox.contactIdFor(FIXTURE.english.key) as string, Title: 'temp' });
    await conn.sobject('Note').destroy(created.id as string);
    const live = await conn.query(`SELECT Id FROM Note WHERE Id = '${created.id}'`);
    expect(live.totalSize).toBe(0);
    const all = await conn.query<{ Id: string; IsDeleted: boolean }>(
      `SELECT Id, IsDeleted FROM Note WHERE Id = '${created.id}'`,
      { scanAll: true },
    );
    expect(all.records).toEqual([expect.objectContaining({ Id: created.id, IsDeleted: true })]);
  });

  it('surfaces MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE and bad filters as jsforce errors', async () => {
    const malformed = await caught(
      conn.query("SELECT Id FROM Contact WHERE Email = 'a' AND Phone = 'b' OR Name = 'c'"),
    );
    expect(malformed.errorCode).toBe('MALFORMED_QUERY');
    expect(malformed.message).toContain('ERROR at Row:1:Column:');
    expect(malformed.message).toContain('unexpected token: OR');

    const field = await caught(conn.query('SELECT Id, Emial FROM Contact'));
    expect(field.errorCode).toBe('INVALID_FIELD');
    expect(field.message).toContain("No such column 'Emial' on entity 'Contact'");

    const type = await caught(conn.query('SELECT Id FROM Contacts'));
    expect(type.errorCode).toBe('INVALID_TYPE');

    const filter = await caught(conn.query("SELECT Id FROM Contact WHERE LastModifiedDate > '2024-01-01'"));
    expect(filter.errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');

    const locator = await caught(conn.queryMore('01g5g0000000000AAA-2000'));
    expect(locator.errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it('reports usage in Sforce-Limit-Info and the limits resource', async () => {
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    expect(conn.limitInfo.apiUsage).toEqual(sandbox.apiUsage());
    const limits = await conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 15_000, Remaining: 15_000 - sandbox.apiUsage().used });
  });
});

describe('Salesforce sandbox: daily API quota', () => {
  let sandbox: RunningSalesforceSandbox;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ people: 5, limits: { dailyQuota: 3 } });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('counts every call and answers REQUEST_LIMIT_EXCEEDED beyond the allowance', async () => {
    const conn = connectWithAccessToken(sandbox);
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    await conn.sobject('Contact').retrieve(sandbox.contactIdFor(FIXTURE.english.key) as string);
    await conn.limits();
    expect(conn.limitInfo.apiUsage).toEqual({ used: 3, limit: 3 });

    const error = await caught(conn.query('SELECT Id FROM Contact LIMIT 1'));
    expect(error.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(error.message).toBe('TotalRequests Limit exceeded.');
    expect(conn.limitInfo.apiUsage).toEqual({ used: 4, limit: 3 });
    expect(sandbox.requests.entries({ pathIncludes: '/query' }).at(-1)?.status).toBe(403);
  });
});
