import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'jsforce';
import { FIXTURE } from '../common/seed-data';
import { caught, connectWithAccessToken, connectWithRefreshToken, disableJsforceRetries } from './jsforce-test-helpers';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from './salesforce.sandbox';

// xml2js ships with jsforce (it parses SOAP/XML responses) but has no bundled types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseStringPromise } = require('xml2js') as { parseStringPromise(xml: string, options?: object): Promise<any> };

disableJsforceRetries();

describe('Salesforce sandbox: injected faults through jsforce', () => {
  let sandbox: RunningSalesforceSandbox;
  let conn: Connection;

  beforeEach(async () => {
    sandbox = await startSalesforceSandbox({ people: 10, seed: 7 });
    conn = connectWithAccessToken(sandbox);
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  it('adds latency', async () => {
    sandbox.faults.set({ latency: { kind: 'fixed', ms: 150 } });
    const started = Date.now();
    await conn.query('SELECT Id FROM Contact LIMIT 1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers injected 500s and 503s in the Salesforce error shape, once per call with retries off', async () => {
    sandbox.faults.set({ errorRates: { 500: 1 }, pathFilter: /\/query/ });
    const error = await caught(conn.query('SELECT Id FROM Contact'));
    expect(error.errorCode).toBe('UNKNOWN_EXCEPTION');
    expect(sandbox.requests.entries({ pathIncludes: '/query' }).map((r) => r.status)).toEqual([500]);
    // Paths outside the filter are untouched.
    expect(await conn.limits()).toHaveProperty('DailyApiRequests');

    sandbox.faults.set({ errorRates: { 503: 1 } });
    expect((await caught(conn.query('SELECT Id FROM Contact'))).errorCode).toBe('SERVER_UNAVAILABLE');
    sandbox.faults.set({ errorRates: { 429: 1 } });
    expect((await caught(conn.query('SELECT Id FROM Contact'))).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
  });

  it('commits a write and then resets the connection: the journal proves the write happened', async () => {
    sandbox.faults.set({ resetAfterCommitRate: 1 });
    const error = await caught(
      conn
        .sobject('Task')
        .upsert(
          { Chat_Transcript_Key__c: 'conv-reset', WhoId: sandbox.contactIdFor(FIXTURE.english.key), Subject: 'Chat' },
          'Chat_Transcript_Key__c',
        ),
    );
    expect(error.errorCode).toBeUndefined();
    expect(error.message).toMatch(/fetch failed|terminated|socket|ECONNRESET/i);

    const entries = sandbox.journal.entries({ object: 'Task', externalKey: 'conv-reset' });
    expect(entries).toEqual([expect.objectContaining({ operation: 'upsert' })]);
    sandbox.faults.reset();
    const { records } = await conn.query<{ Id: string }>(
      "SELECT Id FROM Task WHERE Chat_Transcript_Key__c = 'conv-reset'",
    );
    expect(records.map((r) => r.Id)).toEqual([entries[0]?.recordId]);

    // Replaying the same upsert is what makes the ambiguous outcome safe: still one record.
    const replay = await conn
      .sobject('Task')
      .upsert({ Chat_Transcript_Key__c: 'conv-reset', Subject: 'Chat' }, 'Chat_Transcript_Key__c');
    expect(replay).toMatchObject({ id: entries[0]?.recordId, created: false });
  });

  it('applies a path filter to reset-after-commit against the full request path', async () => {
    sandbox.faults.set({ resetAfterCommitRate: 1, pathFilter: /^\/services\/data\/v62\.0\/sobjects\/Case$/ });
    const contacts = await conn.sobject('Contact').create({ LastName: 'Not filtered' });
    expect(contacts.success).toBe(true);
    const reset = await caught(conn.sobject('Case').create({ Subject: 'filtered' }));
    expect(reset.errorCode).toBeUndefined();
    expect(reset.message).toMatch(/fetch failed|terminated|socket|ECONNRESET/i);
    expect(sandbox.journal.entries({ object: 'Case' })).toHaveLength(1);
    expect(sandbox.requests.entries({ pathIncludes: '/sobjects/Case' })).toEqual([
      expect.objectContaining({ method: 'POST', path: '/services/data/v62.0/sobjects/Case', status: 0 }),
    ]);
  });

  it('fails single records inside a collection with UNABLE_TO_LOCK_ROW', async () => {
    sandbox.faults.set({ batchRecordFailureRate: 0.5 });
    const results = await conn
      .sobject('Contact')
      .create(Array.from({ length: 40 }, (_, i) => ({ LastName: `Batch ${i}` })));
    const failed = results.filter((r) => !r.success);
    const succeeded = results.filter((r) => r.success);
    expect(failed.length).toBeGreaterThan(0);
    expect(succeeded.length).toBeGreaterThan(0);
    expect(failed[0]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'UNABLE_TO_LOCK_ROW',
          message: expect.stringContaining('unable to obtain exclusive access to this record'),
          fields: [],
        },
      ],
    });
    expect(
      sandbox.journal
        .entries({ object: 'Contact' })
        .map((e) => e.recordId)
        .sort(),
    ).toEqual(succeeded.map((r) => r.id).sort());
  });

  it('refuses the same records of an upsert collection on every attempt with FIELD_CUSTOM_VALIDATION_EXCEPTION', async () => {
    sandbox.faults.set({ batchRecordRejectRate: 0.3 });
    const records = Array.from({ length: 40 }, (_, i) => ({
      Subject: `Transcript ${i}`,
      Chat_Transcript_Key__c: `rule-${i}`,
    }));
    const upsert = () => conn.sobject('Task').upsert(records, 'Chat_Transcript_Key__c', { allOrNone: false });
    const first = await upsert();
    const refused = (results: typeof first) =>
      results.flatMap((result, i) => (result.success ? [] : [records[i].Chat_Transcript_Key__c]));
    expect(refused(first).length).toBeGreaterThan(0);
    expect(first.filter((r) => r.success).length).toBeGreaterThan(0);
    expect(first.find((r) => !r.success)).toEqual({
      success: false,
      created: false,
      errors: [
        {
          statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          message: expect.stringContaining('validation rule'),
          fields: [],
        },
      ],
    });
    // A validation rule, not a lock: the retry is refused for the same records, and they never reach the journal.
    expect(refused(await upsert())).toEqual(refused(first));
    expect(sandbox.faults.rejectedRecordKeys().sort()).toEqual([...refused(first)].sort());
    const journaled = sandbox.journal.entries({ object: 'Task' }).map((e) => e.externalKey);
    expect(refused(first).filter((key) => journaled.includes(key))).toEqual([]);
  });

  it('hangs until the client gives up', async () => {
    sandbox.faults.set({ hangRate: 1 });
    const error = await caught(conn.request({ method: 'GET', url: '/limits' }, { timeout: 300 }));
    expect(error.message).toMatch(/abort|timeout/i);
  });

  it('fails the token endpoint too, in the OAuth error shape', async () => {
    sandbox.faults.set({ errorRates: { 503: 1 }, pathFilter: /oauth2/ });
    const refreshing = connectWithRefreshToken(sandbox);
    const error = await caught(refreshing.query('SELECT Id FROM Contact LIMIT 1'));
    expect(error.message).toBe('Unable to refresh session due to: injected fault');
  });
});

describe('Salesforce sandbox: Outbound Messages', () => {
  let sandbox: RunningSalesforceSandbox;
  let listener: Server;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let failNext = 0;
  let plainNext = 0;

  beforeAll(async () => {
    listener = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(500).end();
          return;
        }
        if (plainNext > 0) {
          plainNext -= 1;
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          return;
        }
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>',
          );
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    sandbox = await startSalesforceSandbox({
      people: 10,
      webhook: { url: `http://127.0.0.1:${port}/salesforce/outbound`, secret: 'unused' },
      salesforce: { outboundRetryDelaysMs: [50, 50] },
    });
  });
  afterAll(async () => {
    await sandbox.stop();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });
  beforeEach(() => {
    received.length = 0;
  });

  async function waitFor(count: number): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (received.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('posts an unsigned SOAP notifications envelope carrying the org id and the changed record', async () => {
    const conn = connectWithAccessToken(sandbox);
    const contactId = sandbox.contactIdFor(FIXTURE.japanese.key) as string;
    await conn.sobject('Contact').update({ Id: contactId, Phone: '+81 90-0000-0000' });
    await waitFor(1);

    expect(received).toHaveLength(1);
    const [message] = received;
    expect(message?.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(message?.headers.soapaction).toBe('""');
    expect(Object.keys(message?.headers ?? {}).filter((h) => /signature/i.test(h))).toEqual([]);

    const xml = await parseStringPromise(message?.body, { explicitArray: false });
    const notifications = xml['soapenv:Envelope']['soapenv:Body'].notifications;
    expect(notifications.OrganizationId).toBe(sandbox.orgId);
    expect(notifications.ActionId).toMatch(/^04k/);
    const notification = notifications.Notification;
    expect(notification.Id).toMatch(/^04l/);
    expect(notification.sObject.$['xsi:type']).toBe('sf:Contact');
    expect(notification.sObject['sf:Id']).toBe(contactId);
    expect(notification.sObject['sf:Phone']).toBe('+81 90-0000-0000');
    expect(notification.sObject['sf:LastName']).toBe('田中');
    expect(notification.sObject['sf:LastModifiedDate']).toMatch(/Z$/);
  });

  it('batches changes from one call, skips objects without a message, and escapes XML', async () => {
    const conn = connectWithAccessToken(sandbox);
    await conn.sobject('Contact').create([
      { LastName: 'A & B <co>', Email: 'ab@example.com' },
      { LastName: 'C', Email: 'c@example.com' },
    ]);
    await conn.sobject('Task').create({ Subject: 'no outbound message for tasks' });
    await waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(1);
    const xml = await parseStringPromise(received[0]?.body, { explicitArray: false });
    const list = xml['soapenv:Envelope']['soapenv:Body'].notifications.Notification;
    expect(list.map((n: any) => n.sObject['sf:LastName'])).toEqual(['A & B <co>', 'C']);
  });

  it('retries a delivery the listener did not accept', async () => {
    failNext = 1;
    const conn = connectWithAccessToken(sandbox);
    await conn.sobject('Case').create({ Subject: 'Retry me', Chat_Session_Key__c: 'sess-retry' });
    await waitFor(2);
    expect(received).toHaveLength(2);
    expect(received[1]?.body).toBe(received[0]?.body);
    // The sandbox records an attempt when the listener's answer arrives, which is after the listener saw the request.
    const caseDeliveries = () => sandbox.outboundMessages().filter((d) => d.object === 'Case');
    const deadline = Date.now() + 5_000;
    while (caseDeliveries().length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const deliveries = caseDeliveries();
    expect(deliveries.map((d) => [d.attempt, d.status, d.acked])).toEqual([
      [1, 500, false],
      [2, 200, true],
    ]);
  });

  it('retries a 200 that carries no SOAP Ack, and stops once acknowledged', async () => {
    plainNext = 1;
    const conn = connectWithAccessToken(sandbox);
    const created = await conn.sobject('Case').create({ Subject: 'Ack me', Chat_Session_Key__c: 'sess-ack' });
    const id = (created as { id: string }).id;
    const forCase = () => sandbox.outboundMessages().filter((d) => d.recordIds.includes(id));
    const deadline = Date.now() + 5_000;
    while (forCase().length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Longer than the remaining retry delays: an acknowledged message is not sent again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(forCase().map((d) => [d.attempt, d.status, d.acked])).toEqual([
      [1, 200, false],
      [2, 200, true],
    ]);
  });
});
