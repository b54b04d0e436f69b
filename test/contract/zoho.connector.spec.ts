/**
 * Zoho-specific behaviour over real HTTP against the Zoho sandbox: notifications, paging past one page, the
 * vendor hazards the thin REST client handles, the criteria injection corpus against the sandbox's own parser, and
 * tenant isolation.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError, WebhookRejectedError } from '../../src/connectors/connector.errors';
import type { ConnectionContext } from '../../src/connectors/crm-connector.port';
import type { NoteInput, WebhookRequest } from '../../src/connectors/crm.types';
import { InMemoryAuthSession } from '../../src/connectors/in-memory-auth-session';
import { ZohoConnector } from '../../src/connectors/zoho/zoho.connector';
import { zohoSettingsSchema, type ZohoCredentials, type ZohoSettings } from '../../src/connectors/zoho/zoho.descriptor';
import { FIXTURE } from '../sandbox/common/seed-data';
import { escapeCriteriaValue as sandboxEscape } from '../sandbox/zoho/zoho-criteria';
import { q, zohoApi, type ZohoApi } from '../sandbox/zoho/zoho-test-client';
import { DEFAULT_CHANNEL_ID, startZohoSandbox, type ZohoRunningSandbox } from '../sandbox/zoho/zoho.sandbox';
import { expectConnectorError } from './crm-connector.contract';

type Ctx = ConnectionContext<ZohoSettings, ZohoCredentials> & { session: InMemoryAuthSession<ZohoCredentials> };

const connector = new ZohoConnector();

function settingsFor(
  sandbox: ZohoRunningSandbox,
  overrides: Partial<Record<keyof ZohoSettings, unknown>> = {},
): ZohoSettings {
  return zohoSettingsSchema.parse({
    accountsUrl: sandbox.settings.accountsUrl,
    apiDomain: sandbox.settings.apiDomain,
    notificationChannelId: sandbox.settings.notificationChannelId,
    ...overrides,
  });
}

/** A connection with its own refresh token (its own authorisation), as the service would hold it. */
function connect(
  sandbox: ZohoRunningSandbox,
  options: { settings?: ZohoSettings; credentials?: Partial<ZohoCredentials>; timeoutMs?: number } = {},
): Ctx {
  const settings = options.settings ?? settingsFor(sandbox);
  const session = new InMemoryAuthSession<ZohoCredentials>(
    {
      clientId: sandbox.credentials.clientId,
      clientSecret: sandbox.credentials.clientSecret,
      refreshToken: sandbox.issueRefreshToken(),
      ...options.credentials,
    },
    (credentials) => connector.refreshGrant(settings, credentials, AbortSignal.timeout(5000)),
  );
  return {
    workspaceId: `ws-${randomUUID().slice(0, 8)}`,
    connectorId: 'conn-zoho',
    kind: 'zoho',
    settings,
    auth: session,
    session,
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  };
}

/** A fresh deadline on the same connection (contexts are per call). */
function again(ctx: Ctx, timeoutMs = 15_000): Ctx {
  return { ...ctx, signal: AbortSignal.timeout(timeoutMs) };
}

interface Captured {
  request: WebhookRequest;
  body: Record<string, unknown>;
}

