import { randomUUID } from 'node:crypto';
import { ChatSessionEntity } from '../../src/chat/chat-session.entity';
import { ConnectorContextFactory } from '../../src/connectors/connector-context.factory';
import { row } from '../../src/database/database';
import { ContextCache } from '../../src/enrichment/context-cache';
import { VisitorEntity } from '../../src/visitors/visitor.entity';
import { startAllSandboxes, type Vendor } from '../sandbox';
import { FIXTURE } from '../sandbox/common/seed-data';
import { connectorBodyFor } from '../sandbox/connector-bodies';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';

const VENDORS: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];
type Sandboxes = Awaited<ReturnType<typeof startAllSandboxes>>;

function freshBody(sandbox: Sandboxes[Vendor], roles: string[]) {
  const body = connectorBodyFor(sandbox, roles);
  const issue = (sandbox as unknown as { issueRefreshToken?: () => string }).issueRefreshToken;
  return issue ? { ...body, credentials: { ...body.credentials, refreshToken: issue() } } : body;
}

async function workspaceWithConnectors(t: TestApp, sandboxes: Sandboxes, roles: string[], region = 'JP') {
  const workspace = await t.newWorkspace(`Enrich ${randomUUID().slice(0, 6)}`);
  const admin = { Authorization: `Bearer ${workspace.adminKey}` };
  await t.http.patch(`/v1/workspaces/${workspace.id}`).set(admin).send({ defaultRegion: region });
  const connectorIds: Record<string, string> = {};
  for (const vendor of VENDORS) {
    const created = await t.http.post('/v1/connectors').set(admin).send(freshBody(sandboxes[vendor], roles));
    expect(created.status).toBe(201);
    connectorIds[vendor] = created.body.id as string;
  }
  const key = await t.http
    .post('/v1/api-keys')
    .set(admin)
    .send({ name: 'widget', scopes: ['chat'] });
  return { ...workspace, chat: { Authorization: `Bearer ${key.body.apiKey as string}` }, connectorIds };
}

