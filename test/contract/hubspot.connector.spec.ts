/**
 * HubSpot-specific behaviour over real HTTP against the sandbox with the real @hubspot/api-client: webhooks (v3
 * signatures), paging, the SDK hazards the client handles, the hostile-input corpus against the sandbox's search
 * parser, private-app mode, call counts, idempotency details, and tenant isolation.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { ConnectorError, WebhookRejectedError } from '../../src/connectors/connector.errors';
import type { AuthSession, ConnectionContext } from '../../src/connectors/crm-connector.port';
import type { NoteInput, WebhookRequest } from '../../src/connectors/crm.types';
import { InMemoryAuthSession } from '../../src/connectors/in-memory-auth-session';
import { search } from '../../src/connectors/hubspot/hubspot.client';
import { HubspotConnector, verifyHubspotSignatureV3 } from '../../src/connectors/hubspot/hubspot.connector';
import {
  hubspotSettingsSchema,
  type HubspotCredentials,
  type HubspotSettings,
} from '../../src/connectors/hubspot/hubspot.descriptor';
import { literalFilter } from '../../src/connectors/hubspot/hubspot.mapper';
import { FIXTURE } from '../sandbox/common/seed-data';
import {
  startHubspotSandbox,
  type HubspotSandbox,
  type HubspotSandboxOptions,
} from '../sandbox/hubspot/hubspot.sandbox';
import { raw, sdk } from '../sandbox/hubspot/hubspot.test-helpers';
import { signV3 } from '../sandbox/hubspot/hubspot.webhooks';
import { expectConnectorError } from './crm-connector.contract';

type Ctx = ConnectionContext<HubspotSettings, HubspotCredentials>;

const connector = new HubspotConnector();

function settingsFor(sandbox: HubspotSandbox, extra: Partial<HubspotSettings> = {}): HubspotSettings {
  return hubspotSettingsSchema.parse({ basePath: sandbox.baseUrl, portalId: sandbox.settings.portalId, ...extra });
}

/** A private-app connection: a static token, no refresh (as ConnectorAuthService treats it). */
function patContext(
  sandbox: HubspotSandbox,
  options: { token?: string; timeoutMs?: number; settings?: Partial<HubspotSettings>; webhookSecret?: string } = {},
): Ctx {
  const credentials: HubspotCredentials = {
    privateAppToken: options.token ?? sandbox.credentials.privateAppToken,
    ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
  };
  return {
    workspaceId: 'ws-hubspot',
    connectorId: 'conn-hubspot-pat',
    kind: 'hubspot',
    settings: settingsFor(sandbox, options.settings),
    auth: new InMemoryAuthSession<HubspotCredentials>(credentials, undefined),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  };
}

/** An OAuth connection with its own single-flight session. */
function oauthContext(
  sandbox: HubspotSandbox,
  refreshToken = sandbox.issueRefreshToken(),
): Ctx & { session: InMemoryAuthSession<HubspotCredentials> } {
  const settings = settingsFor(sandbox);
  const session = new InMemoryAuthSession<HubspotCredentials>(
    { clientId: sandbox.credentials.clientId, clientSecret: sandbox.credentials.clientSecret, refreshToken },
    (credentials) => connector.refreshGrant(settings, credentials, AbortSignal.timeout(5000)),
  );
  return {
    workspaceId: 'ws-hubspot',
    connectorId: 'conn-hubspot-oauth',
    kind: 'hubspot',
    settings,
    auth: session,
    session,
    signal: AbortSignal.timeout(10_000),
  };
}

async function contactId(ctx: Ctx, email: string): Promise<string> {
  const [match] = await connector.findPeople(ctx, { email });
  if (!match) {
    throw new Error(`no contact ${email}`);
  }
  return match.person.id;
}

const note = (personId: string, extra: Partial<NoteInput> = {}): NoteInput => ({
  personId,
  title: `Transcript ${randomUUID().slice(0, 8)}`,
  body: 'Visitor: hello\nAgent: hi <b>there</b> & welcome',
  internal: true,
  idempotencyKey: `note-${randomUUID()}`,
  ...extra,
});