/** The notify_url: records every callback exactly as it arrived (raw bytes, headers, URL). */
async function listener(): Promise<{ url: string; received: Captured[]; close(): Promise<void> }> {
  const received: Captured[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      received.push({
        request: { method: req.method ?? 'POST', url: `http://${req.headers.host}${req.url}`, headers, rawBody },
        body: JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function tampered(captured: Captured, patch: Record<string, unknown>): WebhookRequest {
  return { ...captured.request, rawBody: Buffer.from(JSON.stringify({ ...captured.body, ...patch }), 'utf8') };
}

describe('Zoho connector against the sandbox', () => {
  let sandbox: ZohoRunningSandbox;
  let api: ZohoApi;
  let hook: Awaited<ReturnType<typeof listener>>;
  const notificationToken = 'ntok-3f9c1b7a2e';

  beforeAll(async () => {
    hook = await listener();
    sandbox = await startZohoSandbox({
      people: 40,
      webhook: { url: `${hook.url}/zoho?tenant=t1`, secret: notificationToken },
    });
    api = await zohoApi(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
    await hook.close();
  });
  afterEach(() => sandbox.faults.reset());

  async function emma(ctx: Ctx): Promise<string> {
    const [match] = await connector.findPeople(again(ctx), { email: FIXTURE.english.email });
    return match.person.id;
  }

  describe('notifications (parseWebhook)', () => {
    let ctx: Ctx;
    beforeAll(() => {
      ctx = connect(sandbox, { credentials: { notificationToken } });
    });
    beforeEach(() => {
      hook.received.length = 0;
    });

    async function captureContactChange(): Promise<{ captured: Captured; id: string }> {
      const ref = await connector.upsertPerson(again(ctx), {
        externalId: `hook-${randomUUID()}`,
        email: `hook-${randomUUID()}@example.com`,
        firstName: 'Hook',
        lastName: 'Seen',
      });
      await sandbox.notifications.flush();
      const captured = hook.received.find((item) => (item.body.ids as string[]).includes(ref.id));
      expect(captured).toBeDefined();
      return { captured: captured!, id: ref.id };
    }

    it('accepts a real callback (token and channel_id match) and maps it to person.changed', async () => {
      const { captured, id } = await captureContactChange();
      expect(captured.request.url).toMatch(/\/zoho\?tenant=t1$/);
      const events = await connector.parseWebhook(again(ctx), captured.request);
      expect(events).toEqual([
        {
          kind: 'person.changed',
          recordId: id,
          personId: id,
          occurredAt: new Date(captured.body.server_time as number).toISOString(),
          eventId: expect.stringContaining(id),
          summary: null,
        },
      ]);
    });

    it('rejects a tampered token, a foreign channel, a wrong stored secret, a missing secret and junk', async () => {
      const { captured } = await captureContactChange();
      const rejected = async (request: WebhookRequest, context: Ctx, reason: WebhookRejectedError['reason']) => {
        const error = await connector.parseWebhook(again(context), request).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(WebhookRejectedError);
        expect((error as WebhookRejectedError).reason).toBe(reason);
      };
      await rejected(tampered(captured, { token: `${notificationToken}x` }), ctx, 'bad_signature');
      await rejected(tampered(captured, { token: null }), ctx, 'bad_signature');
      await rejected(tampered(captured, { channel_id: '1000000068002' }), ctx, 'bad_signature');
      await rejected(
        captured.request,
        connect(sandbox, { credentials: { notificationToken: 'another-secret' } }),
        'bad_signature',
      );
      await rejected(captured.request, connect(sandbox), 'bad_signature');
      await rejected({ ...captured.request, rawBody: Buffer.from('{"module":') }, ctx, 'malformed');
      await rejected({ ...captured.request, rawBody: Buffer.from('{"hello":"world"}') }, ctx, 'malformed');
    });

    it('has no signed timestamp to hold a replay window against: server_time is unsigned body data', async () => {
      // Documented choice (see parseWebhook): anyone replaying a callback could rewrite server_time, and a replayed
      // callback only makes the consumer re-read records by id. The same bytes are accepted days later.
      const { captured } = await captureContactChange();
      const old = tampered(captured, { server_time: Date.now() - 3 * 86_400_000 });
      await expect(connector.parseWebhook(again(ctx), old)).resolves.toHaveLength(1);
    });

    it('maps case callbacks, and a channel returning affected values turns a close into case.solved', async () => {
      const watched = await api.post('/actions/watch', {
        watch: [
          {
            channel_id: '1000000068077',
            events: ['Cases.edit'],
            notify_url: `${hook.url}/zoho/cases`,
            token: notificationToken,
            return_affected_field_values: true,
          },
        ],
      });
      expect(watched.status).toBe(201);
      const caseCtx = connect(sandbox, {
        settings: settingsFor(sandbox, { notificationChannelId: '1000000068077' }),
        credentials: { notificationToken },
      });
      const personId = await emma(caseCtx);
      const ref = await connector.createCase(again(caseCtx), {
        personId,
        subject: 'Hook case',
        description: 'd',
        priority: 'normal',
        idempotencyKey: `hook-case-${randomUUID()}`,
      });
      await api.put(`/Cases/${ref.id}`, { data: [{ Status: 'Closed' }] });
      await sandbox.notifications.flush();
      const callback = hook.received.find((item) => item.request.url.endsWith('/zoho/cases'));
      expect(callback).toBeDefined();
      const events = await connector.parseWebhook(again(caseCtx), callback!.request);
      expect(events).toEqual([expect.objectContaining({ kind: 'case.solved', recordId: ref.id, summary: 'Closed' })]);
      // The default channel's callback for the same change (no affected values) is a plain case.updated.
      const plain = hook.received.find(
        (item) =>
          item.body.module === 'Cases' &&
          item.body.operation === 'update' &&
          item.body.channel_id === DEFAULT_CHANNEL_ID,
      );
      await expect(connector.parseWebhook(again(ctx), plain!.request)).resolves.toEqual([
        expect.objectContaining({ kind: 'case.updated', recordId: ref.id, personId: null }),
      ]);
    });
  });

  describe('paging beyond one page', () => {
    it('listChanges walks 250 changes in pages of 200, including more than a page within one second', async () => {
      const ctx = connect(sandbox);
      const start = await connector.listChanges(again(ctx), null);
      const stamp = randomUUID().slice(0, 8);
      const ids: string[] = [];
      const seconds = new Set<string>();
      for (let batch = 0; batch < 3; batch += 1) {
        const created = await api.post('/Contacts', {
          data: Array.from({ length: batch < 2 ? 100 : 50 }, (_, i) => ({ Last_Name: `Bulk ${stamp} ${batch}-${i}` })),
        });
        expect(created.status).toBe(201);
        for (const entry of created.body.data as Array<{ details: { id: string; Modified_Time: string } }>) {
          ids.push(entry.details.id);
          seconds.add(entry.details.Modified_Time);
        }
      }
      sandbox.requests.clear();
      let cursor = start.cursor;
      const seen: string[] = [];
      let pages = 0;
      for (; pages < 10; pages += 1) {
        const page = await connector.listChanges(again(ctx), cursor);
        seen.push(
          ...page.changes.filter((change) => change.kind === 'person.changed').map((change) => change.recordId),
        );
        cursor = page.cursor;
        if (!page.hasMore) {
          break;
        }
      }
      expect(pages).toBeGreaterThanOrEqual(1);
      expect(ids.every((id) => seen.includes(id))).toBe(true);
      // Each change is reported once, although every page re-reads the cursor's last second.
      expect(seen.filter((id) => ids.includes(id))).toHaveLength(ids.length);
      if (seconds.size === 1) {
        // All 250 share one second: past the first page only the page token gets further.
        const reads = sandbox.requests.entries({ pathIncludes: '/crm/v8/Contacts', method: 'GET' });
        expect(reads.some((entry) => typeof entry.query.page_token === 'string')).toBe(true);
      }
      // Until the last second has settled, each pass re-reads it (here: more than a page of already-seen records).
      for (let idle = 0; idle < 5; idle += 1) {
        const page = await connector.listChanges(again(ctx), cursor);
        expect(page.changes).toEqual([]);
        cursor = page.cursor;
        if (!page.hasMore) {
          break;
        }
      }
    });

    it('If-Modified-Since with nothing changed: Zoho answers 304 without a body, read as an empty page', async () => {
      const quiet = await startZohoSandbox({ seed: false });
      try {
        const ctx = connect(quiet);
        const start = await connector.listChanges(again(ctx), null);
        quiet.requests.clear();
        const page = await connector.listChanges(again(ctx), start.cursor);
        expect(page).toEqual({ changes: [], cursor: start.cursor, hasMore: false });
        expect(quiet.requests.entries({ pathIncludes: '/crm/v8/' }).map((entry) => [entry.path, entry.status])).toEqual(
          [
            ['/crm/v8/Contacts', 304],
            ['/crm/v8/Cases', 304],
          ],
        );
      } finally {
        await quiet.stop();
      }
    });

    it('lists notes and open cases across related-list pages, newest first, and finds a marker 250 notes deep', async () => {
      const ctx = connect(sandbox);
      const created = await api.post('/Contacts', {
        data: [{ Last_Name: 'Many Notes', Email: `many-${randomUUID()}@example.com` }],
      });
      const personId = created.body.data[0].details.id as string;
      const buried: NoteInput = {
        personId,
        title: 'Buried transcript',
        body: 'first',
        internal: true,
        idempotencyKey: `buried-${randomUUID()}`,
      };
      const first = await connector.appendNote(again(ctx), buried);
      expect(first.created).toBe(true);
      for (let batch = 0; batch < 3; batch += 1) {
        const notes = await api.post(`/Contacts/${personId}/Notes`, {
          data: Array.from({ length: batch < 2 ? 100 : 50 }, (_, i) => ({
            Note_Title: `n${batch}-${i}`,
            Note_Content: 'x',
          })),
        });
        expect(notes.status).toBe(201);
      }
      sandbox.requests.clear();
      const again1 = await connector.appendNote(again(ctx), buried);
      expect(again1).toMatchObject({ id: first.id, created: false });
      expect(sandbox.requests.entries({ pathIncludes: `/Contacts/${personId}/Notes`, method: 'GET' })).toHaveLength(2);
      expect(sandbox.requests.entries({ method: 'POST' })).toHaveLength(0);

      const listed = await connector.listNotes(again(ctx), personId, 240);
      expect(listed).toHaveLength(240);
      const times = listed.map((note) => note.createdAt ?? '');
      expect([...times].sort().reverse()).toEqual(times);
      expect(listed.every((note) => note.private)).toBe(true);

      const cases = await api.post('/Cases', {
        data: Array.from({ length: 100 }, (_, i) => ({
          Subject: `Case ${i}`,
          Status: i % 2 === 0 ? 'Closed' : i % 3 === 0 ? 'On Hold' : 'New',
          Related_To: { id: personId },
        })),
      });
      expect(cases.status).toBe(201);
      await api.post('/Cases', {
        data: Array.from({ length: 100 }, (_, i) => ({
          Subject: `Closed ${i}`,
          Status: 'Closed',
          Related_To: { id: personId },
        })),
      });
      await api.post('/Cases', {
        data: [{ Subject: 'Oldest-looking but newest open', Status: 'Escalated', Related_To: { id: personId } }],
      });
      const open = await connector.listOpenCases(again(ctx), personId, 100);
      expect(open).toHaveLength(51);
      expect(open.every((item) => item.state === 'open' || item.state === 'pending')).toBe(true);
      expect(open.filter((item) => item.status === 'On Hold').every((item) => item.state === 'pending')).toBe(true);
      expect(open[0].subject).toBe('Oldest-looking but newest open');
    });
  });

  describe('writes are idempotent in the CRM itself', () => {
    it('a case whose response was lost is found again by its key: one record, created reported once', async () => {
      const ctx = connect(sandbox);
      const personId = await emma(ctx);
      const key = `lost-${randomUUID()}`;
      const input = {
        personId,
        subject: 'Parcel lost (lost response)',
        description: 'Escalated from chat.',
        priority: 'urgent' as const,
        transcript: 'Visitor: (hello), is it here?\nAgent: checking',
        idempotencyKey: key,
      };
      sandbox.faults.set({ resetAfterCommitRate: 1, pathFilter: /\/Cases\/upsert$/ });
      await expectConnectorError(connector.createCase(again(ctx), input), 'unavailable');
      sandbox.faults.reset();
      const retried = await connector.createCase(again(ctx), input);
      expect(retried.created).toBe(false);
      const fresh = await connector.createCase(again(ctx), { ...input, idempotencyKey: `${key}-other` });
      expect(fresh.created).toBe(true);

      const stored = await api.get(`/Cases/${retried.id}`);
      expect(stored.body.data[0]).toMatchObject({
        Chat_Session_Key: key,
        Priority: 'High',
        Status: 'New',
        Related_To: expect.objectContaining({ id: personId }),
      });
      expect(stored.body.data[0].Description).toContain('Visitor: (hello), is it here?');
      const sameKey = await api.get(
        `/Cases/search${q({ criteria: `(Chat_Session_Key:equals:${sandboxEscape(key)})` })}`,
      );
      expect(
        sameKey.body.data.filter((record: { Chat_Session_Key: string }) => record.Chat_Session_Key === key),
      ).toHaveLength(1);
    });

    it('a note whose response was lost is found by its title marker, even by a new connector instance', async () => {
      const ctx = connect(sandbox);
      const personId = await emma(ctx);
      const note: NoteInput = {
        personId,
        title: 'Chat transcript with a very long title '.repeat(5),
        body: 'Visitor: hi',
        internal: false,
        idempotencyKey: `note key with spaces and ] brackets ${randomUUID()}`,
      };
      sandbox.journal.clear();
      sandbox.faults.set({ resetAfterCommitRate: 1, pathFilter: /\/Notes$/ });
      await expectConnectorError(connector.appendNote(again(ctx), note), 'unavailable');
      sandbox.faults.reset();
      const retried = await new ZohoConnector().appendNote(again(ctx), note);
      expect(retried.created).toBe(false);
      expect(sandbox.journal.entries({ object: 'Notes' })).toHaveLength(1);
      const [listed] = (await connector.listNotes(again(ctx), personId, 5)).filter((item) => item.id === retried.id);
      expect(listed.title!.length).toBeLessThanOrEqual(120);
      expect(listed.title).toMatch(/^Chat transcript with a very long title/);
    });

    it('an upsert by email does not overwrite the names of the existing contact', async () => {
      const ctx = connect(sandbox);
      const ref = await connector.upsertPerson(again(ctx), { email: FIXTURE.japanese.email });
      expect(ref.created).toBe(false);
      expect(await connector.getPerson(again(ctx), ref.id)).toMatchObject({ firstName: '雪', lastName: '田中' });
      const created = await connector.upsertPerson(again(ctx), { email: `nameless-${randomUUID()}@example.com` });
      expect(created.created).toBe(true);
      expect(await connector.getPerson(again(ctx), created.id)).toMatchObject({
        lastName: expect.stringMatching(/^nameless-/),
      });
    });

    it('appendNotes writes the same key once within one batch and reports unknown contacts per record', async () => {
      const ctx = connect(sandbox);
      const personId = await emma(ctx);
      const key = `dup-${randomUUID()}`;
      const base = { personId, title: 'Batch', body: 'b', internal: true };
      const outcomes = await connector.appendNotes(again(ctx), [
        { ...base, idempotencyKey: key },
        { ...base, idempotencyKey: key },
        { ...base, personId: '5725767000999999999', idempotencyKey: `${key}-ghost` },
      ]);
      expect(outcomes[0]).toMatchObject({ ok: true, value: { created: true } });
      expect(outcomes[1]).toMatchObject({ ok: true, value: { created: false } });
      expect(outcomes[0].ok && outcomes[1].ok && outcomes[0].value.id === outcomes[1].value.id).toBe(true);
      expect(outcomes[2]).toMatchObject({ ok: false, error: { code: 'not_found' } });
    });
  });

  describe('criteria injection corpus against the sandbox parser', () => {
    const corpus = [
      'x)or(Last_Name:starts_with:',
      'A,B',
      'back\\slash\\',
      '\\',
      '(paren)',
      ')(',
      'semi;colon&amp=1+2',
      "o'brien",
      '"quoted"',
      'a:equals:b',
      'x) and (Email:starts_with:a',
      '%28%29%2C',
      '名前(テスト),値',
      'tab\there',
    ];

    it.each(corpus)('external id %p is found exactly, and nothing else is', async (value) => {
      const ctx = connect(sandbox);
      const externalId = `inj-${value}`;
      const ref = await connector.upsertPerson(again(ctx), { externalId, lastName: 'Injection' });
      sandbox.requests.clear();
      const matches = await connector.findPeople(again(ctx), { externalId });
      expect(matches.map((match) => [match.person.id, match.matchedBy])).toEqual([[ref.id, 'external_id']]);
      const searches = sandbox.requests.entries({ pathIncludes: '/Contacts/search' });
      expect(searches.length).toBeGreaterThan(0);
      expect(searches.every((entry) => entry.status === 200 || entry.status === 204)).toBe(true);
      // A prefix of the value must not match the record (equals is loose; the re-check is not).
      await expect(connector.findPeople(again(ctx), { externalId: externalId.slice(0, -1) || 'x' })).resolves.toEqual(
        [],
      );
    });

    it.each(corpus.map((value) => `${value}@example.com`))(
      'email %p never errors and never matches loosely',
      async (email) => {
        const ctx = connect(sandbox);
        sandbox.requests.clear();
        const matches = await connector.findPeople(again(ctx), { email: email.toLowerCase(), phone: '+14155552671' });
        expect(sandbox.requests.entries({ pathIncludes: '/search' }).every((entry) => entry.status < 300)).toBe(true);
        expect(
          matches.every((match) => match.matchedBy === 'phone' && match.person.emails[0] === FIXTURE.english.email),
        ).toBe(true);
      },
    );
  });

  describe('phones', () => {
    it('finds a phone stored in an unusual format through the ?phone= digits fallback (2 calls)', async () => {
      const ctx = connect(sandbox);
      const created = await api.post('/Contacts', {
        data: [
          { Last_Name: 'Dotted', Mobile: '415.867.5309' },
          { Last_Name: 'Neighbour', Mobile: '415.867.5308' },
        ],
      });
      sandbox.requests.clear();
      const matches = await connector.findPeople(again(ctx), { phone: '+14158675309' });
      expect(matches.map((match) => [match.person.id, match.matchedBy])).toEqual([
        [created.body.data[0].details.id, 'phone'],
      ]);
      const searches = sandbox.requests.entries({ pathIncludes: '/Contacts/search' });
      expect(
        searches.map((entry) => Object.keys(entry.query).filter((key) => key === 'criteria' || key === 'phone')),
      ).toEqual([['criteria'], ['phone']]);
    });

    it('costs one call when a rendering matched', async () => {
      const ctx = connect(sandbox);
      sandbox.requests.clear();
      const matches = await connector.findPeople(again(ctx), {
        phone: FIXTURE.japanese.phoneE164,
        email: FIXTURE.japanese.email,
      });
      expect(matches).toHaveLength(1);
      expect(matches[0].matchedBy).toBe('email');
      expect(sandbox.requests.entries({ pathIncludes: '/search' })).toHaveLength(1);
    });
  });

  describe('vendor hazards the thin client handles', () => {
    it('sends calls to the api_domain of the grant, not to the configured domain (Zoho multi-DC)', async () => {
      const ctx = connect(sandbox, { settings: settingsFor(sandbox, { apiDomain: 'http://127.0.0.1:9' }) });
      await expect(connector.verify(ctx)).resolves.toEqual({ account: 'Chat Bridge Sandbox Org' });
      expect(ctx.session.refreshes).toBe(1);
    });

    it('reads 204-without-content-type as "nothing": unknown contact, empty related lists', async () => {
      const ctx = connect(sandbox);
      await expect(connector.getPerson(again(ctx), '5725767000999999998')).resolves.toBeNull();
      await expect(connector.getPerson(again(ctx), 'not-an-id')).resolves.toBeNull();
      const created = await api.post('/Contacts', { data: [{ Last_Name: 'Empty' }] });
      const id = created.body.data[0].details.id as string;
      await expect(connector.listNotes(again(ctx), id, 10)).resolves.toEqual([]);
      await expect(connector.listOrders(again(ctx), id, 10)).resolves.toEqual([]);
      await expect(connector.listOpenCases(again(ctx), id, 10)).resolves.toEqual([]);
    });

    it('a related list of a contact that is gone → not_found', async () => {
      const ctx = connect(sandbox);
      await expectConnectorError(connector.listNotes(again(ctx), '5725767000999999997', 10), 'not_found');
    });

    it('the accounts server answers refusals with HTTP 200 {error}: auth_expired, never a crash', async () => {
      const ctx = connect(sandbox, { credentials: { refreshToken: 'zo-rt-never-issued' } });
      const error = await expectConnectorError(connector.verify(ctx), 'auth_expired');
      expect(error.details.vendorCode).toBe('invalid_code');
      expect(error.message).not.toContain('zo-rt-never-issued');
      expect(error.message).not.toContain(sandbox.credentials.clientSecret);
    });

    it('the 10-tokens-per-10-minutes throttle → rate_limited for the rest of the window', async () => {
      const limited = await startZohoSandbox({ seed: false, tokenGrantLimit: { count: 1, windowMs: 600_000 } });
      try {
        const ctx = connect(limited);
        await connector.verify(ctx);
        limited.expireAllTokens();
        const error = await expectConnectorError(connector.verify(again(ctx)), 'rate_limited');
        expect(error.failure.retryAfterMs).toBe(600_000);
      } finally {
        await limited.stop();
      }
    });

    it('spent API credits → quota_exhausted; the concurrency limit → rate_limited', async () => {
      const small = await startZohoSandbox({
        seed: false,
        limits: { dailyQuota: 3 },
        concurrencyLimit: 1,
      });
      try {
        const ctx = connect(small);
        await connector.verify(ctx);
        small.faults.set({ latency: { kind: 'fixed', ms: 300 } });
        const results = await Promise.allSettled([connector.verify(again(ctx)), connector.verify(again(ctx))]);
        const refused = results.find((result) => result.status === 'rejected');
        expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(ConnectorError);
        expect(((refused as PromiseRejectedResult).reason as ConnectorError).code).toBe('rate_limited');
        small.faults.reset();
        await connector.verify(again(ctx)).catch(() => undefined);
        await expectConnectorError(connector.verify(again(ctx)), 'quota_exhausted');
      } finally {
        await small.stop();
      }
    });

    it('a 401 is retried once with a refreshed token; the retry also failing → auth_expired', async () => {
      const ctx = connect(sandbox);
      await connector.verify(ctx);
      sandbox.faults.set({ errorRates: { 401: 1 }, pathFilter: /\/crm\/v8\/org$/ });
      sandbox.requests.clear();
      await expectConnectorError(connector.verify(again(ctx)), 'auth_expired');
      expect(sandbox.requests.entries({ pathIncludes: '/crm/v8/org' })).toHaveLength(2);
      expect(ctx.session.refreshes).toBe(2);
    });

    it('keeps the caller’s deadline while a refresh is slow', async () => {
      const ctx = connect(sandbox, { timeoutMs: 300 });
      sandbox.faults.set({ latency: { kind: 'fixed', ms: 2000 }, pathFilter: /^\/oauth\// });
      const started = Date.now();
      await expectConnectorError(connector.verify(ctx), 'timeout');
      expect(Date.now() - started).toBeLessThan(1500);
    });
  });

  describe('tenant isolation', () => {
    it('two tenants in two orgs, interleaved and concurrent: every request carries its own tenant’s token', async () => {
      const other = await startZohoSandbox({ people: 20, seed: 7 });
      try {
        const tenants = [connect(sandbox), connect(other)];
        sandbox.requests.clear();
        other.requests.clear();
        const work = tenants.flatMap((ctx, t) =>
          Array.from({ length: 12 }, (_, i) => {
            const call = again(ctx);
            switch (i % 4) {
              case 0:
                return connector.findPeople(call, { email: FIXTURE.english.email });
              case 1:
                return connector.verify(call);
              case 2:
                return connector.upsertPerson(call, { externalId: `iso-${t}-${i}-${randomUUID()}`, lastName: 'Iso' });
              default:
                return connector.listChanges(call, null);
            }
          }),
        );
        const results = await Promise.allSettled(work);
        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
        const [a, b] = tenants as [Ctx, Ctx];
        const tokenA = (await a.session.current()).accessToken;
        const tokenB = (await b.session.current()).accessToken;
        expect(tokenA).not.toBe(tokenB);
        const logA = sandbox.requests.entries().filter((entry) => entry.path.startsWith('/crm/'));
        const logB = other.requests.entries().filter((entry) => entry.path.startsWith('/crm/'));
        expect(logA.length).toBeGreaterThan(0);
        expect(logB.length).toBeGreaterThan(0);
        expect(logA.every((entry) => entry.credential === tokenA && entry.status < 400)).toBe(true);
        expect(logB.every((entry) => entry.credential === tokenB && entry.status < 400)).toBe(true);
      } finally {
        await other.stop();
      }
    });
  });
});