describe.each(testStores())('enrichment API on %s', (store) => {
  let t: TestApp;
  let sandboxes: Sandboxes;
  let ws: Awaited<ReturnType<typeof workspaceWithConnectors>>;

  beforeAll(async () => {
    warnIfPostgresSkipped('enrichment API');
    sandboxes = await startAllSandboxes(() => ({ people: 60 }));
    t = await createTestApp(store, {
      env: { ALLOW_PRIVATE_CRM_HOSTS: 'true', ENRICH_DEADLINE_MS: '1500', ENRICH_CONNECTOR_TIMEOUT_MS: '1200' },
    });
    ws = await workspaceWithConnectors(t, sandboxes, ['enrich']);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sandboxes?.stop();
  });
  afterEach(() => VENDORS.forEach((vendor) => sandboxes[vendor].faults.reset()));

  const enrich = (body: Record<string, unknown>, headers = ws.chat) =>
    t.http.post('/v1/enrich').set(headers).send(body);

  it('merges a person found in every CRM, with provenance, and surfaces the order the message mentions', async () => {
    const response = await enrich({
      visitor: { email: ` ${FIXTURE.english.email.toUpperCase()} ` },
      message: 'Hi, where is my order 245-12784??',
    });
    expect(response.status).toBe(200);
    const context = response.body;
    expect(context.sources.map((source: { status: string }) => source.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(context.records.map((record: { kind: string }) => record.kind).sort()).toEqual([...VENDORS].sort());
    expect(
      context.records.every(
        (record: { matchedBy: string; url: string }) => record.matchedBy === 'email' && /^https?:/.test(record.url),
      ),
    ).toBe(true);
    expect(context.contact.name.value).toMatch(/Emma/);
    expect(context.contact.name.source.kind).toBe('salesforce');
    expect(context.contact.emails.map((email: { value: string }) => email.value)).toContain(FIXTURE.english.email);
    expect(context.referencedOrder.number).toContain('245-12784');
    expect(context.orders[0].number).toContain('245-12784');
    const sourcesOfOrders = new Set(context.orders.map((order: { source: { kind: string } }) => order.source.kind));
    expect([...sourcesOfOrders].sort()).toEqual(['hubspot', 'salesforce', 'zoho']);
    expect(context.generatedAt).toEqual(expect.any(String));
  });

  it('finds a Japanese customer by a local phone number with the workspace region, also in full-width digits', async () => {
    for (const phone of ['090-1234-5678', '０９０－１２３４－５６７８', '+81 90 1234 5678']) {
      const response = await enrich({ visitor: { phone } });
      expect(response.status).toBe(200);
      expect(response.body.records.length).toBeGreaterThanOrEqual(3);
      expect(response.body.contact.name.value).toMatch(/田中|雪/);
    }
  });

  it('reports ambiguous duplicates with their candidates and never merges them', async () => {
    const response = await enrich({ visitor: { email: FIXTURE.ambiguous.email } });
    const ambiguous = response.body.records.filter((record: { ambiguous: boolean }) => record.ambiguous);
    expect(ambiguous.map((record: { kind: string }) => record.kind).sort()).toEqual(['salesforce', 'zoho']);
    for (const record of ambiguous) {
      expect(record.candidates).toHaveLength(1);
      expect(record.candidates[0].id).not.toBe(record.id);
      expect(record.confidence).toBeLessThan(1);
    }
  });

  it('answers within the deadline when one CRM times out, one fails and one is rate limited', async () => {
    sandboxes.zendesk.faults.set({ latency: { kind: 'fixed', ms: 4000 } });
    sandboxes.salesforce.faults.set({ errorRates: { 500: 1 } });
    sandboxes.hubspot.faults.set({ errorRates: { 429: 1 } });
    const started = Date.now();
    const response = await enrich({ visitor: { email: FIXTURE.japanese.email } });
    const elapsed = Date.now() - started;
    expect(response.status).toBe(200);
    expect(elapsed).toBeLessThan(2500);
    const byKind = Object.fromEntries(
      response.body.sources.map((source: { kind: string; status: string }) => [source.kind, source.status]),
    );
    expect(byKind).toEqual({ salesforce: 'error', hubspot: 'rate_limited', zendesk: 'timeout', zoho: 'ok' });
    expect(response.body.records.map((record: { kind: string }) => record.kind)).toEqual(['zoho']);
  });

  it('reuses the stored link on the next visit: no search request, only a read by id', async () => {
    const email = FIXTURE.onlyIn.hubspot.email;
    await enrich({ visitor: { email } });
    await t.app.get(ContextCache).invalidateVisitors(ws.id, await visitorIds());
    sandboxes.hubspot.requests.clear();
    const again = await enrich({ visitor: { email } });
    expect(again.body.cache.stale).toBe(true);
    await waitFor(() => sandboxes.hubspot.requests.entries().length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const paths = sandboxes.hubspot.requests.entries().map((entry) => entry.path);
    // Looking a person up by email is a contacts search or a contacts batch read by idProperty: neither may happen.
    expect(paths.filter((path) => /\/crm\/v3\/objects\/contacts\/(search|batch\/read)/.test(path))).toEqual([]);
    expect(paths.some((path) => /\/crm\/v3\/objects\/contacts\/\d+/.test(path))).toBe(true);
  });

  it('serves the second call from cache', async () => {
    const first = await enrich({ visitor: { email: FIXTURE.onlyIn.zoho.email } });
    expect(first.body.cache.hit).toBe(false);
    const second = await enrich({ visitor: { email: FIXTURE.onlyIn.zoho.email } });
    expect(second.body.cache).toMatchObject({ hit: true, stale: false });
    expect(second.body.records).toEqual(first.body.records);
  });

  it('names each unreadable identifier in a 400, and requires one identifier', async () => {
    const none = await enrich({ visitor: { name: 'Just a name', cookieId: 'c1' } });
    expect(none.status).toBe(400);
    expect(none.body.errors.map((error: { field: string }) => error.field)).toContain('visitor');
    const bad = await enrich({ visitor: { email: 'not an email', phone: '12' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'visitor.email',
      'visitor.phone',
    ]);
    const admin = await enrich(
      { visitor: { email: FIXTURE.english.email } },
      { Authorization: `Bearer ${ws.adminKey}` },
    );
    expect(admin.status).toBe(403);
  });

  it("returns a known session's context, and 404 for another workspace's session", async () => {
    await enrich({ visitor: { email: FIXTURE.english.email }, sessionId: 'chat-42' });
    const session = await t.db.run((manager) =>
      t.db.repo(ChatSessionEntity, manager).findOneBy({ workspaceId: ws.id, externalId: 'chat-42' }),
    );
    expect(session).toBeNull(); // enrichment does not invent sessions: chat events create them
    const visitor = (await visitorIds())[0];
    const now = new Date();
    const id = randomUUID();
    await t.db.run((manager) =>
      t.db.repo(ChatSessionEntity, manager).insert(
        row({
          id,
          workspaceId: ws.id,
          externalId: 'chat-43',
          visitorId: visitor,
          channel: 'web',
          status: 'open',
          startedAt: now,
          closedAt: null,
          stateChangedAt: now,
          tags: [],
          csatRating: null,
          csatScale: null,
          csatComment: null,
          sentiment: null,
          priority: null,
          caseRef: null,
          summary: null,
          createdAt: now,
          updatedAt: now,
        }),
      ),
    );
    const mine = await t.http.get('/v1/sessions/chat-43/context').set(ws.chat);
    expect(mine.status).toBe(200);
    expect(mine.body.sources).toHaveLength(4);
    const other = await workspaceWithConnectors(t, sandboxes, ['enrich']);
    expect((await t.http.get('/v1/sessions/chat-43/context').set(other.chat)).status).toBe(404);
    expect((await t.http.get(`/v1/sessions/${id}/context`).set(other.chat)).status).toBe(404);
  });

  it('creates a missing person once per CRM under 20 concurrent calls (create-if-missing)', async () => {
    const creating = await workspaceWithConnectors(t, sandboxes, ['enrich', 'create_if_missing']);
    const email = `new-${randomUUID().slice(0, 8)}@example.com`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => enrich({ visitor: { email, name: 'New Person' } }, creating.chat)),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const factory = t.app.get(ConnectorContextFactory);
    for (const vendor of VENDORS) {
      const connector = await factory.load(creating.id, creating.connectorIds[vendor]);
      const { connector: crm, ctx } = await factory.open(connector);
      const found = await crm.findPeople(ctx, { email });
      expect({ vendor, count: found.length }).toEqual({ vendor, count: 1 });
    }
  }, 60_000);

  async function visitorIds(): Promise<string[]> {
    const rows = await t.db.run((manager) => t.db.repo(VisitorEntity, manager).find({ where: { workspaceId: ws.id } }));
    return rows.map((visitor) => visitor.id);
  }
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
