/**
 * Zendesk-specific behaviour over real HTTP: the connector (node-zendesk 6.0.1 underneath) against the Zendesk
 * sandbox. Webhook verification with deliveries the sandbox signs, pagination past one page, every node-zendesk
 * hazard the client handles, the search-escaping corpus against the sandbox's query parser, tenant isolation, OAuth.
 */
import { randomUUID, createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'node-zendesk';
import { ConnectorError, WebhookRejectedError } from '../../src/connectors/connector.errors';
import type { AuthSession, ConnectionContext } from '../../src/connectors/crm-connector.port';
import type { NoteInput, WebhookRequest } from '../../src/connectors/crm.types';
import { InMemoryAuthSession } from '../../src/connectors/in-memory-auth-session';
import { zendeskApi } from '../../src/connectors/zendesk/zendesk.client';
import { ZendeskConnector } from '../../src/connectors/zendesk/zendesk.connector';
import type {
  ZendeskApiTokenCredentials,
  ZendeskCredentials,
  ZendeskSettings,
} from '../../src/connectors/zendesk/zendesk.descriptor';
import { FIXTURE } from '../sandbox/common/seed-data';
import { raw } from '../sandbox/zendesk/test-helpers';
import {
  startZendeskSandbox,
  type ZendeskSandbox,
  type ZendeskSandboxOptions,
} from '../sandbox/zendesk/zendesk.sandbox';
import { expectConnectorError } from './crm-connector.contract';

type Ctx = ConnectionContext<ZendeskSettings, ZendeskCredentials>;

const connector = new ZendeskConnector();
const SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';

function settingsOf(sb: ZendeskSandbox, extra: Partial<ZendeskSettings> = {}): ZendeskSettings {
  return { endpointUri: sb.settings.endpointUri, ...extra };
}

function tokenCredentials(sb: ZendeskSandbox, extra: Partial<ZendeskApiTokenCredentials> = {}): ZendeskCredentials {
  return { email: sb.credentials.email, apiToken: sb.credentials.apiToken, webhookSecret: SECRET, ...extra };
}

function ctxFor(
  sb: ZendeskSandbox,
  options: {
    credentials?: ZendeskCredentials;
    settings?: Partial<ZendeskSettings>;
    timeoutMs?: number;
    session?: AuthSession<ZendeskCredentials>;
  } = {},
): Ctx {
  return {
    workspaceId: 'ws-zendesk',
    connectorId: 'conn-zendesk',
    kind: 'zendesk',
    settings: settingsOf(sb, options.settings),
    auth:
      options.session ??
      new InMemoryAuthSession<ZendeskCredentials>(options.credentials ?? tokenCredentials(sb), undefined),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  };
}

function oauthSession(sb: ZendeskSandbox, refreshToken = sb.credentials.refreshToken) {
  return new InMemoryAuthSession<ZendeskCredentials>(
    { clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret, refreshToken },
    (credentials) => connector.refreshGrant(settingsOf(sb), credentials, AbortSignal.timeout(5000)),
  );
}

async function waitForJob(sb: ZendeskSandbox, jobId: string): Promise<any> {
  for (let i = 0; i < 100; i += 1) {
    const { json } = await raw(sb, 'GET', `/api/v2/job_statuses/${jobId}.json`);
    if (json.job_status.status === 'completed') {
      return json.job_status;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('job did not complete');
}

async function newPerson(sb: ZendeskSandbox, label = 'person'): Promise<string> {
  const email = `${label}-${randomUUID()}@example.com`;
  const ref = await connector.upsertPerson(ctxFor(sb), { email, firstName: 'Test', lastName: label });
  return ref.id;
}

// --- webhooks -------------------------------------------------------------------------------------------------------

describe('Zendesk connector: webhooks signed by the sandbox', () => {
  let receiver: Server;
  let received: WebhookRequest[];
  let sb: ZendeskSandbox;

  beforeAll(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        received.push({ method: req.method ?? 'POST', url: req.url ?? '/', headers, rawBody: Buffer.concat(chunks) });
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    sb = await startZendeskSandbox({
      people: 10,
      webhook: { url: `http://127.0.0.1:${port}/hooks/zendesk`, secret: SECRET },
    });
  });
  afterAll(async () => {
    await sb.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function deliveries(): Promise<WebhookRequest[]> {
    await sb.flushWebhooks();
    const out = [...received];
    received.length = 0;
    return out;
  }

  it('verifies and maps a case’s lifecycle: created, internal transcript, solved, public agent reply', async () => {
    const personId = await newPerson(sb, 'hook');
    const ctx = ctxFor(sb);
    const ref = await connector.createCase(ctx, {
      personId,
      subject: 'Order not delivered',
      description: 'Escalated from chat.',
      priority: 'urgent',
      transcript: 'Visitor: where is it?',
      idempotencyKey: `hook-${randomUUID()}`,
    });
    const created = await deliveries();
    const createdEvents = await Promise.all(created.map((request) => connector.parseWebhook(ctx, request)));
    expect(createdEvents.flat()).toEqual([
      expect.objectContaining({ kind: 'case.updated', recordId: ref.id, personId, summary: 'new' }),
      // The transcript is an internal comment: an update, not an agent reply.
      expect.objectContaining({ kind: 'case.updated', recordId: ref.id, personId }),
    ]);

    await raw(sb, 'PUT', `/api/v2/tickets/${ref.id}.json`, { body: { ticket: { status: 'solved' } } });
    await raw(sb, 'PUT', `/api/v2/tickets/${ref.id}.json`, {
      body: { ticket: { comment: { body: 'It left the warehouse today.', public: true } } },
    });
    const later = await deliveries();
    const events = (await Promise.all(later.map((request) => connector.parseWebhook(ctx, request)))).flat();
    expect(events).toEqual([
      expect.objectContaining({ kind: 'case.solved', recordId: ref.id, personId, summary: 'solved' }),
      expect.objectContaining({
        kind: 'case.agent_replied',
        recordId: ref.id,
        summary: 'It left the warehouse today.',
      }),
    ]);
    expect(events.every((event) => typeof event.eventId === 'string' && event.eventId.length > 0)).toBe(true);
  });

  it('maps note tickets to nothing (they are the connector’s own writes)', async () => {
    const personId = await newPerson(sb, 'hook-note');
    await connector.appendNote(ctxFor(sb), {
      personId,
      title: 'Chat transcript',
      body: 'Visitor: hi',
      internal: true,
      idempotencyKey: `hook-note-${randomUUID()}`,
    });
    const [delivery] = await deliveries();
    await expect(connector.parseWebhook(ctxFor(sb), delivery)).resolves.toEqual([]);
  });

  describe('rejections', () => {
    let genuine: WebhookRequest;

    beforeAll(async () => {
      const personId = await newPerson(sb, 'hook-reject');
      await connector.createCase(ctxFor(sb), {
        personId,
        subject: 'x',
        description: 'y',
        priority: 'low',
        idempotencyKey: `hook-reject-${randomUUID()}`,
      });
      [genuine] = (await deliveries()) as [WebhookRequest];
    });

    const resign = (request: WebhookRequest, timestamp: string, secret = SECRET): WebhookRequest => ({
      ...request,
      headers: {
        ...request.headers,
        'x-zendesk-webhook-signature-timestamp': timestamp,
        'x-zendesk-webhook-signature': createHmac('sha256', secret)
          .update(timestamp + request.rawBody.toString('utf8'))
          .digest('base64'),
      },
    });

    async function rejection(request: WebhookRequest, ctx = ctxFor(sb)): Promise<WebhookRejectedError> {
      const error = await connector.parseWebhook(ctx, request).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(WebhookRejectedError);
      return error as WebhookRejectedError;
    }

    it('accepts the genuine delivery', async () => {
      await expect(connector.parseWebhook(ctxFor(sb), genuine)).resolves.toHaveLength(1);
    });

    it('rejects a tampered body', async () => {
      const tampered = { ...genuine, rawBody: Buffer.from(genuine.rawBody.toString('utf8').replace('"x"', '"X"')) };
      expect((await rejection(tampered)).reason).toBe('bad_signature');
      const extraSpace = { ...genuine, rawBody: Buffer.concat([genuine.rawBody, Buffer.from(' ')]) };
      expect((await rejection(extraSpace)).reason).toBe('bad_signature');
    });

    it('rejects a signature made with another secret, and a connector with another secret', async () => {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      expect((await rejection(resign(genuine, now, 'someone-elses-secret'))).reason).toBe('bad_signature');
      const other = ctxFor(sb, { credentials: tokenCredentials(sb, { webhookSecret: 'rotated-secret' }) });
      expect((await rejection(genuine, other)).reason).toBe('bad_signature');
      const none = ctxFor(sb, { credentials: tokenCredentials(sb, { webhookSecret: undefined }) });
      expect((await rejection(genuine, none)).reason).toBe('bad_signature');
    });

    it('rejects a correctly signed delivery outside the 5-minute window, either side', async () => {
      const old = new Date(Date.now() - 6 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      expect((await rejection(resign(genuine, old))).reason).toBe('stale');
      const future = new Date(Date.now() + 6 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      expect((await rejection(resign(genuine, future))).reason).toBe('stale');
      const recent = new Date(Date.now() - 4 * 60_000).toISOString();
      await expect(connector.parseWebhook(ctxFor(sb), resign(genuine, recent))).resolves.toHaveLength(1);
    });

    it('rejects missing headers, a non-ISO timestamp and a signed non-event body', async () => {
      const { ['x-zendesk-webhook-signature']: _dropped, ...unsigned } = genuine.headers;
      expect((await rejection({ ...genuine, headers: unsigned })).reason).toBe('bad_signature');
      expect((await rejection(resign(genuine, String(Math.floor(Date.now() / 1000))))).reason).toBe('malformed');
      const now = new Date().toISOString();
      const notJson = resign({ ...genuine, rawBody: Buffer.from('not json') }, now);
      expect((await rejection(notJson)).reason).toBe('malformed');
      const notEvent = resign({ ...genuine, rawBody: Buffer.from('{"hello":"world"}') }, now);
      expect((await rejection(notEvent)).reason).toBe('malformed');
    });

    it('reads header names case-insensitively', async () => {
      const headers = Object.fromEntries(
        Object.entries(genuine.headers).map(([name, value]) => [name.toUpperCase(), value]),
      );
      await expect(connector.parseWebhook(ctxFor(sb), { ...genuine, headers })).resolves.toHaveLength(1);
    });
  });
});

// --- everything else on one sandbox ---------------------------------------------------------------------------------

describe('Zendesk connector over the sandbox', () => {
  let sb: ZendeskSandbox;
  const start = (options: ZendeskSandboxOptions = {}) =>
    startZendeskSandbox({ people: 40, incrementalExclusionSeconds: 0, ...options });

  beforeAll(async () => {
    sb = await start();
  });
  afterAll(() => sb.stop());
  afterEach(() => sb.faults.reset());

  it('verify answers the account host', async () => {
    await expect(connector.verify(ctxFor(sb))).resolves.toEqual({ account: new URL(sb.baseUrl).host });
  });

  it('listOrders is not available (capabilities.orders = false)', async () => {
    expect(connector.descriptor.capabilities.orders).toBe(false);
    await expectConnectorError(connector.listOrders(ctxFor(sb), '1', 10), 'invalid_request');
  });

  describe('pagination beyond one page', () => {
    it('listChanges follows export cursors page by page (per_page from settings) and sees every change', async () => {
      const ctx = () => ctxFor(sb, { settings: { incrementalPageSize: 2 } });
      const first = await connector.listChanges(ctx(), null);
      expect(first).toMatchObject({ changes: [], hasMore: false });
      const created = [];
      for (let i = 0; i < 5; i += 1) {
        created.push(await newPerson(sb, `page${i}`));
      }
      sb.requests.clear();
      const seen: string[] = [];
      let cursor = first.cursor;
      let pages = 0;
      for (; pages < 20; pages += 1) {
        const page = await connector.listChanges(ctx(), cursor);
        seen.push(
          ...page.changes.filter((change) => change.kind === 'person.changed').map((change) => change.recordId),
        );
        cursor = page.cursor;
        if (!page.hasMore) {
          break;
        }
      }
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(seen).toEqual(expect.arrayContaining(created));
      const exports = sb.requests.entries({ pathIncludes: '/incremental/' });
      expect(exports.every((entry) => entry.status === 200)).toBe(true);
      expect(exports.every((entry) => entry.query.per_page === '2')).toBe(true);
      // Later pages use the after_cursor, never node-zendesk's literal "undefined".
      expect(exports.filter((entry) => entry.query.cursor).length).toBeGreaterThan(0);
      expect(JSON.stringify(exports.map((entry) => entry.query))).not.toContain('undefined');
      // The tickets export ended on the first page; while only the users stream drains, it is not asked again.
      expect(exports.filter((entry) => entry.path.includes('/incremental/tickets/'))).toHaveLength(1);
      expect(exports.filter((entry) => entry.path.includes('/incremental/users/'))).toHaveLength(pages + 1);
    });

    it('listChanges: ticket changes become case events, note tickets are skipped, solved → case.solved', async () => {
      const personId = await newPerson(sb, 'changes');
      const { cursor } = await connector.listChanges(ctxFor(sb), null);
      const ref = await connector.createCase(ctxFor(sb), {
        personId,
        subject: 'Refund',
        description: 'Please refund.',
        priority: 'normal',
        idempotencyKey: `changes-${randomUUID()}`,
      });
      const note = await connector.appendNote(ctxFor(sb), {
        personId,
        title: 'Transcript',
        body: 'hi',
        internal: false,
        idempotencyKey: `changes-note-${randomUUID()}`,
      });
      await raw(sb, 'PUT', `/api/v2/tickets/${ref.id}.json`, { body: { ticket: { status: 'solved' } } });
      const page = await connector.listChanges(ctxFor(sb), cursor);
      const forTicket = page.changes.filter((change) => change.recordId === ref.id);
      expect(forTicket).toEqual([expect.objectContaining({ kind: 'case.solved', personId, summary: 'solved' })]);
      expect(page.changes.some((change) => change.recordId === note.id && change.kind !== 'person.changed')).toBe(
        false,
      );
      expect(page.changes.some((change) => change.kind === 'person.changed' && change.recordId === personId)).toBe(
        true,
      );
    });

    it('listOpenCases pages through more than 100 requested tickets (cursor links), newest first', async () => {
      const personId = Number(await newPerson(sb, 'many-tickets'));
      const make = (n: number, from: number) =>
        Array.from({ length: n }, (_, i) => ({
          requester_id: personId,
          subject: `Ticket ${from + i}`,
          comment: { body: `Body ${from + i}` },
          status: i % 10 === 0 ? 'solved' : 'open',
        }));
      for (const tickets of [make(100, 0), make(25, 100)]) {
        const { json } = await raw(sb, 'POST', '/api/v2/tickets/create_many.json', { body: { tickets } });
        await waitForJob(sb, json.job_status.id);
      }
      sb.requests.clear();
      const open = await connector.listOpenCases(ctxFor(sb), String(personId), 500);
      expect(open).toHaveLength(125 - 13);
      expect(open.every((item) => item.state === 'open')).toBe(true);
      const requested = sb.requests.entries({ pathIncludes: '/tickets/requested' });
      expect(requested).toHaveLength(2);
      expect(requested[1]?.query['page[after]']).toBeDefined();
      const dates = open.map((item) => item.updatedAt ?? '');
      expect([...dates].sort().reverse()).toEqual(dates);
      await expect(connector.listOpenCases(ctxFor(sb), String(personId), 5)).resolves.toHaveLength(5);
    });

    it('listNotes reads comments across tickets, newest first, bounded, private ones marked', async () => {
      const personId = await newPerson(sb, 'notes');
      const keys = [0, 1, 2].map(() => `notes-${randomUUID()}`);
      const refs = [];
      for (const [i, key] of keys.entries()) {
        refs.push(
          await connector.appendNote(ctxFor(sb), {
            personId,
            title: `Transcript ${i}`,
            body: `Body ${i}`,
            internal: i === 1,
            idempotencyKey: key,
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 1100)); // distinct created_at seconds
      }
      await raw(sb, 'PUT', `/api/v2/tickets/${refs[2].id}.json`, {
        body: { ticket: { comment: { body: 'Follow-up from an agent', public: false } } },
      });
      const notes = await connector.listNotes(ctxFor(sb), personId, 10);
      expect(notes.map((note) => note.body)).toEqual(['Follow-up from an agent', 'Body 2', 'Body 1', 'Body 0']);
      expect(notes.map((note) => note.id)).toEqual([
        expect.stringMatching(new RegExp(`^${refs[2].id}:\\d+$`)),
        refs[2].id,
        refs[1].id,
        refs[0].id,
      ]);
      expect(notes.map((note) => note.private)).toEqual([true, false, true, false]);
      expect(notes[1]).toMatchObject({ title: 'Transcript 2', url: expect.stringMatching(/\/agent\/tickets\/\d+$/) });
      await expect(connector.listNotes(ctxFor(sb), personId, 2)).resolves.toHaveLength(2);
    }, 20_000);
  });

  describe('node-zendesk hazards', () => {
    it('without throwOriginalException the SDK drops status and body; the connector keeps both', async () => {
      const plain = createClient({
        username: sb.credentials.email,
        token: sb.credentials.apiToken,
        endpointUri: sb.settings.endpointUri,
      });
      const thrown = await (plain.users.show(123) as Promise<unknown>).then(
        () => undefined,
        (caught: unknown) => caught as { statusCode?: number; result?: unknown; message: string },
      );
      expect(thrown?.statusCode).toBeUndefined();
      expect(thrown?.result).toBeUndefined();
      await expect(connector.getPerson(ctxFor(sb), '123')).resolves.toBeNull();

      // 422 DuplicateValue (the external id belongs to one user, the email to another) arrives with its details.
      const a = await connector.upsertPerson(ctxFor(sb), {
        externalId: `dup-${randomUUID()}`,
        email: `a-${randomUUID()}@example.com`,
        name: 'A',
      });
      const bEmail = `b-${randomUUID()}@example.com`;
      await connector.upsertPerson(ctxFor(sb), { email: bEmail, name: 'B' });
      const person = await connector.getPerson(ctxFor(sb), a.id);
      const error = await expectConnectorError(
        connector.upsertPerson(ctxFor(sb), { externalId: person!.externalId!, email: bEmail }),
        'conflict',
      );
      expect(error.details).toMatchObject({ status: 422, vendorCode: 'RecordInvalid' });
      expect(error.message).toContain('email: DuplicateValue');
    });

    it('a 429 with Retry-After resolves inside node-zendesk; the connector turns it into rate_limited', async () => {
      sb.faults.set({ errorRates: { 429: 1 } });
      const sdk = createClient({
        username: sb.credentials.email,
        token: sb.credentials.apiToken,
        endpointUri: sb.settings.endpointUri,
        throwOriginalException: true,
      });
      const { result } = (await sdk.users.me()) as unknown as { result: unknown };
      expect(result).toBeInstanceOf(Error);
      const error = await expectConnectorError(connector.getPerson(ctxFor(sb), '1'), 'rate_limited');
      expect(error.failure.retryAfterMs).toBe(1000);
      await expectConnectorError(connector.verify(ctxFor(sb)), 'rate_limited');
    });

    it('the per-user write limit (5/min for create_or_update) → rate_limited with its Retry-After', async () => {
      const email = `limit-${randomUUID()}@example.com`;
      let caught: unknown;
      let calls = 0;
      while (caught === undefined && calls < 10) {
        calls += 1;
        caught = await connector.upsertPerson(ctxFor(sb), { email, name: `Limit ${calls}` }).then(
          () => undefined,
          (error: unknown) => error,
        );
      }
      // The create counts for the new profile, then five updates of the same user fit in the minute.
      expect(calls).toBeGreaterThan(5);
      expect(calls).toBeLessThanOrEqual(7);
      expect(caught).toBeInstanceOf(ConnectorError);
      const error = caught as ConnectorError;
      expect(error.code).toBe('rate_limited');
      expect(error.failure.retryAfterMs).toBeGreaterThan(0);
      expect(error.failure.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it.each([502, 504])(
      'an HTML %i resolves to {} inside node-zendesk; the connector says unavailable',
      async (status) => {
        sb.faults.set({ errorRates: { [status]: 1 } });
        await expectConnectorError(connector.findPeople(ctxFor(sb), { email: FIXTURE.english.email }), 'unavailable');
        await expectConnectorError(connector.getPerson(ctxFor(sb), '1'), 'unavailable');
        await expectConnectorError(connector.appendNotes(ctxFor(sb), [noteFor('1')]), 'unavailable');
      },
    );

    it('Idempotency-Key travels through customHeaders, one client per key: a replay is the same ticket', async () => {
      const personId = Number(await newPerson(sb, 'idem'));
      const key = `idem-${randomUUID()}`;
      const other = `idem-${randomUUID()}`;
      const ticket = { requester_id: personId, subject: 'S', comment: { body: 'B' }, external_id: key };
      const [first, second, third] = await Promise.all([
        zendeskApi.createTicket(ctxFor(sb), ticket, key),
        zendeskApi.createTicket(ctxFor(sb), { ...ticket, external_id: other }, other),
        zendeskApi.createTicket(ctxFor(sb), ticket, key).catch(() => undefined),
      ]);
      expect(first.headers.get('x-idempotency-lookup')).toBe('miss');
      expect(second.headers.get('x-idempotency-lookup')).toBe('miss');
      void third;
      const replay = await zendeskApi.createTicket(ctxFor(sb), ticket, key);
      expect(replay.headers.get('x-idempotency-lookup')).toBe('hit');
      expect((replay.body as any).ticket.id).toBe((first.body as any).ticket.id);
      expect(sb.journal.entries({ object: 'tickets', externalKey: key })).toHaveLength(1);
      expect(sb.journal.entries({ object: 'tickets', externalKey: other })).toHaveLength(1);
    });

    it('a create whose answer is lost (connection reset after commit) is found again on retry, not duplicated', async () => {
      const personId = await newPerson(sb, 'reset');
      const note = { ...noteFor(personId), idempotencyKey: `reset-${randomUUID()}` };
      sb.faults.set({ resetAfterCommitRate: 1, pathFilter: /\/tickets\.json$/ });
      await expectConnectorError(connector.appendNote(ctxFor(sb), note), 'unavailable');
      sb.faults.reset();
      const retry = await connector.appendNote(ctxFor(sb), note);
      expect(retry.created).toBe(false);
      expect(sb.journal.entries({ object: 'tickets', externalKey: note.idempotencyKey })).toHaveLength(1);
    });
  });

  describe('idempotent writes', () => {
    it('createCase adds the transcript once, also when an earlier attempt stopped before adding it', async () => {
      const personId = await newPerson(sb, 'case');
      const key = `case-${randomUUID()}`;
      const input = {
        personId,
        subject: 'Broken',
        description: 'It broke.',
        priority: 'urgent' as const,
        transcript: 'Visitor: it broke\nAgent: escalating',
        idempotencyKey: key,
      };
      // An earlier attempt created the ticket (same body, same key) and died before the transcript comment.
      await zendeskApi.createTicket(
        ctxFor(sb),
        {
          requester_id: Number(personId),
          subject: 'Broken',
          comment: { body: 'It broke.', public: true },
          priority: 'urgent',
          external_id: key,
          tags: ['chat_escalation'],
        },
        key,
      );
      const ref = await connector.createCase(ctxFor(sb), input);
      const again = await connector.createCase(ctxFor(sb), input);
      expect(ref.created).toBe(false);
      expect(again).toEqual(ref);
      const { json } = await raw(sb, 'GET', `/api/v2/tickets/${ref.id}/comments.json`);
      expect(json.comments.map((c: any) => [c.body, c.public])).toEqual([
        ['It broke.', true],
        ['Visitor: it broke\nAgent: escalating', false],
      ]);
      const [open] = await connector.listOpenCases(ctxFor(sb), personId, 10);
      expect(open).toMatchObject({ id: ref.id, priority: 'urgent', state: 'open' });
    });

    it('appendNotes: keys repeated within one batch create one ticket; invalid person ids fail alone', async () => {
      const personId = await newPerson(sb, 'batch');
      const key = `batch-${randomUUID()}`;
      const outcomes = await connector.appendNotes(ctxFor(sb), [
        { ...noteFor(personId), idempotencyKey: key },
        { ...noteFor('not-a-number'), idempotencyKey: `batch-${randomUUID()}` },
        { ...noteFor(personId), idempotencyKey: key },
      ]);
      expect(outcomes[0]).toMatchObject({ ok: true, value: { created: true } });
      expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect(outcomes[2]).toMatchObject({ ok: true, value: { created: false } });
      expect(outcomes[0].ok && outcomes[2].ok && outcomes[0].value.id === outcomes[2].value.id).toBe(true);
      expect(sb.journal.entries({ object: 'tickets', externalKey: key })).toHaveLength(1);
      await expectConnectorError(
        connector.appendNotes(
          ctxFor(sb),
          Array.from({ length: 101 }, () => noteFor(personId)),
        ),
        'invalid_request',
      );
      await expect(connector.appendNotes(ctxFor(sb), [])).resolves.toEqual([]);
    });

    it('appendNotes reports a record the job refuses as its own failure (RecordInvalid → invalid_request)', async () => {
      const outcomes = await connector.appendNotes(ctxFor(sb), [
        noteFor(await newPerson(sb, 'batch-ok')),
        // Zendesk refuses a ticket for a requester that does not exist.
        noteFor('999999999'),
      ]);
      expect(outcomes[0]).toMatchObject({ ok: true });
      expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    });

    it('upsertPerson names a new user from its email only when Zendesk asks for a name (2 calls)', async () => {
      const email = `nameless-${randomUUID()}@example.com`;
      const ref = await connector.upsertPerson(ctxFor(sb), { email });
      expect(ref.created).toBe(true);
      expect(await connector.getPerson(ctxFor(sb), ref.id)).toMatchObject({ name: email.split('@')[0] });
      // An existing user keeps its name when the input has none.
      const again = await connector.upsertPerson(ctxFor(sb), { email, phone: '+14155550123' });
      expect(again).toMatchObject({ id: ref.id, created: false });
      expect(await connector.getPerson(ctxFor(sb), ref.id)).toMatchObject({
        name: email.split('@')[0],
        phones: ['+14155550123'],
      });
      await expectConnectorError(connector.upsertPerson(ctxFor(sb), { phone: '+14155550123' }), 'invalid_request');
    });
  });

  describe('deadlines', () => {
    it('a bulk job that outlives the caller’s deadline → timeout, bounded by ctx.signal', async () => {
      const slow = await start({ people: 5, jobDelayMs: 5000 });
      try {
        const personId = await newPerson(slow, 'slow');
        const started = Date.now();
        await expectConnectorError(
          connector.appendNotes(ctxFor(slow, { timeoutMs: 600 }), [noteFor(personId)]),
          'timeout',
        );
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await slow.stop();
      }
    });

    it('the incremental export’s own 10/min limit → rate_limited, and the cursor is not lost', async () => {
      const limited = await start({ people: 5, incrementalRequestsPerMinute: 2 });
      try {
        const { cursor } = await connector.listChanges(ctxFor(limited), null);
        const page = await connector.listChanges(ctxFor(limited), cursor);
        const error = await expectConnectorError(connector.listChanges(ctxFor(limited), page.cursor), 'rate_limited');
        expect(error.failure.retryAfterMs).toBeGreaterThan(0);
      } finally {
        await limited.stop();
      }
    });
  });

  describe('search escaping against the sandbox’s query parser', () => {
    const hostile = [
      'x" type:ticket "y@example.com',
      '"@example.com',
      '\\"@example.com',
      'a\\@example.com',
      '*@example.com',
      'emma*',
      '-email:emma.johnson@example.com',
      'role:end-user',
      'email:emma.johnson@example.com',
      '" OR "1"="1',
      'line\nbreak@example.com',
      `${FIXTURE.english.email}" email:"${FIXTURE.japanese.email}`,
      '',
    ];

    it.each(hostile)('findPeople(email %p) answers 200 and matches nothing it should not', async (email) => {
      sb.requests.clear();
      const matches = await connector.findPeople(ctxFor(sb), { email });
      expect(matches).toEqual([]);
      expect(sb.requests.entries({ pathIncludes: '/users/search' }).every((entry) => entry.status === 200)).toBe(true);
    });

    it.each([
      '"q"@example.com',
      'x"y@example.com',
      'back\\slash@example.com',
      "o'brien+tag@example.com",
      'a*b@example.com',
    ])('a user whose email is %p is found by exactly that email (escaping keeps the meaning)', async (email) => {
      const ref = await connector.upsertPerson(ctxFor(sb), { email, name: 'Odd Email' });
      const matches = await connector.findPeople(ctxFor(sb), { email });
      expect(matches.map((match) => match.person.id)).toEqual([ref.id]);
    });

    it('idempotency keys with quotes, backslashes and query syntax find only their own ticket', async () => {
      const personId = await newPerson(sb, 'keys');
      const plain = `k-${randomUUID()}`;
      const keys = [plain, `${plain}" external_id:"${plain}`, `${plain}\\`, `${plain} -type:ticket`, `${plain}*`];
      const first = [];
      for (const key of keys) {
        first.push(await connector.appendNote(ctxFor(sb), { ...noteFor(personId), idempotencyKey: key }));
      }
      expect(first.every((ref) => ref.created)).toBe(true);
      expect(new Set(first.map((ref) => ref.id)).size).toBe(keys.length);
      const again = await connector.appendNotes(
        ctxFor(sb),
        keys.map((key) => ({ ...noteFor(personId), idempotencyKey: key })),
      );
      expect(
        again.map((outcome) => (outcome.ok ? [outcome.value.id, outcome.value.created] : outcome.error.code)),
      ).toEqual(first.map((ref) => [ref.id, false]));
      expect(sb.requests.entries({ pathIncludes: '/search' }).every((entry) => entry.status === 200)).toBe(true);
    });

    it('phones: several renderings in one search, exact re-check, nothing searched for garbage', async () => {
      sb.requests.clear();
      const matches = await connector.findPeople(ctxFor(sb), { phone: FIXTURE.japanese.phoneE164 });
      expect(matches.map((match) => match.person.emails[0])).toContain(FIXTURE.japanese.email);
      const searches = sb.requests.entries({ pathIncludes: '/users/search' });
      expect(searches).toHaveLength(1);
      expect(String(searches[0]?.query.query)).toContain('phone:"090-1234-5678"');
      sb.requests.clear();
      await expect(connector.findPeople(ctxFor(sb), { phone: '" OR phone:*' })).resolves.toEqual([]);
      expect(sb.requests.entries()).toHaveLength(0);
    });

    it('external ids go through the literal external_id parameter, not the query language', async () => {
      sb.requests.clear();
      const matches = await connector.findPeople(ctxFor(sb), { externalId: FIXTURE.english.externalId });
      expect(matches).toEqual([expect.objectContaining({ matchedBy: 'external_id' })]);
      await expect(
        connector.findPeople(ctxFor(sb), { externalId: `${FIXTURE.english.externalId}" OR "x` }),
      ).resolves.toEqual([]);
      expect(sb.requests.entries({ pathIncludes: '/users/search' }).map((entry) => entry.query.external_id)).toEqual([
        FIXTURE.english.externalId,
        `${FIXTURE.english.externalId}" OR "x`,
      ]);
    });

    it('several identifiers → one entry per person, strongest identifier first', async () => {
      const matches = await connector.findPeople(ctxFor(sb), {
        externalId: FIXTURE.english.externalId,
        email: FIXTURE.english.email,
        phone: FIXTURE.english.phoneE164,
      });
      expect(matches).toHaveLength(1);
      expect(matches[0]?.matchedBy).toBe('external_id');
    });
  });
});

function noteFor(personId: string): NoteInput {
  return {
    personId,
    title: 'Chat transcript',
    body: 'Visitor: hello',
    internal: true,
    idempotencyKey: `note-${randomUUID()}`,
  };
}

// --- tenants and OAuth ----------------------------------------------------------------------------------------------

describe('Zendesk connector: tenant isolation and OAuth', () => {
  let a: ZendeskSandbox;
  let b: ZendeskSandbox;

  beforeAll(async () => {
    [a, b] = await Promise.all([startZendeskSandbox({ people: 10 }), startZendeskSandbox({ people: 10 })]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('two connections running at once each send only their own credential', async () => {
    const sessionB = oauthSession(b);
    await connector.verify(ctxFor(b, { session: sessionB }));
    a.requests.clear();
    b.requests.clear();
    const work = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? connector.findPeople(ctxFor(a), { email: FIXTURE.english.email })
        : connector.findPeople(ctxFor(b, { session: sessionB }), { email: FIXTURE.english.email }),
    );
    const results = await Promise.all(work);
    expect(results.every((matches) => matches.length === 1)).toBe(true);
    const tokenB = (await sessionB.current()).accessToken;
    expect(a.requests.entries()).toHaveLength(10);
    expect(b.requests.entries()).toHaveLength(10);
    expect(
      a.requests
        .entries()
        .every((entry) => entry.credential === `${a.credentials.email}/token` && entry.status === 200),
    ).toBe(true);
    expect(b.requests.entries().every((entry) => entry.credential === tokenB && entry.status === 200)).toBe(true);
  });

  it('two API-token tenants with the same agent email: the other tenant’s token would be refused', async () => {
    a.requests.clear();
    b.requests.clear();
    await Promise.all([
      ...Array.from({ length: 5 }, () => connector.verify(ctxFor(a))),
      ...Array.from({ length: 5 }, () => connector.verify(ctxFor(b))),
    ]);
    expect([...a.requests.entries(), ...b.requests.entries()].every((entry) => entry.status === 200)).toBe(true);
    // Swapped tokens fail, so the 200s above prove each request carried its own tenant's token.
    await expectConnectorError(connector.verify(ctxFor(a, { credentials: tokenCredentials(b) })), 'auth_expired');
  });

  it('OAuth: refreshes on first use, rotates the refresh token, retries a 401 once after a refresh', async () => {
    const sandbox = await startZendeskSandbox({ people: 5 });
    try {
      const session = oauthSession(sandbox);
      await connector.verify(ctxFor(sandbox, { session }));
      expect(session.refreshes).toBe(1);
      const rotated = (await session.current()) as { refreshToken?: string };
      expect(rotated.refreshToken).not.toBe(sandbox.credentials.refreshToken);
      // The rotated-away refresh token is dead, as Zendesk deletes it on every grant.
      await expectConnectorError(
        connector.refreshGrant(
          settingsOf(sandbox),
          {
            clientId: sandbox.credentials.clientId,
            clientSecret: sandbox.credentials.clientSecret,
            refreshToken: sandbox.credentials.refreshToken,
          },
          AbortSignal.timeout(5000),
        ),
        'auth_expired',
      );
      sandbox.expireAllTokens();
      sandbox.requests.clear();
      await expect(
        connector.findPeople(ctxFor(sandbox, { session }), { email: FIXTURE.english.email }),
      ).resolves.toHaveLength(1);
      expect(session.refreshes).toBe(2);
      expect(sandbox.requests.entries({ pathIncludes: '/users/search' }).map((entry) => entry.status)).toEqual([
        401, 200,
      ]);
    } finally {
      await sandbox.stop();
    }
  });

  it('OAuth: 50 concurrent calls across an expiry share one refresh', async () => {
    const sandbox = await startZendeskSandbox({ people: 5 });
    try {
      const session = oauthSession(sandbox);
      await connector.verify(ctxFor(sandbox, { session }));
      sandbox.expireAllTokens();
      const before = sandbox.tokenRefreshCount();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () =>
          connector.findPeople(ctxFor(sandbox, { session, timeoutMs: 15_000 }), { email: FIXTURE.english.email }),
        ),
      );
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(sandbox.tokenRefreshCount() - before).toBe(1);
    } finally {
      await sandbox.stop();
    }
  });

  it('OAuth: a revoked grant or a wrong client → auth_expired; API-token credentials have nothing to refresh', async () => {
    const sandbox = await startZendeskSandbox({ people: 5 });
    try {
      const session = oauthSession(sandbox);
      await connector.verify(ctxFor(sandbox, { session }));
      sandbox.revokeRefreshToken(((await session.current()) as { refreshToken: string }).refreshToken);
      sandbox.expireAllTokens();
      await expectConnectorError(
        connector.findPeople(ctxFor(sandbox, { session }), { email: 'x@example.com' }),
        'auth_expired',
      );
      const wrongClient = new InMemoryAuthSession<ZendeskCredentials>(
        { clientId: 'nope', clientSecret: 'nope', refreshToken: 'nope' },
        (credentials) => connector.refreshGrant(settingsOf(sandbox), credentials, AbortSignal.timeout(5000)),
      );
      await expectConnectorError(connector.verify(ctxFor(sandbox, { session: wrongClient })), 'auth_expired');
      await expectConnectorError(
        connector.refreshGrant(settingsOf(sandbox), tokenCredentials(sandbox), AbortSignal.timeout(1000)),
        'auth_expired',
      );
    } finally {
      await sandbox.stop();
    }
  });

  it('an API-token 401 is not retried (nothing changed) and maps to auth_expired', async () => {
    a.requests.clear();
    await expectConnectorError(
      connector.verify(ctxFor(a, { credentials: tokenCredentials(a, { apiToken: 'wrong' }) })),
      'auth_expired',
    );
    expect(a.requests.entries()).toHaveLength(1);
  });

  it('never puts a credential into an error', async () => {
    const credentials = tokenCredentials(a, { apiToken: 'super-secret-token-value' });
    const error = await expectConnectorError(connector.verify(ctxFor(a, { credentials })), 'auth_expired');
    expect(JSON.stringify({ message: error.message, failure: error.failure, details: error.details })).not.toContain(
      'super-secret-token-value',
    );
  });
});
