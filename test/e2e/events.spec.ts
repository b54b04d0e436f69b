import { randomUUID } from 'node:crypto';
import { ConnectorContextFactory } from '../../src/connectors/connector-context.factory';
import { ReceivedEventEntity } from '../../src/events/received-event.entity';
import { JobStore } from '../../src/jobs/job-store';
import { startAllSandboxes, type Vendor } from '../sandbox';
import { FIXTURE } from '../sandbox/common/seed-data';
import { connectorBodyFor } from '../sandbox/connector-bodies';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';

type Sandboxes = Awaited<ReturnType<typeof startAllSandboxes>>;
const VENDORS: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];
const ROLES: Record<Vendor, string[]> = {
  salesforce: ['transcripts'],
  hubspot: ['transcripts'],
  zendesk: ['transcripts', 'escalation'],
  zoho: ['transcripts'],
};

describe.each(testStores())('chat events on %s', (store) => {
  let t: TestApp;
  let sandboxes: Sandboxes;
  let ws: { id: string; adminKey: string; chat: Record<string, string>; connectorIds: Record<Vendor, string> };

  beforeAll(async () => {
    warnIfPostgresSkipped('chat events');
    sandboxes = await startAllSandboxes(() => ({ people: 40 }));
    t = await createTestApp(store, { env: { ALLOW_PRIVATE_CRM_HOSTS: 'true', WORKER_POLL_INTERVAL_MS: '20' } });
    const workspace = await t.newWorkspace('Events');
    const admin = { Authorization: `Bearer ${workspace.adminKey}` };
    const connectorIds = {} as Record<Vendor, string>;
    for (const vendor of VENDORS) {
      const body = connectorBodyFor(sandboxes[vendor], ROLES[vendor]);
      const issue = (sandboxes[vendor] as unknown as { issueRefreshToken?: () => string }).issueRefreshToken;
      const created = await t.http
        .post('/v1/connectors')
        .set(admin)
        .send({ ...body, credentials: issue ? { ...body.credentials, refreshToken: issue() } : body.credentials });
      connectorIds[vendor] = created.body.id as string;
    }
    const key = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'chat', scopes: ['chat'] });
    ws = { ...workspace, chat: { Authorization: `Bearer ${key.body.apiKey as string}` }, connectorIds };
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sandboxes?.stop();
  });

  const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 9, minute)).toISOString();
  const post = (body: object) => t.http.post('/v1/events').set(ws.chat).send(body);

  async function settle(): Promise<void> {
    const jobs = t.app.get(JobStore);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const counts = await jobs.countByState();
      if (counts.queued === 0 && counts.running === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`jobs did not settle: ${JSON.stringify(counts)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function notesIn(vendor: Vendor, email: string, titleIncludes: string) {
    const factory = t.app.get(ConnectorContextFactory);
    const { connector, ctx } = await factory.open(await factory.load(ws.id, ws.connectorIds[vendor]));
    const [match] = await connector.findPeople(ctx, { email });
    const notes = await connector.listNotes(ctx, match.person.id, 100);
    return notes.filter((note) => `${note.title ?? ''} ${note.body}`.includes(titleIncludes));
  }

  function conversation(sessionId: string, email: string) {
    return [
      {
        type: 'session.started',
        id: `${sessionId}-e1`,
        sessionId,
        occurredAt: at(0),
        channel: 'web',
        visitor: { email, name: 'Emma Johnson' },
      },
      {
        type: 'message.created',
        id: `${sessionId}-e2`,
        sessionId,
        occurredAt: at(1),
        message: { id: 'm1', author: 'visitor', text: 'Where is my order 245-12784?' },
      },
      {
        type: 'message.created',
        id: `${sessionId}-e3`,
        sessionId,
        occurredAt: at(2),
        message: { id: 'm2', author: 'agent', authorName: 'Alice', text: 'It shipped yesterday.' },
      },
      {
        type: 'message.created',
        id: `${sessionId}-e4`,
        sessionId,
        occurredAt: at(3),
        message: { id: 'm3', author: 'agent', text: 'INTERNAL: customer is VIP, be nice', private: true },
      },
      { type: 'session.closed', id: `${sessionId}-e5`, sessionId, occurredAt: at(4) },
    ];
  }

  it('pushes one transcript per CRM on close, never duplicates on replay, and keeps private notes out', async () => {
    const sessionId = `chat-${randomUUID().slice(0, 8)}`;
    const first = await post({ events: conversation(sessionId, FIXTURE.english.email) });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ accepted: 5, duplicate: 0 });
    const replay = await post({ events: conversation(sessionId, FIXTURE.english.email) });
    expect(replay.body).toEqual({ accepted: 0, duplicate: 5 });
    await settle();
    for (const vendor of VENDORS) {
      const notes = await notesIn(vendor, FIXTURE.english.email, 'It shipped yesterday');
      const transcript = notes.filter((note) => !note.body.includes('INTERNAL: customer is VIP'));
      expect({ vendor, transcripts: transcript.length }).toEqual({ vendor, transcripts: 1 });
      // Where the CRM keeps internal notes, the agents' private notes go there (once, marked private), and only there.
      const internal = notes.filter((note) => note.body.includes('INTERNAL: customer is VIP'));
      expect(internal.every((note) => note.private)).toBe(true);
      expect(internal.length).toBeLessThanOrEqual(1);
    }
    const session = await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat);
    expect(session.body).toMatchObject({ status: 'closed', messageCount: 3, channel: 'web' });
  }, 60_000);

  it('writes CSAT and tags given after the close to every CRM once, and opens a follow-up for a low rating', async () => {
    const sessionId = `chat-${randomUUID().slice(0, 8)}`;
    expect((await post({ events: conversation(sessionId, FIXTURE.english.email) })).status).toBe(202);
    await settle();
    const feedback = (id: string, minute: number) => [
      {
        type: 'csat.submitted',
        id: `${sessionId}-${id}-csat`,
        sessionId,
        occurredAt: at(minute),
        rating: 1,
        comment: 'Nobody told me where my parcel is',
      },
      { type: 'tags.updated', id: `${sessionId}-${id}-tags`, sessionId, occurredAt: at(minute), tags: ['shipping'] },
    ];
    expect((await post({ events: feedback('a', 10) })).status).toBe(202);
    // The chat system sends the same rating and tags again under new event ids: nothing new to write.
    expect((await post({ events: feedback('b', 11) })).body).toEqual({ accepted: 2, duplicate: 0 });
    await settle();
    for (const vendor of VENDORS) {
      // The feedback note, by its title (the follow-up case's transcript also mentions the rating).
      const written = await notesIn(vendor, FIXTURE.english.email, `CSAT 1/5 · Session ${sessionId}`);
      expect({ vendor, notes: written.length }).toEqual({ vendor, notes: 1 });
      expect(written[0].body).toContain('CSAT: 1/5 "Nobody told me where my parcel is"');
      expect(written[0].body).toContain('Tags: shipping');
    }
    const factory = t.app.get(ConnectorContextFactory);
    const { connector, ctx } = await factory.open(await factory.load(ws.id, ws.connectorIds.zendesk));
    const [person] = await connector.findPeople(ctx, { email: FIXTURE.english.email });
    const followUps = (await connector.listOpenCases(ctx, person.person.id, 100)).filter((item) =>
      item.subject.includes(`low satisfaction rating (1/5) on chat ${sessionId}`),
    );
    expect(followUps).toHaveLength(1);
  }, 60_000);

  it('escalates into the escalation connector once, with the case reference on the session', async () => {
    const sessionId = `chat-${randomUUID().slice(0, 8)}`;
    const events = [
      ...conversation(sessionId, FIXTURE.japanese.email).slice(0, 3),
      {
        type: 'session.escalated',
        id: `${sessionId}-x1`,
        sessionId,
        occurredAt: at(5),
        reason: 'Customer is angry about a late order',
        priorityHint: 'high',
      },
      { type: 'session.escalated', id: `${sessionId}-x2`, sessionId, occurredAt: at(6), priorityHint: 'urgent' },
    ];
    expect((await post({ events })).status).toBe(202);
    await settle();
    const session = await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat);
    expect(session.body.status).toBe('escalated');
    expect(session.body.escalation.case).toMatchObject({ kind: 'zendesk', recordId: expect.any(String) });
    expect(['urgent', 'high']).toContain(session.body.priority);
    const factory = t.app.get(ConnectorContextFactory);
    const { connector, ctx } = await factory.open(await factory.load(ws.id, ws.connectorIds.zendesk));
    const [person] = await connector.findPeople(ctx, { email: FIXTURE.japanese.email });
    const cases = await connector.listOpenCases(ctx, person.person.id, 100);
    expect(cases.filter((item) => item.id === session.body.escalation.case.recordId)).toHaveLength(1);

    const open = await t.http.get('/v1/cases?status=open').set(ws.chat);
    expect(open.status).toBe(200);
    expect(open.body.map((item: { externalId: string }) => item.externalId)).toContain(sessionId);
    const ranks = open.body.map((item: { priority: string }) =>
      ['urgent', 'high', 'normal', 'low'].indexOf(item.priority ?? 'normal'),
    );
    expect([...ranks].sort((a: number, b: number) => a - b)).toEqual(ranks);
    expect((await t.http.get('/v1/cases?status=closed').set(ws.chat)).status).toBe(400);
  }, 60_000);

  it('converges on out-of-order events: a late, older close does not close a reopened session', async () => {
    const sessionId = `chat-${randomUUID().slice(0, 8)}`;
    const visitor = { email: FIXTURE.onlyIn.zoho.email };
    await post({ type: 'session.reopened', id: `${sessionId}-r`, sessionId, occurredAt: at(8), visitor });
    await post({ type: 'session.closed', id: `${sessionId}-c`, sessionId, occurredAt: at(5), visitor });
    const session = await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat);
    expect(session.body.status).toBe('open');
  });

  it('refuses bad input with each field named, and writes nothing', async () => {
    const before = await t.db.run((manager) => t.db.repo(ReceivedEventEntity, manager).count());
    const response = await post({
      events: [
        { type: 'session.closed', id: 'ok-1', sessionId: 's', occurredAt: at(1) },
        {
          type: 'message.created',
          id: 'bad-1',
          sessionId: 's',
          occurredAt: 'yesterday',
          message: { id: 'm', author: 'ghost', text: 'x' },
        },
        { type: 'session.closed', id: 'bad-2', sessionId: 's', occurredAt: at(2), visitor: { email: 'nope' } },
      ],
    });
    expect(response.status).toBe(400);
    const fields = (response.body.errors as Array<{ field: string }>).map((error) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['events.1.occurredAt', 'events.1.message.author']));
    expect(await t.db.run((manager) => t.db.repo(ReceivedEventEntity, manager).count())).toBe(before);
    const tooMany = await post({
      events: Array.from({ length: 101 }, (_, index) => ({
        type: 'session.closed',
        id: `x${index}`,
        sessionId: 's',
        occurredAt: at(1),
      })),
    });
    expect(tooMany.status).toBe(400);
  });

  it("keeps workspaces apart: another workspace's session is 404", async () => {
    const sessionId = `chat-${randomUUID().slice(0, 8)}`;
    await post({ type: 'session.started', id: `${sessionId}-s`, sessionId, occurredAt: at(0) });
    const other = await t.newWorkspace('Other');
    const key = await t.http
      .post('/v1/api-keys')
      .set({ Authorization: `Bearer ${other.adminKey}` })
      .send({ name: 'c', scopes: ['chat'] });
    const theirs = { Authorization: `Bearer ${key.body.apiKey as string}` };
    expect((await t.http.get(`/v1/sessions/${sessionId}`).set(theirs)).status).toBe(404);
    expect((await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat)).status).toBe(200);
  });
});