describe('HubSpot connector (vendor-specific, over the sandbox)', () => {
  let sandbox: HubspotSandbox;

  beforeAll(async () => {
    // Calls here run back to back; HubSpot's burst and search limits have their own tests under "rate limits".
    sandbox = await startHubspotSandbox({
      people: 20,
      searchRequestsPerSecond: 100,
      limits: { requestsPerWindow: 100_000 },
    });
  });
  afterAll(async () => sandbox?.stop());
  afterEach(() => sandbox.faults.reset());

  describe('private-app token mode', () => {
    it('verifies with one call and never refreshes', async () => {
      sandbox.requests.clear();
      await expect(connector.verify(patContext(sandbox))).resolves.toEqual({
        account: `HubSpot portal ${sandbox.settings.portalId}`,
      });
      expect(sandbox.requests.entries().map((r) => r.path)).toEqual(['/crm/v3/objects/contacts']);
    });

    it('a rejected private-app token is auth_expired at once: no refresh, no second attempt', async () => {
      const rejections: string[] = [];
      const session: AuthSession<HubspotCredentials> = {
        current: () => Promise.resolve({ privateAppToken: 'pat-na1-00000000-0000-0000-0000-000000000000' }),
        afterRejection: (token) => {
          rejections.push(token);
          return Promise.resolve({ privateAppToken: 'pat-na1-11111111-1111-1111-1111-111111111111' });
        },
      };
      sandbox.requests.clear();
      const error = await expectConnectorError(
        connector.findPeople({ ...patContext(sandbox), auth: session }, { email: FIXTURE.english.email }),
        'auth_expired',
      );
      expect(rejections).toEqual([]);
      expect(sandbox.requests.entries()).toHaveLength(1);
      expect(sandbox.requests.entries({ pathIncludes: '/oauth/' })).toEqual([]);
      expect(error.message).not.toContain('pat-na1');
    });

    it('refreshGrant on a private-app credential hands the static token back without a call', async () => {
      sandbox.requests.clear();
      const grant = await connector.refreshGrant(
        settingsFor(sandbox),
        { privateAppToken: sandbox.credentials.privateAppToken },
        AbortSignal.timeout(1000),
      );
      expect(grant.accessToken).toBe(sandbox.credentials.privateAppToken);
      expect(grant.expiresAt).toBeGreaterThan(Date.now() + 86_400_000);
      expect(sandbox.requests.entries()).toEqual([]);
    });
  });

  describe('OAuth mode', () => {
    it('refreshes with the urlencoded v1 grant, returns the refresh token HubSpot sends, names the account', async () => {
      const ctx = oauthContext(sandbox);
      sandbox.requests.clear();
      await expect(connector.verify(ctx)).resolves.toEqual({ account: 'chat-crm-bridge-sandbox.hubspot.com' });
      expect(ctx.session.refreshes).toBe(1);
      expect(
        sandbox.requests
          .entries()
          .map((r) => `${r.method} ${r.path.replace(/access-tokens\/.+$/, 'access-tokens/{token}')}`),
      ).toEqual(['POST /oauth/v1/token', 'GET /crm/v3/objects/contacts', 'GET /oauth/v1/access-tokens/{token}']);
    });

    it('a bad client secret at refresh time is auth_expired', async () => {
      const settings = settingsFor(sandbox);
      await expectConnectorError(
        connector.refreshGrant(
          settings,
          { clientId: sandbox.credentials.clientId, clientSecret: 'nope', refreshToken: sandbox.issueRefreshToken() },
          AbortSignal.timeout(5000),
        ),
        'auth_expired',
      );
    });
  });

  describe('webhooks (v3 signatures, real deliveries)', () => {
    const secret = 'hubspot-app-client-secret-for-tests';
    let receiver: Server;
    let hooked: HubspotSandbox;
    let hookUrl: string;
    const received: WebhookRequest[] = [];

    const flat = (headers: IncomingHttpHeaders): Record<string, string | undefined> =>
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const { port } = receiver.address() as AddressInfo;
          received.push({
            method: req.method ?? 'POST',
            url: `http://127.0.0.1:${port}${req.url ?? '/'}`,
            headers: flat(req.headers),
            rawBody: Buffer.concat(chunks),
          });
          res.statusCode = 204;
          res.end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const { port } = receiver.address() as AddressInfo;
      // Escaped ':' and '@' in the query exercise the URI-decoding step of the v3 algorithm.
      hookUrl = `http://127.0.0.1:${port}/v1/webhooks/hubspot?tenant=acme%3Aeu&who=ops%40example.com`;
      hooked = await startHubspotSandbox({ people: 8, webhook: { url: hookUrl, secret } });
    });
    afterAll(async () => {
      await hooked?.stop();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    });
    beforeEach(() => {
      received.length = 0;
    });

    const ctxFor = (webhookSecret = secret) => patContext(hooked, { webhookSecret });

    it('verifies a captured delivery and maps contact events to person.changed', async () => {
      const ctx = ctxFor();
      const ref = await connector.upsertPerson(ctx, { email: `hook-${randomUUID()}@example.com`, firstName: 'Hook' });
      await hooked.flushWebhooks();
      expect(received.length).toBeGreaterThan(0);
      const events = (await Promise.all(received.map((request) => connector.parseWebhook(ctx, request)))).flat();
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((event) => event.kind === 'person.changed' && event.recordId === ref.id)).toBe(true);
      expect(events.every((event) => event.personId === ref.id && /^\d+$/.test(event.eventId ?? ''))).toBe(true);
    });

    it('maps a ticket moving to a closed stage to case.solved (pipelines read once)', async () => {
      const ctx = ctxFor();
      const personId = await contactId(ctx, FIXTURE.english.email);
      const ticket = await connector.createCase(ctx, {
        personId,
        subject: 'Webhook ticket',
        description: 'd',
        priority: 'normal',
        idempotencyKey: `hook-case-${randomUUID()}`,
      });
      await hooked.flushWebhooks();
      received.length = 0;
      const closed = await raw(hooked, 'PATCH', `/crm/v3/objects/tickets/${ticket.id}`, {
        properties: { hs_pipeline_stage: '4' },
      });
      expect(closed.status).toBe(200);
      await hooked.flushWebhooks();
      hooked.requests.clear();
      const events = (await Promise.all(received.map((request) => connector.parseWebhook(ctx, request)))).flat();
      expect(events).toEqual([
        expect.objectContaining({ kind: 'case.solved', recordId: ticket.id, summary: 'Closed', personId: null }),
      ]);
      expect(hooked.requests.entries().map((r) => r.path)).toEqual(['/crm/v3/pipelines/tickets']);
    });

    it('rejects a tampered body, a wrong secret, a stale timestamp and missing headers', async () => {
      const ctx = ctxFor();
      await connector.upsertPerson(ctx, { email: `hook-${randomUUID()}@example.com`, firstName: 'Tamper' });
      await hooked.flushWebhooks();
      const original = received[0];
      const reason = async (request: WebhookRequest, context = ctx) => {
        const error = await connector.parseWebhook(context, request).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(WebhookRejectedError);
        return (error as WebhookRejectedError).reason;
      };
      const body = original.rawBody.toString('utf8');
      expect(await reason({ ...original, rawBody: Buffer.from(body.replace('"API"', '"CRM"')) })).toBe('bad_signature');
      expect(await reason(original, ctxFor('some-other-secret'))).toBe('bad_signature');
      expect(await reason({ ...original, url: original.url.replace('acme', 'evil') })).toBe('bad_signature');
      const old = String(Date.now() - 6 * 60_000);
      const staleHeaders = {
        ...original.headers,
        'x-hubspot-request-timestamp': old,
        'x-hubspot-signature-v3': signV3(secret, 'POST', hookUrl, body, old),
      };
      expect(await reason({ ...original, headers: staleHeaders })).toBe('stale');
      const { ['x-hubspot-signature-v3']: _dropped, ...unsigned } = original.headers;
      expect(await reason({ ...original, headers: unsigned })).toBe('bad_signature');
      // The legacy v1 header alone is not accepted.
      expect(unsigned['x-hubspot-signature']).toBeDefined();
    });

    it('rejects a signed non-JSON body as malformed and drops events of another portal', async () => {
      const ctx = ctxFor();
      const now = String(Date.now());
      const signed = (body: string): WebhookRequest => ({
        method: 'POST',
        url: hookUrl,
        headers: {
          'x-hubspot-signature-v3': signV3(secret, 'POST', hookUrl, body, now),
          'x-hubspot-request-timestamp': now,
        },
        rawBody: Buffer.from(body),
      });
      await expect(connector.parseWebhook(ctx, signed('not json'))).rejects.toMatchObject({ reason: 'malformed' });
      const events = [
        {
          eventId: 1,
          portalId: Number(hooked.settings.portalId),
          subscriptionType: 'contact.propertyChange',
          objectId: 1000001,
          occurredAt: Date.now(),
        },
        {
          eventId: 2,
          portalId: 99999999,
          subscriptionType: 'contact.propertyChange',
          objectId: 1000002,
          occurredAt: Date.now(),
        },
      ];
      await expect(connector.parseWebhook(ctx, signed(JSON.stringify(events)))).resolves.toEqual([
        expect.objectContaining({ kind: 'person.changed', recordId: '1000001', eventId: '1' }),
      ]);
    });

    it('uses the OAuth app client secret when no separate webhook secret is set', async () => {
      const ctx = oauthContext(hooked);
      const body = JSON.stringify([
        { eventId: 7, subscriptionType: 'contact.creation', objectId: 1000003, occurredAt: Date.now() },
      ]);
      const now = String(Date.now());
      const request: WebhookRequest = {
        method: 'POST',
        url: hookUrl,
        headers: {
          'X-HubSpot-Signature-v3': signV3(hooked.credentials.clientSecret, 'POST', hookUrl, body, now),
          'X-HubSpot-Request-Timestamp': now,
        },
        rawBody: Buffer.from(body),
      };
      expect(verifyHubspotSignatureV3(request, hooked.credentials.clientSecret)).toEqual({ ok: true });
      await expect(connector.parseWebhook(ctx, request)).resolves.toEqual([
        expect.objectContaining({ kind: 'person.changed', recordId: '1000003' }),
      ]);
    });
  });

  describe('paging beyond one page', () => {
    it('listChanges pages through more than one search page, each change once, then reports no more', async () => {
      const ctx = patContext(sandbox);
      const start = await connector.listChanges(ctx, null);
      const client = sdk(sandbox);
      const created: string[] = [];
      for (let batch = 0; batch < 3; batch += 1) {
        const response = await client.crm.contacts.batchApi.create({
          inputs: Array.from({ length: 50 }, (_, i) => ({
            properties: { email: `page-${batch}-${i}-${randomUUID().slice(0, 6)}@example.com` },
            associations: [],
          })),
        });
        created.push(...response.results.map((r) => r.id));
      }
      let cursor = start.cursor;
      const seen: string[] = [];
      let pages = 0;
      for (; pages < 10; pages += 1) {
        const page = await connector.listChanges(patContext(sandbox), cursor);
        seen.push(...page.changes.filter((c) => c.kind === 'person.changed').map((c) => c.recordId));
        cursor = page.cursor;
        if (!page.hasMore) {
          break;
        }
      }
      expect(pages).toBeGreaterThanOrEqual(1);
      expect(seen.filter((id) => created.includes(id)).sort()).toEqual([...created].sort());
      expect(new Set(seen).size).toBe(seen.length);
      const after = await connector.listChanges(patContext(sandbox), cursor);
      expect(after.changes.filter((c) => created.includes(c.recordId))).toEqual([]);
    });

    it('listChanges reports a ticket closed in HubSpot as case.solved with its contact', async () => {
      const ctx = patContext(sandbox);
      const personId = await contactId(ctx, FIXTURE.japanese.email);
      const ticket = await connector.createCase(ctx, {
        personId,
        subject: 'To be closed',
        description: 'x',
        priority: 'low',
        idempotencyKey: `close-${randomUUID()}`,
      });
      const start = await connector.listChanges(ctx, null);
      await raw(sandbox, 'PATCH', `/crm/v3/objects/tickets/${ticket.id}`, { properties: { hs_pipeline_stage: '4' } });
      const page = await connector.listChanges(patContext(sandbox), start.cursor);
      expect(page.changes).toContainEqual(
        expect.objectContaining({ kind: 'case.solved', recordId: ticket.id, personId, summary: 'Closed' }),
      );
    });

    it('rejects a cursor it did not write', async () => {
      await expectConnectorError(connector.listChanges(patContext(sandbox), 'garbage'), 'invalid_request');
    });

    it('listNotes follows association pages past 500 and returns the newest first', async () => {
      const ctx = patContext(sandbox);
      const personId = (await connector.upsertPerson(ctx, { email: `many-notes-${randomUUID()}@example.com` })).id;
      const client = sdk(sandbox);
      let lastBody = '';
      for (let batch = 0; batch < 6; batch += 1) {
        await client.crm.objects.notes.batchApi.create({
          inputs: Array.from({ length: 90 }, (_, i) => {
            lastBody = `note ${batch * 90 + i}`;
            return {
              properties: {
                hs_note_body: lastBody,
                hs_timestamp: new Date(Date.UTC(2026, 0, 1) + (batch * 90 + i) * 60_000).toISOString(),
              },
              associations: [
                {
                  to: { id: personId },
                  types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 202 }],
                },
              ],
            };
          }),
        });
      }
      sandbox.requests.clear();
      const notes = await connector.listNotes(ctx, personId, 3);
      expect(notes.map((n) => n.body)).toEqual(['note 539', 'note 538', 'note 537']);
      expect(sandbox.requests.entries({ pathIncludes: '/associations/notes' })).toHaveLength(2);
    });
  });

  describe('SDK hazards', () => {
    it('a Client built elsewhere with retries and a limiter cannot give our calls retries (503, 429)', async () => {
      const ctx = () => patContext(sandbox);
      const foreign: Client[] = [];
      const spawn = setInterval(() => {
        foreign.push(
          new Client({
            accessToken: 'other-tenant',
            numberOfApiCallRetries: 6,
            limiterOptions: { minTime: 500, maxConcurrent: 1 },
          }),
        );
      }, 1);
      try {
        new Client({ numberOfApiCallRetries: 6, limiterOptions: { minTime: 500, maxConcurrent: 1 } });
        sandbox.faults.set({ errorRates: { 503: 1 } });
        sandbox.requests.clear();
        await expectConnectorError(connector.findPeople(ctx(), { email: FIXTURE.english.email }), 'unavailable');
        expect(sandbox.requests.entries()).toHaveLength(1);

        sandbox.faults.set({ errorRates: { 429: 1 } });
        sandbox.requests.clear();
        const started = Date.now();
        const limited = await Promise.allSettled(
          Array.from({ length: 5 }, () => connector.getPerson(ctx(), '1000001')),
        );
        expect(Date.now() - started).toBeLessThan(2000);
        expect(
          limited.every((r) => r.status === 'rejected' && (r.reason as ConnectorError).code === 'rate_limited'),
        ).toBe(true);
        expect(sandbox.requests.entries()).toHaveLength(5);
      } finally {
        clearInterval(spawn);
      }
      expect(foreign.length).toBeGreaterThan(0);
    });

    it('(control) the hazard is real: an API object first touched after another Client inherits its retries', async () => {
      const ours = new Client({
        accessToken: sandbox.credentials.privateAppToken,
        basePath: sandbox.baseUrl,
        numberOfApiCallRetries: 0,
      });
      new Client({ numberOfApiCallRetries: 2 });
      const lateApi = ours.crm.contacts.basicApi; // touched after the other Client: takes its RetryDecorator
      sandbox.faults.set({ errorRates: { 503: 1 } });
      sandbox.requests.clear();
      const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      await expect(lateApi.getPage(1)).rejects.toBeDefined();
      quiet.mockRestore();
      expect(sandbox.requests.entries()).toHaveLength(2);
      new Client({ numberOfApiCallRetries: 0 });
    });

    it('a connection reset after commit (fetch failed, another realm) is unavailable, and the retry writes nothing twice', async () => {
      const ctx = () => patContext(sandbox);
      const email = `reset-${randomUUID()}@example.com`;
      const rawError = await sdk(sandbox)
        .crm.contacts.basicApi.getPage(1)
        .then(() => undefined)
        .catch(() => undefined);
      expect(rawError).toBeUndefined();
      sandbox.faults.set({ resetAfterCommitRate: 1, pathFilter: /batch\/upsert/ });
      const caught = await sdk(sandbox)
        .crm.contacts.batchApi.upsert({ inputs: [{ id: `probe-${email}`, idProperty: 'email', properties: {} }] })
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      expect(caught?.name).toBe('TypeError');
      expect(caught?.message).toBe('fetch failed');
      await expectConnectorError(connector.upsertPerson(ctx(), { email, firstName: 'Reset' }), 'unavailable');
      sandbox.faults.reset();
      const retried = await connector.upsertPerson(ctx(), { email, firstName: 'Reset' });
      expect(retried.created).toBe(false);
      expect(sandbox.journal.entries({ object: 'contacts', externalKey: email })).toHaveLength(2);
      expect(
        sandbox.journal
          .entries({ object: 'contacts' })
          .filter((e) => e.externalKey === email && e.operation === 'upsert'),
      ).toHaveLength(2);
      const found = await connector.findPeople(ctx(), { email });
      expect(found).toHaveLength(1);
    });

    it('keeps the HTTP status when the SDK cannot parse an error body (HTML 502, 503 without content-type)', async () => {
      const replies = [
        { status: 502, type: 'text/html', body: '<html><body>Bad gateway</body></html>' },
        { status: 503, type: undefined, body: 'down' },
        { status: 429, type: 'text/plain', body: 'slow down' },
      ];
      let next = 0;
      const proxy = createServer((_req, res) => {
        const reply = replies[next++ % replies.length];
        res.statusCode = reply.status;
        if (reply.type) {
          res.setHeader('content-type', reply.type);
        }
        if (reply.status === 429) {
          res.setHeader('retry-after', '7');
        }
        res.end(reply.body);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = proxy.address() as AddressInfo;
        const ctx = () => ({
          ...patContext(sandbox),
          settings: settingsFor(sandbox, { basePath: `http://127.0.0.1:${port}` }),
        });
        const bad = await expectConnectorError(connector.getPerson(ctx(), '1000001'), 'unavailable');
        expect(bad.details.status).toBe(502);
        const down = await expectConnectorError(connector.getPerson(ctx(), '1000001'), 'unavailable');
        expect(down.details.status).toBe(503);
        const slow = await expectConnectorError(connector.getPerson(ctx(), '1000001'), 'rate_limited');
        expect(slow.failure.retryAfterMs).toBe(7000);
      } finally {
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
      }
    });

    it('never follows a redirect: a 3xx is forbidden and the host it points at is never called', async () => {
      const reached: string[] = [];
      const elsewhere = createServer((req, res) => {
        reached.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
        res.setHeader('content-type', 'application/json');
        res.end(
          '{"id":"1000001","properties":{},"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}',
        );
      });
      const answered: string[] = [];
      const redirecting = createServer((req, res) => {
        answered.push(`${req.method} ${(req.url ?? '/').split('?')[0]}`);
        const { port } = elsewhere.address() as AddressInfo;
        // 302 for reads; 307 (method and body kept) for the POSTs: a token refresh must not take the secret along.
        res.statusCode = req.method === 'GET' ? 302 : 307;
        res.setHeader('location', `http://127.0.0.1:${port}${req.url ?? '/'}`);
        res.end();
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = redirecting.address() as AddressInfo;
        const { port: otherPort } = elsewhere.address() as AddressInfo;
        const settings = settingsFor(sandbox, { basePath: `http://127.0.0.1:${port}` });
        const ctx = () => ({ ...patContext(sandbox), settings });

        const read = await expectConnectorError(connector.getPerson(ctx(), '1000001'), 'forbidden');
        expect(read.details).toMatchObject({ status: 302, vendorCode: 'REDIRECT_REFUSED' });
        expect(read.message).toContain(`redirect to http://127.0.0.1:${otherPort}`);
        expect(read.message).not.toContain(sandbox.credentials.privateAppToken);

        const batch = await expectConnectorError(connector.findPeople(ctx(), { email: 'a@example.com' }), 'forbidden');
        expect(batch.details.status).toBe(307);

        const refresh = await expectConnectorError(
          connector.refreshGrant(
            settings,
            { clientId: 'client', clientSecret: 'secret', refreshToken: 'refresh' },
            AbortSignal.timeout(5000),
          ),
          'forbidden',
        );
        expect(refresh.details.status).toBe(307);

        expect(answered).toEqual([
          'GET /crm/v3/objects/contacts/1000001',
          'POST /crm/v3/objects/contacts/batch/read',
          'POST /oauth/v1/token',
        ]);
        expect(reached).toEqual([]);
      } finally {
        for (const server of [redirecting, elsewhere]) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
      }
    });

    it('a hanging CRM is a timeout at the deadline', async () => {
      sandbox.faults.set({ hangRate: 1 });
      const started = Date.now();
      await expectConnectorError(connector.listNotes(patContext(sandbox, { timeoutMs: 200 }), '1000001', 5), 'timeout');
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('a refused connection is unavailable', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const ctx = { ...patContext(sandbox), settings: settingsFor(sandbox, { basePath: `http://127.0.0.1:${port}` }) };
      await expectConnectorError(connector.getPerson(ctx, '1000001'), 'unavailable');
    });
  });

  describe('rate limits', () => {
    const limited = async (options: HubspotSandboxOptions, run: (ctx: Ctx) => Promise<unknown>) => {
      const small = await startHubspotSandbox({ people: 5, ...options });
      try {
        let error: unknown;
        for (let i = 0; i < 6 && !error; i += 1) {
          error = await run(patContext(small)).then(
            () => undefined,
            (caught: unknown) => caught,
          );
        }
        expect(error).toBeInstanceOf(ConnectorError);
        return error as ConnectorError;
      } finally {
        await small.stop();
      }
    };

    it('the SECONDLY search limit → rate_limited, retry after 1 s', async () => {
      const error = await limited({ searchRequestsPerSecond: 1 }, (ctx) =>
        connector.findPeople(ctx, { phone: '+14155550000' }),
      );
      expect(error.code).toBe('rate_limited');
      expect(error.details.vendorCode).toBe('SECONDLY');
      expect(error.failure.retryAfterMs).toBe(1000);
    });

    it('the TEN_SECONDLY_ROLLING burst limit → rate_limited, retry after the interval header', async () => {
      const error = await limited({ limits: { requestsPerWindow: 2, windowMs: 7000 } }, (ctx) =>
        connector.getPerson(ctx, '1000001'),
      );
      expect(error.code).toBe('rate_limited');
      expect(error.details.vendorCode).toBe('TEN_SECONDLY_ROLLING');
      expect(error.failure.retryAfterMs).toBe(7000);
    });

    it('the DAILY limit → quota_exhausted until midnight in the portal time zone', async () => {
      const error = await limited({ limits: { dailyQuota: 1 } }, (ctx) => connector.getPerson(ctx, '1000001'));
      expect(error.code).toBe('quota_exhausted');
      expect(error.failure.retryAfterMs).toBeGreaterThan(0);
      expect(error.failure.retryAfterMs).toBeLessThanOrEqual(86_400_000);
    });
  });

  describe('hostile input corpus', () => {
    const corpus = [
      "o'brien",
      "x' OR Name != '",
      'back\\slash',
      '(paren),comma',
      '"quoted"',
      'percent%_under',
      'wild*card',
      '*',
      '名前',
      '{"propertyName":"email","operator":"HAS_PROPERTY"}',
      'a\u0000nul',
    ];

    it.each(corpus)('an external id %p matches exactly that contact and nothing else', async (value) => {
      const ctx = patContext(sandbox);
      const externalId = `${value}-${randomUUID().slice(0, 6)}`;
      const ref = await connector.upsertPerson(ctx, { externalId, email: `ext-${randomUUID()}@example.com` });
      const found = await connector.findPeople(ctx, { externalId });
      expect(found.map((m) => [m.person.id, m.matchedBy])).toEqual([[ref.id, 'external_id']]);
      await expect(connector.findPeople(ctx, { externalId: `${value}*` })).resolves.toEqual([]);
      await expect(connector.findPeople(ctx, { externalId: value })).resolves.toEqual([]);
    });

    it.each(corpus)('the search filter helper keeps %p literal in the sandbox search parser', async (value) => {
      const page = await search(patContext(sandbox), 'contacts', {
        filterGroups: [{ filters: [literalFilter('email', 'EQ', `${value}@example.com`)] }],
        properties: ['email'],
        limit: 10,
      });
      expect(page.results).toEqual([]);
      const inPage = await search(patContext(sandbox), 'contacts', {
        filterGroups: [{ filters: [literalFilter('email', 'IN', [value, FIXTURE.english.email.toUpperCase()])] }],
        properties: ['email'],
        limit: 10,
      });
      expect(inPage.results.map((r) => r.properties.email)).toEqual([FIXTURE.english.email]);
    });

    it('an email HubSpot refuses as an id (400) is "nobody"; a missing external-id property stays visible', async () => {
      sandbox.faults.set({ errorRates: { 400: 1 }, pathFilter: /batch\/read/ });
      await expect(connector.findPeople(patContext(sandbox), { email: 'not an email' })).resolves.toEqual([]);
      sandbox.faults.reset();
      const misconfigured = patContext(sandbox, { settings: { externalIdProperty: 'no_such_property' } });
      await expectConnectorError(connector.findPeople(misconfigured, { externalId: 'ext-p0000' }), 'invalid_request');
    });

    it('a phone that is not E.164 never reaches a query', async () => {
      sandbox.requests.clear();
      await expect(connector.findPeople(patContext(sandbox), { phone: "+1415' OR 1=1" })).resolves.toEqual([]);
      await expect(connector.findPeople(patContext(sandbox), { phone: '*' })).resolves.toEqual([]);
      expect(sandbox.requests.entries()).toEqual([]);
    });

    it('phone search re-checks every hit and finds US numbers stored in local form', async () => {
      const ctx = patContext(sandbox);
      const matches = await connector.findPeople(ctx, { phone: FIXTURE.english.phoneE164 });
      expect(matches.map((m) => m.person.emails[0])).toEqual([FIXTURE.english.email]);
      // Same digits, different country: must not match the US contact.
      await expect(connector.findPeople(ctx, { phone: '+4414155552671' })).resolves.toEqual([]);
    });
  });

  describe('writes: idempotency details and call counts', () => {
    it('findPeople by email is one batch read; by three identifiers three calls in parallel, one match per person', async () => {
      const ctx = patContext(sandbox);
      sandbox.requests.clear();
      await connector.findPeople(ctx, { email: FIXTURE.english.email });
      expect(sandbox.requests.entries().map((r) => r.path)).toEqual(['/crm/v3/objects/contacts/batch/read']);
      sandbox.requests.clear();
      const all = await connector.findPeople(ctx, {
        email: FIXTURE.english.email,
        externalId: FIXTURE.english.externalId,
        phone: FIXTURE.english.phoneE164,
      });
      expect(all).toHaveLength(1);
      expect(all[0].matchedBy).toBe('external_id');
      expect(sandbox.requests.entries()).toHaveLength(3);
    });

    it('attaches the external id to the contact that already has the email (409 Existing ID path)', async () => {
      const ctx = patContext(sandbox);
      const email = `exists-${randomUUID()}@example.com`;
      const existing = await connector.upsertPerson(ctx, { email, firstName: 'Old' });
      const externalId = `ext-${randomUUID()}`;
      const ref = await connector.upsertPerson(ctx, { externalId, email, firstName: 'New', lastName: 'Name' });
      expect(ref).toMatchObject({ id: existing.id, created: false });
      const [byExternal] = await connector.findPeople(ctx, { externalId });
      expect(byExternal?.person).toMatchObject({ id: existing.id, firstName: 'New', lastName: 'Name', externalId });
      // A contact that already carries another external id keeps it.
      const other = await connector.upsertPerson(ctx, { externalId: `ext-${randomUUID()}`, email });
      expect(other).toMatchObject({ id: existing.id, created: false });
      expect((await connector.getPerson(ctx, existing.id))?.externalId).toBe(externalId);
    });

    it('upsertPerson without a unique key is invalid_request; getPerson of a missing or odd id is null', async () => {
      const ctx = patContext(sandbox);
      await expectConnectorError(connector.upsertPerson(ctx, { firstName: 'Nobody' }), 'invalid_request');
      await expect(connector.getPerson(ctx, '1999999')).resolves.toBeNull();
      await expect(connector.getPerson(ctx, '../../crm/v3/objects/tickets')).resolves.toBeNull();
    });

    it('appendNotes(100) costs 2 calls, keeps the text (HTML-escaped in HubSpot) and dedupes repeated keys', async () => {
      const ctx = patContext(sandbox);
      const personId = await contactId(ctx, FIXTURE.english.email);
      const inputs = Array.from({ length: 99 }, () => note(personId));
      inputs.push({ ...inputs[0], title: 'same key again' });
      sandbox.requests.clear();
      const outcomes = await connector.appendNotes(ctx, inputs);
      expect(sandbox.requests.entries().map((r) => r.path)).toEqual([
        '/crm/v3/objects/notes/batch/upsert',
        '/crm/v4/associations/notes/contacts/batch/create',
      ]);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(outcomes.slice(0, 99).every((o) => o.ok && o.value.created)).toBe(true);
      expect(outcomes[99]).toMatchObject({ ok: true, value: { created: false } });
      expect(outcomes[99].ok && outcomes[0].ok && outcomes[99].value.id === outcomes[0].value.id).toBe(true);
      const listed = await connector.listNotes(ctx, personId, 100);
      const first = listed.find((n) => outcomes[0].ok && n.id === outcomes[0].value.id);
      expect(first).toMatchObject({ title: inputs[0].title, body: inputs[0].body, private: true });
      const stored = await raw(
        sandbox,
        'GET',
        `/crm/v3/objects/notes/${outcomes[0].ok ? outcomes[0].value.id : ''}?properties=hs_note_body`,
      );
      expect((stored.json as { properties: { hs_note_body: string } }).properties.hs_note_body).toContain(
        '&lt;b&gt;there&lt;/b&gt; &amp; welcome',
      );
      await expectConnectorError(connector.appendNotes(ctx, [...inputs, note(personId)]), 'invalid_request');
    });

    it('a note for a contact that does not exist is an {ok:false} outcome, the others succeed', async () => {
      const ctx = patContext(sandbox);
      const personId = await contactId(ctx, FIXTURE.japanese.email);
      const outcomes = await connector.appendNotes(ctx, [note(personId), note('1999999'), note('not-an-id')]);
      expect(outcomes[0]).toMatchObject({ ok: true });
      expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect(outcomes[2]).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      await expectConnectorError(connector.appendNote(ctx, note('1999999')), 'invalid_request');
    });

    it('createCase: 4 calls when new, 2 when it exists, and a retry never moves a worked ticket back', async () => {
      const ctx = patContext(sandbox);
      const personId = await contactId(ctx, FIXTURE.english.email);
      const input = {
        personId,
        subject: 'Escalated chat',
        description: 'Customer escalated.',
        priority: 'urgent' as const,
        transcript: 'Visitor: help\nAgent: escalating',
        idempotencyKey: `case-${randomUUID()}`,
      };
      sandbox.requests.clear();
      const first = await connector.createCase(ctx, input);
      expect(sandbox.requests.entries().map((r) => r.path)).toEqual([
        '/crm/v3/objects/tickets/batch/read',
        '/crm/v3/pipelines/tickets',
        '/crm/v3/objects/tickets/batch/upsert',
        '/crm/v4/associations/tickets/contacts/batch/create',
      ]);
      await raw(sandbox, 'PATCH', `/crm/v3/objects/tickets/${first.id}`, { properties: { hs_pipeline_stage: '3' } });
      sandbox.requests.clear();
      const again = await connector.createCase(ctx, input);
      expect(again).toMatchObject({ id: first.id, created: false });
      expect(sandbox.requests.entries()).toHaveLength(2);
      const ticket = await raw(
        sandbox,
        'GET',
        `/crm/v3/objects/tickets/${first.id}?properties=hs_pipeline_stage,content,hs_ticket_priority`,
      );
      expect((ticket.json as { properties: Record<string, string> }).properties).toMatchObject({
        hs_pipeline_stage: '3',
        hs_ticket_priority: 'URGENT',
        content: expect.stringContaining('Visitor: help'),
      });
      const open = await connector.listOpenCases(ctx, personId, 50);
      expect(open.find((c) => c.id === first.id)).toMatchObject({
        state: 'open',
        status: 'Waiting on us',
        priority: 'urgent',
      });
      expect(
        sandbox.journal
          .entries({ object: 'tickets', externalKey: input.idempotencyKey })
          .filter((e) => e.operation !== 'update'),
      ).toHaveLength(1);
    });

    it('uses a configured pipeline stage without reading the pipelines', async () => {
      const ctx = patContext(sandbox, { settings: { ticketPipelineId: '0', ticketStageId: '2' } });
      const personId = await contactId(ctx, FIXTURE.english.email);
      sandbox.requests.clear();
      const ref = await connector.createCase(ctx, {
        personId,
        subject: 'Configured stage',
        description: 'x',
        priority: 'low',
        idempotencyKey: `stage-${randomUUID()}`,
      });
      expect(sandbox.requests.entries({ pathIncludes: 'pipelines' })).toEqual([]);
      const open = await connector.listOpenCases(ctx, personId, 50);
      expect(open.find((c) => c.id === ref.id)).toMatchObject({
        state: 'pending',
        status: 'Waiting on contact',
        priority: 'low',
      });
    });

    it('listOrders costs 4 calls and lists closed cases nowhere in listOpenCases', async () => {
      const ctx = patContext(sandbox);
      const personId = await contactId(ctx, FIXTURE.english.email);
      sandbox.requests.clear();
      const orders = await connector.listOrders(ctx, personId, 10);
      expect(sandbox.requests.entries()).toHaveLength(4);
      expect(orders.map((o) => o.number)).toEqual(['245-12784', '10023']);
      expect(orders[0]).toMatchObject({
        total: 170,
        currency: 'USD',
        status: 'Shipped',
        placedAt: '2026-09-20T10:00:00.000Z',
      });
      expect(orders[0].items).toEqual(
        expect.arrayContaining([{ sku: 'SKU-100', name: 'Wireless Mouse', quantity: 2, unitPrice: 25 }]),
      );
      expect(orders[0].url).toBe(
        `https://app.hubspot.com/contacts/${sandbox.settings.portalId}/record/0-123/${orders[0].id}`,
      );
      const open = await connector.listOpenCases(ctx, personId, 50);
      expect(open.every((c) => c.state === 'open' || c.state === 'pending')).toBe(true);
    });
  });

  describe('tenant isolation', () => {
    it('two portals used concurrently: every request carries its own tenant credential', async () => {
      const other = await startHubspotSandbox({ people: 20, limits: { requestsPerWindow: 100_000 } });
      try {
        sandbox.requests.clear();
        const work = (box: HubspotSandbox) => async () => {
          const ctx = patContext(box);
          const personId = await contactId(ctx, FIXTURE.english.email);
          await connector.appendNote(ctx, note(personId));
          await connector.listNotes(ctx, personId, 5);
          await connector.listOrders(ctx, personId, 5);
          await connector.upsertPerson(ctx, { email: `iso-${randomUUID()}@example.com` });
        };
        await Promise.all(Array.from({ length: 6 }, (_, i) => work(i % 2 === 0 ? sandbox : other)()));
        const tokensIn = (box: HubspotSandbox) => new Set(box.requests.entries().map((r) => r.credential));
        expect(tokensIn(sandbox)).toEqual(new Set([sandbox.credentials.privateAppToken]));
        expect(tokensIn(other)).toEqual(new Set([other.credentials.privateAppToken]));
        expect(sandbox.credentials.privateAppToken).not.toBe(other.credentials.privateAppToken);
      } finally {
        await other.stop();
      }
    });

    it('an OAuth tenant and a private-app tenant on one portal never swap tokens', async () => {
      sandbox.requests.clear();
      const oauth = oauthContext(sandbox);
      await connector.verify(oauth);
      const oauthToken = (await oauth.session.current()) as { accessToken?: string };
      sandbox.requests.clear();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? connector.findPeople({ ...oauth, signal: AbortSignal.timeout(10_000) }, { email: FIXTURE.english.email })
            : connector.findPeople(patContext(sandbox), { email: FIXTURE.japanese.email }),
        ),
      );
      const entries = sandbox.requests.entries();
      expect(entries).toHaveLength(20);
      expect(new Set(entries.map((r) => r.credential))).toEqual(
        new Set([oauthToken.accessToken, sandbox.credentials.privateAppToken]),
      );
      expect(entries.filter((r) => r.credential === oauthToken.accessToken)).toHaveLength(10);
    });
  });
});
