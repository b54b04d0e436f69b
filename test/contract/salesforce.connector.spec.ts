import jsforce from 'jsforce';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError, WebhookRejectedError } from '../../src/connectors/connector.errors';
import type { ConnectionContext } from '../../src/connectors/crm-connector.port';
import type { NoteInput, WebhookRequest } from '../../src/connectors/crm.types';
import { InMemoryAuthSession } from '../../src/connectors/in-memory-auth-session';
import { SalesforceConnector } from '../../src/connectors/salesforce/salesforce.connector';
import {
  salesforceSettingsSchema,
  type SalesforceCredentials,
  type SalesforceSettings,
} from '../../src/connectors/salesforce/salesforce.descriptor';
import { OUTBOUND_ACK, encodeCursor } from '../../src/connectors/salesforce/salesforce.mapper';
import { FIXTURE } from '../sandbox/common/seed-data';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../sandbox/salesforce/salesforce.sandbox';
import { expectConnectorError } from './crm-connector.contract';

// Deliberately no disableJsforceRetries(): the connector has to keep jsforce from retrying on its own.

type Ctx = ConnectionContext<SalesforceSettings, SalesforceCredentials> & {
  session: InMemoryAuthSession<SalesforceCredentials>;
};

const connector = new SalesforceConnector();

function settingsFor(sandbox: RunningSalesforceSandbox, patch: Partial<SalesforceSettings> = {}): SalesforceSettings {
  return salesforceSettingsSchema.parse({
    loginUrl: sandbox.settings.loginUrl,
    instanceUrl: sandbox.settings.instanceUrl,
    organizationId: sandbox.orgId,
    multiCurrency: true,
    ...patch,
  });
}

/** A connection the way the service opens one: a ready access token plus the refresh grant behind it. */
function contextFor(
  sandbox: RunningSalesforceSandbox,
  options: { settings?: Partial<SalesforceSettings>; timeoutMs?: number; refreshToken?: string } = {},
): Ctx {
  const settings = settingsFor(sandbox, options.settings);
  const session = new InMemoryAuthSession<SalesforceCredentials>(
    {
      clientId: sandbox.credentials.clientId,
      clientSecret: sandbox.credentials.clientSecret,
      refreshToken: options.refreshToken ?? sandbox.issueRefreshToken(),
      accessToken: sandbox.issueAccessToken(),
      accessTokenExpiresAt: Date.now() + 3_600_000,
    },
    (credentials) => connector.refreshGrant(settings, credentials, AbortSignal.timeout(5000)),
  );
  return {
    workspaceId: 'ws-sf',
    connectorId: 'conn-sf',
    kind: 'salesforce',
    settings,
    auth: session,
    session,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  };
}

function adminConnection(sandbox: RunningSalesforceSandbox) {
  return new jsforce.Connection({
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.issueAccessToken(),
    version: '62.0',
  });
}

const apiRequests = (sandbox: RunningSalesforceSandbox) =>
  sandbox.requests.entries({ pathIncludes: '/services/data/' });

describe('Salesforce connector against the sandbox', () => {
  let sandbox: RunningSalesforceSandbox;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ people: 60, rotateRefreshTokens: true });
  });
  afterAll(async () => sandbox.stop());
  afterEach(() => {
    sandbox.faults.reset();
    sandbox.setQueryBatchSize(2000);
    sandbox.setDuplicateRule('block');
  });

  describe('verify', () => {
    it('names the org (from the identity URL) and refuses credentials of another org', async () => {
      await expect(connector.verify(contextFor(sandbox))).resolves.toEqual({ account: sandbox.orgId });
      await expect(
        connector.verify(contextFor(sandbox, { settings: { organizationId: sandbox.orgId.slice(0, 15) } })),
      ).resolves.toEqual({
        account: sandbox.orgId,
      });
      await expectConnectorError(
        connector.verify(contextFor(sandbox, { settings: { organizationId: '00D000000000001AAA' } })),
        'invalid_request',
      );
    });
  });

  describe('SDK hazards', () => {
    it('does not let jsforce retry a GET on 503 or 429 (one request, no 15 s backoff)', async () => {
      for (const status of [503, 429, 500]) {
        const ctx = contextFor(sandbox);
        sandbox.requests.clear();
        sandbox.faults.set({ errorRates: { [status]: 1 } });
        const started = Date.now();
        await expectConnectorError(
          connector.findPeople(ctx, { email: FIXTURE.english.email }),
          status === 429 ? 'rate_limited' : 'unavailable',
        );
        expect(Date.now() - started).toBeLessThan(1000);
        expect(apiRequests(sandbox)).toHaveLength(1);
        sandbox.faults.reset();
      }
    });

    it('URL-encodes external ids itself: "conv?x=1" is not upserted as "conv"', async () => {
      const base = `conv-${randomUUID().slice(0, 8)}`;
      const tricky = [`${base}?x=1`, `${base}#frag`, `${base}&a=b`, `${base} 50%`, `${base}/../x`, `${base}-名前`];
      const plain = await connector.upsertPerson(contextFor(sandbox), { externalId: base, lastName: 'Plain' });
      for (const externalId of tricky) {
        const ref = await connector.upsertPerson(contextFor(sandbox), { externalId, lastName: 'Tricky' });
        expect(ref.created).toBe(true);
        expect(ref.id).not.toBe(plain.id);
        const again = await connector.upsertPerson(contextFor(sandbox), { externalId, lastName: 'Tricky' });
        expect(again).toMatchObject({ id: ref.id, created: false });
        const stored = sandbox.records('Contact').find((record) => record.Id === ref.id);
        expect(stored?.External_Id__c).toBe(externalId);
        const [match] = await connector.findPeople(contextFor(sandbox), { externalId });
        expect(match).toMatchObject({ matchedBy: 'external_id', person: { id: ref.id } });
      }
      expect(sandbox.records('Contact').find((record) => record.Id === plain.id)?.LastName).toBe('Plain');
    });

    it('keeps idempotency keys that are unsafe in a URL distinct and stable', async () => {
      const personId = sandbox.contactIdFor(FIXTURE.english.key)!;
      const key = `conv-${randomUUID()}`;
      const note = (idempotencyKey: string): NoteInput => ({
        personId,
        title: 't',
        body: idempotencyKey,
        internal: true,
        idempotencyKey,
      });
      const plain = await connector.appendNote(contextFor(sandbox), note(key));
      const tricky = await connector.appendNote(contextFor(sandbox), note(`${key}?x=1`));
      const trickyAgain = await connector.appendNote(contextFor(sandbox), note(`${key}?x=1`));
      const upper = await connector.appendNote(contextFor(sandbox), note(key.toUpperCase()));
      expect(new Set([plain.id, tricky.id, upper.id]).size).toBe(3);
      expect(trickyAgain).toMatchObject({ id: tricky.id, created: false });
      // A batch upsert resolves the same keys to the same records.
      const batch = await connector.appendNotes(contextFor(sandbox), [
        note(key),
        note(`${key}?x=1`),
        note(key.toUpperCase()),
      ]);
      expect(
        batch.map((outcome) => (outcome.ok ? [outcome.value.id, outcome.value.created] : outcome.error.code)),
      ).toEqual([
        [plain.id, false],
        [tricky.id, false],
        [upper.id, false],
      ]);
    });

    it('always speaks the configured API version (jsforce would default to v50.0)', async () => {
      sandbox.requests.clear();
      await connector.findPeople(contextFor(sandbox), { email: FIXTURE.english.email });
      await connector.appendNote(contextFor(sandbox), {
        personId: sandbox.contactIdFor(FIXTURE.english.key)!,
        title: 'v',
        body: 'v',
        internal: true,
        idempotencyKey: `v-${randomUUID()}`,
      });
      const paths = apiRequests(sandbox).map((entry) => entry.path);
      expect(paths.length).toBeGreaterThanOrEqual(2);
      expect(paths.every((path) => path.startsWith('/services/data/v62.0/'))).toBe(true);
    });

    it('keeps the rotated refresh token Salesforce returns (jsforce would drop it)', async () => {
      const settings = settingsFor(sandbox);
      const first = sandbox.issueRefreshToken();
      const credentials = {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken: first,
      };
      const grant = await connector.refreshGrant(settings, credentials, AbortSignal.timeout(5000));
      expect(grant).toMatchObject({
        accessToken: expect.any(String),
        apiBaseUrl: sandbox.baseUrl,
        refreshToken: expect.any(String),
      });
      expect(grant.refreshToken).not.toBe(first);
      expect(grant.expiresAt - Date.now()).toBeGreaterThan(119 * 60_000);
      await expectConnectorError(
        connector.refreshGrant(settings, credentials, AbortSignal.timeout(5000)),
        'auth_expired',
      );
      await expect(
        connector.refreshGrant(
          settings,
          { ...credentials, refreshToken: grant.refreshToken! },
          AbortSignal.timeout(5000),
        ),
      ).resolves.toMatchObject({ accessToken: expect.any(String) });
    });

    it('never puts a token into a URL', async () => {
      sandbox.requests.clear();
      await connector.verify(contextFor(sandbox));
      await connector.listNotes(contextFor(sandbox), sandbox.contactIdFor(FIXTURE.english.key)!, 5);
      for (const entry of sandbox.requests.entries()) {
        expect(JSON.stringify(entry.query)).not.toMatch(/oauth_token|access_token|sa-at-/);
      }
    });

    it('tells the daily quota (403 REQUEST_LIMIT_EXCEEDED) from rate limiting', async () => {
      const small = await startSalesforceSandbox({ people: 5, limits: { dailyQuota: 3 } });
      try {
        const ctx = contextFor(small);
        for (let i = 0; i < 3; i += 1) {
          await connector.findPeople(ctx, { email: FIXTURE.english.email });
        }
        const error = await expectConnectorError(
          connector.findPeople(ctx, { email: FIXTURE.english.email }),
          'quota_exhausted',
        );
        expect(error.failure.retryAfterMs).toBe(60 * 60_000);
      } finally {
        await small.stop();
      }
    });

    it('gives up at the caller’s deadline on a request that never answers', async () => {
      sandbox.faults.set({ hangRate: 1 });
      const started = Date.now();
      await expectConnectorError(
        connector.getPerson(contextFor(sandbox, { timeoutMs: 200 }), sandbox.contactIdFor(FIXTURE.english.key)!),
        'timeout',
      );
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('a write whose response is lost is retried onto the same record (reset after commit)', async () => {
      const personId = sandbox.contactIdFor(FIXTURE.japanese.key)!;
      const key = `lost-${randomUUID()}`;
      const input = {
        personId,
        subject: 'Lost response',
        description: 'd',
        priority: 'low' as const,
        idempotencyKey: key,
      };
      sandbox.faults.set({ resetAfterCommitRate: 1 });
      await expectConnectorError(connector.createCase(contextFor(sandbox), input), 'unavailable');
      sandbox.faults.reset();
      const retry = await connector.createCase(contextFor(sandbox), input);
      expect(retry.created).toBe(false);
      expect(
        sandbox.journal.entries({ object: 'Case', externalKey: key }).filter((e) => e.operation === 'upsert'),
      ).toHaveLength(2);
      expect(sandbox.records('Case').filter((record) => record.Chat_Session_Key__c === key)).toHaveLength(1);
    });
  });

  describe('pagination', () => {
    it('follows nextRecordsUrl when Salesforce splits a result', async () => {
      const ctx = contextFor(sandbox);
      const cursor = encodeCursor({ v: 1, contact: { t: 0, id: '' }, case: { t: 0, id: '' } });
      const whole = await connector.listChanges(ctx, cursor);
      sandbox.setQueryBatchSize(7);
      sandbox.requests.clear();
      const split = await connector.listChanges(contextFor(sandbox), cursor);
      expect(split.changes).toEqual(whole.changes);
      expect(apiRequests(sandbox).filter((entry) => /\/query\/01g/.test(entry.path)).length).toBeGreaterThan(5);
    });

    it('pages listChanges beyond one page, through equal SystemModstamps, without gaps or repeats', async () => {
      const big = await startSalesforceSandbox({ people: 320 });
      try {
        const all = new Set(big.records('Contact').map((record) => record.Id));
        expect(all.size).toBeGreaterThan(200);
        let cursor = encodeCursor({ v: 1, contact: { t: 0, id: '' }, case: { t: 0, id: '' } });
        const seen: string[] = [];
        let pages = 0;
        for (; pages < 20; pages += 1) {
          const page = await connector.listChanges(contextFor(big), cursor);
          seen.push(...page.changes.filter((c) => c.kind === 'person.changed').map((c) => c.recordId));
          cursor = page.cursor;
          if (!page.hasMore) {
            break;
          }
        }
        expect(pages).toBeGreaterThanOrEqual(1);
        expect(seen).toHaveLength(all.size);
        expect(new Set(seen)).toEqual(all);
        // Nothing changed since: the saved cursor yields nothing.
        await expect(connector.listChanges(contextFor(big), cursor)).resolves.toMatchObject({
          changes: [],
          hasMore: false,
        });
      } finally {
        await big.stop();
      }
    });

    it('reports a case closed after the cursor as case.solved', async () => {
      const start = await connector.listChanges(contextFor(sandbox), null);
      const personId = sandbox.contactIdFor(FIXTURE.english.key)!;
      const ref = await connector.createCase(contextFor(sandbox), {
        personId,
        subject: 'Will be closed',
        description: 'd',
        priority: 'normal',
        idempotencyKey: `close-${randomUUID()}`,
      });
      await adminConnection(sandbox).sobject('Case').update({ Id: ref.id, Status: 'Closed' });
      const page = await connector.listChanges(contextFor(sandbox), start.cursor);
      const events = page.changes.filter((change) => change.recordId === ref.id);
      expect(events.map((event) => event.kind)).toEqual(['case.solved']);
      expect(events[0]).toMatchObject({ personId, summary: 'Closed' });
      await expectConnectorError(connector.listChanges(contextFor(sandbox), 'not-a-cursor'), 'invalid_request');
    });
  });

  describe('injection corpus, through the sandbox’s real SOQL parser', () => {
    const hostile = [
      "o'brien",
      "x' OR Name != '",
      "\\' OR Id != '",
      'back\\slash',
      '"quoted"',
      'percent%_under',
      '名前',
      "ext-p0000' OR '1'='1",
      'line\nbreak',
      "') OR (Email != '",
    ];

    it.each(hostile)('external id %p stays a literal', async (externalId) => {
      sandbox.requests.clear();
      await expect(connector.findPeople(contextFor(sandbox), { externalId })).resolves.toEqual([]);
      expect(apiRequests(sandbox).every((entry) => entry.status === 200)).toBe(true);
    });

    it.each(["+1415555267' OR '1'='1", "') OR (Phone != '", '+1 (415) 555-2671'])(
      'phone %p never widens the query',
      async (phone) => {
        await expect(connector.findPeople(contextFor(sandbox), { phone })).resolves.toEqual([]);
      },
    );

    it('an email with a quote is looked up and created literally, once', async () => {
      const email = `o'brien+${randomUUID().slice(0, 8)}@example.com`;
      const first = await connector.upsertPerson(contextFor(sandbox), { email, lastName: "O'Brien" });
      const again = await connector.upsertPerson(contextFor(sandbox), { email });
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ id: first.id, created: false });
      const [match] = await connector.findPeople(contextFor(sandbox), { email });
      expect(match?.person).toMatchObject({ id: first.id, lastName: "O'Brien" });
    });

    it.each(["003' OR Id != '", '0035g0000000004AA', '../sobjects/User', ''])(
      'a person id %p is refused before any request',
      async (personId) => {
        sandbox.requests.clear();
        const ctx = contextFor(sandbox);
        await expectConnectorError(connector.getPerson(ctx, personId), 'invalid_request');
        await expectConnectorError(connector.listOrders(ctx, personId, 5), 'invalid_request');
        await expectConnectorError(connector.listNotes(ctx, personId, 5), 'invalid_request');
        await expectConnectorError(connector.listOpenCases(ctx, personId, 5), 'invalid_request');
        await expectConnectorError(
          connector.appendNote(ctx, { personId, title: 't', body: 'b', internal: true, idempotencyKey: 'k' }),
          'invalid_request',
        );
        expect(apiRequests(sandbox)).toEqual([]);
      },
    );
  });

  describe('people', () => {
    it('returns null for a deleted contact and for one that never existed', async () => {
      const ref = await connector.upsertPerson(contextFor(sandbox), {
        externalId: `gone-${randomUUID()}`,
        lastName: 'Gone',
      });
      await adminConnection(sandbox).sobject('Contact').destroy(ref.id);
      await expect(connector.getPerson(contextFor(sandbox), ref.id)).resolves.toBeNull();
      await expect(connector.getPerson(contextFor(sandbox), '0035g00000zzzzzAAA')).resolves.toBeNull();
    });

    it('concurrent upserts of one new email make one contact (duplicate rule resolves the race)', async () => {
      const email = `race-${randomUUID()}@example.com`;
      const refs = await Promise.all(
        Array.from({ length: 6 }, () => connector.upsertPerson(contextFor(sandbox), { email, firstName: 'Race' })),
      );
      expect(new Set(refs.map((ref) => ref.id)).size).toBe(1);
      expect(refs.filter((ref) => ref.created)).toHaveLength(1);
      expect(sandbox.records('Contact').filter((record) => record.Email === email)).toHaveLength(1);
      expect(sandbox.records('Contact').find((record) => record.Email === email)?.LastName).toBe(email.split('@')[0]);
    });

    it('adopts the existing contact of an email when an external id arrives for it', async () => {
      const email = `adopt-${randomUUID()}@example.com`;
      const existing = await connector.upsertPerson(contextFor(sandbox), { email, lastName: 'Existing' });
      const externalId = `adopt-${randomUUID()}`;
      const adopted = await connector.upsertPerson(contextFor(sandbox), { externalId, email, firstName: 'Ada' });
      expect(adopted).toMatchObject({ id: existing.id, created: false });
      const record = sandbox.records('Contact').find((r) => r.Id === existing.id);
      expect(record).toMatchObject({ External_Id__c: externalId, FirstName: 'Ada', LastName: 'Existing' });
      // Again: now a plain upsert by external id.
      await expect(connector.upsertPerson(contextFor(sandbox), { externalId, email })).resolves.toMatchObject({
        id: existing.id,
        created: false,
      });
    });

    it('updates the external id holder without stealing another contact’s email, and refuses a taken one', async () => {
      const holderKey = `holder-${randomUUID()}`;
      const holder = await connector.upsertPerson(contextFor(sandbox), {
        externalId: holderKey,
        email: `${holderKey}@example.com`,
        lastName: 'Holder',
      });
      const other = await connector.upsertPerson(contextFor(sandbox), {
        externalId: `other-${randomUUID()}`,
        email: `other-${randomUUID()}@example.com`,
        lastName: 'Other',
      });
      const otherEmail = sandbox.records('Contact').find((r) => r.Id === other.id)?.Email as string;
      const moved = await connector.upsertPerson(contextFor(sandbox), {
        externalId: holderKey,
        email: otherEmail,
        firstName: 'Moved',
      });
      expect(moved).toMatchObject({ id: holder.id, created: false });
      expect(sandbox.records('Contact').find((r) => r.Id === holder.id)).toMatchObject({
        FirstName: 'Moved',
        Email: `${holderKey}@example.com`,
      });
      // An email held by a contact with a different external id cannot be taken over.
      await expectConnectorError(
        connector.upsertPerson(contextFor(sandbox), { externalId: `third-${randomUUID()}`, email: otherEmail }),
        'conflict',
      );
    });

    it('uses a placeholder LastName only when creating', async () => {
      const externalId = `nameless-${randomUUID()}`;
      const created = await connector.upsertPerson(contextFor(sandbox), {
        externalId,
        email: `${externalId}@example.com`,
      });
      expect(sandbox.records('Contact').find((r) => r.Id === created.id)?.LastName).toBe(externalId);
      await adminConnection(sandbox).sobject('Contact').update({ Id: created.id, LastName: 'Real' });
      await connector.upsertPerson(contextFor(sandbox), { externalId, phone: '+14155550100' });
      expect(sandbox.records('Contact').find((r) => r.Id === created.id)).toMatchObject({
        LastName: 'Real',
        Phone: '+14155550100',
      });
    });

    it('refuses an upsert with nothing unique to key on', async () => {
      await expectConnectorError(
        connector.upsertPerson(contextFor(sandbox), { phone: '+14155550100' }),
        'invalid_request',
      );
    });
  });

  describe('notes in batches', () => {
    it('splits more than 200 notes into sObject Collections calls of 200 and sends a repeated key once', async () => {
      const personId = sandbox.contactIdFor(FIXTURE.japanese.key)!;
      const inputs: NoteInput[] = Array.from({ length: 205 }, (_, index) => ({
        personId,
        title: `Bulk ${index}`,
        body: `body ${index}`,
        internal: true,
        idempotencyKey: `bulk-${randomUUID()}`,
      }));
      inputs.push({ ...inputs[3] });
      sandbox.requests.clear();
      const outcomes = await connector.appendNotes(contextFor(sandbox), inputs);
      const calls = apiRequests(sandbox).filter((entry) => entry.path.includes('/composite/sobjects/Task/'));
      expect(calls).toHaveLength(2);
      expect(outcomes).toHaveLength(206);
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      const values = outcomes.map((outcome) => (outcome.ok ? outcome.value : undefined));
      expect(values[205]).toEqual({ ...values[3], created: false });
      expect(values.slice(0, 205).every((value) => value?.created)).toBe(true);
      expect(sandbox.records('Task').filter((record) => String(record.Subject).startsWith('Bulk '))).toHaveLength(205);
    });

    it('reports a bad person id as that record’s failure, not the batch’s', async () => {
      const personId = sandbox.contactIdFor(FIXTURE.english.key)!;
      const outcomes = await connector.appendNotes(contextFor(sandbox), [
        { personId, title: 'ok', body: 'ok', internal: true, idempotencyKey: `ok-${randomUUID()}` },
        { personId: 'nope', title: 'bad', body: 'bad', internal: true, idempotencyKey: `bad-${randomUUID()}` },
        {
          personId: '0015g0000000003AAA',
          title: 'account',
          body: 'x',
          internal: true,
          idempotencyKey: `acc-${randomUUID()}`,
        },
      ]);
      expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code))).toEqual([
        'ok',
        'invalid_request',
        'invalid_request',
      ]);
    });
  });

  describe('Outbound Messages (webhooks)', () => {
    let listener: Server;
    let received: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }>;
    let hooked: RunningSalesforceSandbox;

    beforeAll(async () => {
      received = [];
      listener = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received.push({
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks),
          });
          res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(OUTBOUND_ACK);
        });
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as AddressInfo).port;
      hooked = await startSalesforceSandbox({
        people: 10,
        webhook: {
          url: `http://127.0.0.1:${port}/hooks/salesforce`,
          secret: 'unused: Outbound Messages are not signed',
        },
      });
    });
    afterAll(async () => {
      await hooked.stop();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    });

    /** The first Outbound Message after `write` whose body contains `marker` (every write sends one). */
    async function capture(write: () => Promise<unknown>, marker = ''): Promise<WebhookRequest> {
      const before = received.length;
      await write();
      const find = () => received.slice(before).find((r) => r.body.toString('utf8').includes(marker));
      for (let i = 0; i < 100 && !find(); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const request = find()!;
      expect(request).toBeDefined();
      return {
        method: request.method,
        url: `http://127.0.0.1${request.url}`,
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
        ),
        rawBody: request.body,
      };
    }

    it('verifies and parses a Contact change the sandbox delivered, and Salesforce got its Ack', async () => {
      const personId = hooked.contactIdFor(FIXTURE.english.key)!;
      const request = await capture(() =>
        adminConnection(hooked).sobject('Contact').update({ Id: personId, Title: 'Buyer' }),
      );
      const events = await connector.parseWebhook(contextFor(hooked), request);
      expect(events).toEqual([
        {
          kind: 'person.changed',
          recordId: personId,
          personId,
          occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          eventId: expect.stringMatching(/^04l/),
          summary: null,
        },
      ]);
      // A redelivery is the same notification id: that, not a timestamp, is what dedupes it.
      await expect(connector.parseWebhook(contextFor(hooked), request)).resolves.toEqual(events);
      expect(hooked.outboundMessages().every((delivery) => delivery.status === 200)).toBe(true);
    });

    it('parses a case closed through the connector’s own case as case.solved', async () => {
      const personId = hooked.contactIdFor(FIXTURE.japanese.key)!;
      const ref = await connector.createCase(contextFor(hooked), {
        personId,
        subject: 'Webhook case',
        description: 'd',
        priority: 'high',
        idempotencyKey: `hook-${randomUUID()}`,
      });
      const request = await capture(
        () => adminConnection(hooked).sobject('Case').update({ Id: ref.id, Status: 'Closed' }),
        '<sf:Status>Closed</sf:Status>',
      );
      await expect(connector.parseWebhook(contextFor(hooked), request)).resolves.toEqual([
        expect.objectContaining({ kind: 'case.solved', recordId: ref.id, personId, summary: 'Closed' }),
      ]);
    });

    async function rejection(
      request: WebhookRequest,
      settings: Partial<SalesforceSettings> = {},
    ): Promise<WebhookRejectedError> {
      const error = await connector.parseWebhook(contextFor(hooked, { settings }), request).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(WebhookRejectedError);
      return error as WebhookRejectedError;
    }

    it('rejects another org, a tampered org id, a broken body, a GET, and a connector with no org id set', async () => {
      const request = await capture(() =>
        adminConnection(hooked)
          .sobject('Contact')
          .update({ Id: hooked.contactIdFor(FIXTURE.ambiguous.key)!, Title: 'x' }),
      );
      const body = request.rawBody.toString('utf8');
      // "Wrong secret": the connector is configured for another org.
      expect((await rejection(request, { organizationId: '00D5g0000000999AAA' })).reason).toBe('bad_signature');
      // Tampered body: a forged envelope naming another org.
      const forged = { ...request, rawBody: Buffer.from(body.replace(hooked.orgId, '00D5g0000000999AAA')) };
      expect((await rejection(forged)).reason).toBe('bad_signature');
      // Tampered body: the org id altered by one character (case matters in ids).
      const flipped = hooked.orgId.slice(0, 14) + (hooked.orgId[14] === 'A' ? 'a' : 'A') + hooked.orgId.slice(15);
      expect((await rejection({ ...request, rawBody: Buffer.from(body.replace(hooked.orgId, flipped)) })).reason).toBe(
        'bad_signature',
      );
      expect((await rejection({ ...request, rawBody: Buffer.from(body.slice(0, body.length / 2)) })).reason).toBe(
        'malformed',
      );
      expect((await rejection({ ...request, rawBody: Buffer.from(`<!DOCTYPE x>${body}`) })).reason).toBe('malformed');
      expect((await rejection({ ...request, method: 'GET' })).reason).toBe('malformed');
      const unconfigured = contextFor(hooked);
      const settingsWithoutOrg = { ...unconfigured.settings };
      delete settingsWithoutOrg.organizationId;
      await expect(
        connector.parseWebhook({ ...unconfigured, settings: settingsWithoutOrg }, request),
      ).rejects.toMatchObject({
        reason: 'bad_signature',
      });
      // The 15-character form of the right org id is the same org.
      await expect(
        connector.parseWebhook(
          contextFor(hooked, { settings: { organizationId: hooked.orgId.slice(0, 15) } }),
          request,
        ),
      ).resolves.toHaveLength(1);
    });

    it('has no timestamp to check: Outbound Messages carry none (replays dedupe on the notification id)', async () => {
      const request = await capture(() =>
        adminConnection(hooked)
          .sobject('Contact')
          .update({ Id: hooked.contactIdFor(FIXTURE.english.key)!, Title: 'y' }),
      );
      expect(request.rawBody.toString('utf8')).not.toMatch(/timestamp/i);
      expect(Object.keys(request.headers).filter((name) => /signature|timestamp/i.test(name))).toEqual([]);
    });
  });

  describe('multi-tenant isolation', () => {
    it('two orgs at once: every request carries its own org’s token', async () => {
      const other = await startSalesforceSandbox({ people: 20, seed: 2 });
      try {
        sandbox.requests.clear();
        other.requests.clear();
        const contexts = [sandbox, other].map((org) => ({
          org,
          contexts: Array.from({ length: 3 }, () => contextFor(org)),
        }));
        const calls = contexts.flatMap(({ org, contexts: list }) =>
          list.flatMap((ctx) => [
            connector.findPeople(ctx, { email: FIXTURE.english.email }),
            connector.listNotes(ctx, org.contactIdFor(FIXTURE.english.key)!, 5),
            connector.appendNote(ctx, {
              personId: org.contactIdFor(FIXTURE.english.key)!,
              title: 'tenant',
              body: 'tenant',
              internal: true,
              idempotencyKey: `tenant-${randomUUID()}`,
            }),
          ]),
        );
        await Promise.all(calls);
        for (const { org, contexts: list } of contexts) {
          const own = new Set(
            list.map(
              (ctx) => (ctx.session as unknown as { credentials: { accessToken: string } }).credentials.accessToken,
            ),
          );
          const entries = apiRequests(org);
          expect(entries.length).toBeGreaterThanOrEqual(9);
          for (const entry of entries) {
            expect(own.has(entry.credential ?? '')).toBe(true);
            expect(entry.status).toBeLessThan(400);
          }
        }
        // The English fixture is a different record in each org: no answer crossed over.
        const [mine] = await connector.findPeople(contextFor(sandbox), { email: FIXTURE.english.email });
        const [theirs] = await connector.findPeople(contextFor(other), { email: FIXTURE.english.email });
        expect(mine?.person.url?.startsWith(sandbox.baseUrl)).toBe(true);
        expect(theirs?.person.url?.startsWith(other.baseUrl)).toBe(true);
      } finally {
        await other.stop();
      }
    });
  });

  describe('errors are ConnectorErrors without secrets', () => {
    it('a refresh with a wrong secret says so without the secret or token', async () => {
      const settings = settingsFor(sandbox);
      const error = (await connector
        .refreshGrant(
          settings,
          { clientId: sandbox.credentials.clientId, clientSecret: 'sekrit-value', refreshToken: 'rt-value-123' },
          AbortSignal.timeout(5000),
        )
        .catch((caught: unknown) => caught)) as ConnectorError;
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error.code).toBe('auth_expired');
      expect(`${error.message} ${JSON.stringify(error.failure)}`).not.toMatch(/sekrit|rt-value/);
    });
  });
});
