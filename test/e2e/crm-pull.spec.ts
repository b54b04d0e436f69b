import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatSessionEntity } from '../../src/chat/chat-session.entity';
import { ConnectorEntity } from '../../src/connectors/connector.entity';
import { ConnectorRegistry } from '../../src/connectors/connector.registry';
import { changeSource } from '../../src/crm-sync/crm-change-applier';
import { CrmPullHandler, type PullReport } from '../../src/crm-sync/crm-pull.handler';
import { ContextCache } from '../../src/enrichment/context-cache';
import { ReceivedEventEntity } from '../../src/events/received-event.entity';
import { JobEntity } from '../../src/jobs/job.entity';
import { JobScheduler } from '../../src/jobs/job-scheduler';
import { JobStore } from '../../src/jobs/job-store';
import { FIXTURE } from '../sandbox/common/seed-data';
import { connectorBodyFor } from '../sandbox/connector-bodies';
import { startHubspotSandbox, type HubspotSandbox } from '../sandbox/hubspot/hubspot.sandbox';
import { sdk } from '../sandbox/hubspot/hubspot.test-helpers';
import { raw } from '../sandbox/zendesk/test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from '../sandbox/zendesk/zendesk.sandbox';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';
import { startWebhookRelay, type WebhookRelay } from '../support/webhook-relay';

const ZENDESK_SECRET = 'zendesk-webhook-signing-secret';
const MAX_PAGES = 3;

/**
 * The incremental pull against the Zendesk sandbox with the real connector: changes made in Zendesk reach the cache,
 * the cases and the chat system; the cursor is checkpointed per page; a change seen by webhook and pull counts once.
 * The sandbox's own signed webhooks reach the service through a relay (their URL is fixed before the connector
 * exists), which can also hold a webhook back to make it arrive after the pull.
 */
describe.each(testStores())('incremental CRM pull on %s', (store) => {
  let t: TestApp;
  let zendesk: ZendeskSandbox;
  let relay: WebhookRelay;
  let webhookTarget: string;
  let receiver: Server;
  const received: Array<{ body: string }> = [];
  let ws: { id: string; admin: Record<string, string>; chat: Record<string, string>; connectorId: string };
  let pulls: CrmPullHandler;

  beforeAll(async () => {
    warnIfPostgresSkipped('incremental CRM pull');
    relay = await startWebhookRelay();
    zendesk = await startZendeskSandbox({
      people: 30,
      // The export's own 10/min limit is not what these tests are about; nor is its "last minute" exclusion.
      incrementalRequestsPerMinute: 10_000,
      incrementalExclusionSeconds: 0,
      webhook: { url: relay.url, secret: ZENDESK_SECRET },
    });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t = await createTestApp(store, {
      env: { ALLOW_PRIVATE_CRM_HOSTS: 'true', WORKER_POLL_INTERVAL_MS: '20', CRM_PULL_MAX_PAGES: String(MAX_PAGES) },
    });
    // Listening before the first request, so supertest and the relay talk to the same server.
    await t.app.listen(0, '127.0.0.1');
    const appPort = (t.app.getHttpServer().address() as AddressInfo).port;
    const workspace = await t.newWorkspace('Pulls');
    const admin = { Authorization: `Bearer ${workspace.adminKey}` };
    const body = connectorBodyFor(zendesk, ['enrich', 'escalation']);
    const connector = await t.http
      .post('/v1/connectors')
      .set(admin)
      .send({
        ...body,
        // Two records per export page, so a handful of changes spans several pages.
        settings: { ...body.settings, incrementalPageSize: 2 },
        credentials: { ...body.credentials, webhookSecret: ZENDESK_SECRET },
      });
    expect(connector.status).toBe(201);
    webhookTarget = `http://127.0.0.1:${appPort}/v1/webhooks/crm/${connector.body.id as string}`;
    const { port } = receiver.address() as AddressInfo;
    const endpoint = await t.http
      .post('/v1/webhook-endpoints')
      .set(admin)
      .send({ url: `http://127.0.0.1:${port}/chat-callback`, eventTypes: ['case.solved'] });
    expect(endpoint.status).toBe(201);
    const key = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'chat', scopes: ['chat'] });
    ws = {
      id: workspace.id,
      admin,
      chat: { Authorization: `Bearer ${key.body.apiKey as string}` },
      connectorId: connector.body.id as string,
    };
    pulls = t.app.get(CrmPullHandler);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await zendesk?.stop();
    await relay?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });
  afterEach(() => {
    zendesk.faults.reset();
    jest.restoreAllMocks();
  });

  async function settle(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const counts = await t.app.get(JobStore).countByState();
      if (counts.queued === 0 && counts.running === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`jobs did not settle: ${JSON.stringify(counts)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Pulls until a run ends before its page limit (the feed is drained); returns the runs' reports. */
  async function drain(): Promise<PullReport[]> {
    const reports: PullReport[] = [];
    for (let run = 0; run < 20; run += 1) {
      const report = await pulls.pull(ws.id, ws.connectorId);
      reports.push(report);
      if (report.outcome !== 'done' || report.pages < MAX_PAGES) {
        return reports;
      }
    }
    throw new Error('the change feed did not drain');
  }

  const connectorRow = () =>
    t.db.run((manager) => t.db.repo(ConnectorEntity, manager).findOneByOrFail({ id: ws.connectorId }));
  const rememberedKeys = async () =>
    (
      await t.db.run((manager) =>
        t.db.repo(ReceivedEventEntity, manager).findBy({ workspaceId: ws.id, source: changeSource(ws.connectorId) }),
      )
    ).map((event) => event.eventKey);
  const deliveriesFor = (sessionId: string) =>
    received.filter(
      (delivery) => (JSON.parse(delivery.body) as { data: { sessionId: string } }).data.sessionId === sessionId,
    );
  const openCases = async () =>
    ((await t.http.get('/v1/cases?status=open').set(ws.chat)).body as Array<{ externalId: string }>).map(
      (item) => item.externalId,
    );

  /** A chat escalated to a Zendesk ticket (by the case.create job); returns the chat's id and the ticket's. */
  async function escalatedChat(): Promise<{ sessionId: string; ticketId: string }> {
    const sessionId = `chat-${randomUUID().slice(0, 8)}`;
    const at = (second: number) => new Date(Date.now() - 60_000 + second * 1000).toISOString();
    const response = await t.http
      .post('/v1/events')
      .set(ws.chat)
      .send({
        events: [
          {
            type: 'session.started',
            id: `${sessionId}-1`,
            sessionId,
            occurredAt: at(0),
            visitor: { email: FIXTURE.english.email },
          },
          {
            type: 'message.created',
            id: `${sessionId}-2`,
            sessionId,
            occurredAt: at(1),
            message: { id: 'm1', author: 'visitor', text: 'My parcel is lost' },
          },
          { type: 'session.escalated', id: `${sessionId}-3`, sessionId, occurredAt: at(2), priorityHint: 'high' },
        ],
      });
    expect(response.status).toBe(202);
    await settle();
    const session = await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat);
    const ticketId = session.body.escalation.case.recordId as string;
    expect(ticketId).toMatch(/^\d+$/);
    return { sessionId, ticketId };
  }

  /**
   * The sandbox runs with no "most recent minute" exclusion, so a cursor can stand at the current second; a change
   * in that same second would sort before it. Zendesk's exclusion is what prevents that for real; here we step over.
   */
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));

  /** Waits until the cached context is fresh again (an enrich served it stale and refreshes it behind). */
  async function waitForFreshContext(identity: string): Promise<void> {
    const cache = t.app.get(ContextCache);
    const deadline = Date.now() + 10_000;
    while ((await cache.get(ws.id, identity))?.invalidated !== false) {
      if (Date.now() > deadline) {
        throw new Error('the cached context was not refreshed');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const solve = async (ticketId: string) => {
    await nextSecond();
    const solved = await raw(zendesk, 'PUT', `/api/v2/tickets/${ticketId}.json`, {
      body: { ticket: { status: 'solved' } },
    });
    expect(solved.status).toBe(200);
  };

  it('starts "from now" on the first run and saves the cursor, visible on the connector', async () => {
    const before = await t.http.get(`/v1/connectors/${ws.connectorId}`).set(ws.admin);
    expect(before.body.pull).toEqual({ lastPullAt: null, hasCursor: false, lastError: null });

    const report = await pulls.pull(ws.id, ws.connectorId);
    expect(report).toEqual({ outcome: 'done', pages: 1, accepted: 0, duplicate: 0 });
    expect((await connectorRow()).pullCursor).toEqual(expect.any(String));
    const after = await t.http.get(`/v1/connectors/${ws.connectorId}`).set(ws.admin);
    expect(after.body.pull).toEqual({ lastPullAt: expect.any(String), hasCursor: true, lastError: null });
    expect((await t.http.get('/metrics')).text).toContain('# TYPE jobs_dead_letters gauge');
  });

  it('a person changed in Zendesk invalidates cached contexts; a ticket solved there closes the chat’s case', async () => {
    // No webhooks in this test: the pull alone must do it.
    relay.target = undefined;
    const { sessionId, ticketId } = await escalatedChat();
    await drain();
    const enriched = await t.http
      .post('/v1/enrich')
      .set(ws.chat)
      .send({ visitor: { email: FIXTURE.english.email } });
    expect(enriched.status).toBe(200);
    const userId = (enriched.body.records as Array<{ kind: string; id: string }>).find(
      (record) => record.kind === 'zendesk',
    )?.id;
    expect(userId).toBeDefined();
    const cache = t.app.get(ContextCache);
    const identity = `email:${FIXTURE.english.email}`;
    await waitForFreshContext(identity);
    expect((await cache.get(ws.id, identity))?.invalidated).toBe(false);

    await nextSecond();
    const renamed = await raw(zendesk, 'PUT', `/api/v2/users/${userId}.json`, {
      body: { user: { name: 'Renamed In Zendesk' } },
    });
    expect(renamed.status).toBe(200);
    const afterRename = await drain();
    expect(afterRename.reduce((sum, report) => sum + report.accepted, 0)).toBeGreaterThanOrEqual(1);
    expect((await cache.get(ws.id, identity))?.invalidated).toBe(true);

    expect(await openCases()).toContain(sessionId);
    await solve(ticketId);
    await drain();
    await settle();
    const session = await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat);
    expect(session.body.escalation.case).toMatchObject({ recordId: ticketId, state: 'solved' });
    expect(await openCases()).not.toContain(sessionId);
    const deliveries = deliveriesFor(sessionId);
    expect(deliveries).toHaveLength(1);
    expect(JSON.parse(deliveries[0].body)).toMatchObject({
      type: 'case.solved',
      data: { sessionId, case: { connectorId: ws.connectorId, recordId: ticketId, state: 'solved' } },
    });
  }, 60_000);

  it('a ticket reopened in Zendesk puts the chat back among open cases; solved again, the chat system hears again', async () => {
    relay.target = undefined;
    const { sessionId, ticketId } = await escalatedChat();
    await drain();
    await solve(ticketId);
    await drain();
    await settle();
    expect(await openCases()).not.toContain(sessionId);

    await nextSecond();
    const reopened = await raw(zendesk, 'PUT', `/api/v2/tickets/${ticketId}.json`, {
      body: { ticket: { status: 'open' } },
    });
    expect(reopened.status).toBe(200);
    await drain();
    await settle();
    const session = await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat);
    expect(session.body.escalation.case).toMatchObject({ recordId: ticketId, state: 'open' });
    expect(await openCases()).toContain(sessionId);
    expect(deliveriesFor(sessionId)).toHaveLength(1);

    await solve(ticketId);
    await drain();
    await settle();
    expect(await openCases()).not.toContain(sessionId);
    expect(deliveriesFor(sessionId).map((delivery) => (JSON.parse(delivery.body) as { type: string }).type)).toEqual([
      'case.solved',
      'case.solved',
    ]);
  }, 60_000);

  it('a failure on page 2 keeps page 1’s checkpoint, and the rerun applies the rest without repeating page 1', async () => {
    relay.target = undefined;
    await drain();
    await nextSecond();
    const created: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const user = await raw(zendesk, 'POST', '/api/v2/users.json', {
        body: { user: { name: `Pull Page ${i}`, email: `pull-page-${i}-${randomUUID().slice(0, 6)}@example.com` } },
      });
      expect(user.status).toBe(201);
      created.push(String(user.json.user.id));
    }
    const cursorBefore = (await connectorRow()).pullCursor;
    const keysBefore = new Set(await rememberedKeys());

    // Page 1 goes through; from page 2 on, the sandbox answers the exports with 503s.
    const connector = t.app.get(ConnectorRegistry).get('zendesk');
    const listChanges = connector.listChanges.bind(connector);
    let calls = 0;
    jest.spyOn(connector, 'listChanges').mockImplementation((ctx, cursor) => {
      calls += 1;
      if (calls === 2) {
        zendesk.faults.set({ errorRates: { 503: 1 }, pathFilter: /\/incremental\// });
      }
      return listChanges(ctx, cursor);
    });
    await expect(pulls.pull(ws.id, ws.connectorId)).rejects.toMatchObject({ code: 'unavailable' });
    const failed = await connectorRow();
    expect(failed.pullCursor).not.toBe(cursorBefore);
    expect(failed.lastPullError).toMatch(/^unavailable: /);
    const afterPageOne = (await rememberedKeys()).filter((key) => !keysBefore.has(key));
    expect(afterPageOne.length).toBeGreaterThan(0);
    expect(afterPageOne.length).toBeLessThan(created.length);

    zendesk.faults.reset();
    jest.restoreAllMocks();
    const rerun = await drain();
    // The rerun starts after page 1: nothing it reads was seen before.
    expect(rerun[0]).toMatchObject({ outcome: 'done', duplicate: 0 });
    const added = (await rememberedKeys()).filter((key) => !keysBefore.has(key));
    for (const id of created) {
      expect({ id, taken: added.filter((key) => key.startsWith(`user:${id}:`)).length }).toEqual({ id, taken: 1 });
    }
    expect(rerun.reduce((sum, report) => sum + report.accepted, 0)).toBe(added.length - afterPageOne.length);
    const view = await t.http.get(`/v1/connectors/${ws.connectorId}`).set(ws.admin);
    expect(view.body.pull.lastError).toBeNull();
  }, 60_000);

  it('two pulls of one connector at once never apply a page twice: the slower one finds the cursor moved', async () => {
    relay.target = undefined;
    await drain();
    await nextSecond();
    for (let i = 0; i < 3; i += 1) {
      const user = await raw(zendesk, 'POST', '/api/v2/users.json', {
        body: { user: { name: `Race ${i}`, email: `race-${i}-${randomUUID().slice(0, 6)}@example.com` } },
      });
      expect(user.status).toBe(201);
    }
    const reports = await Promise.all([pulls.pull(ws.id, ws.connectorId), pulls.pull(ws.id, ws.connectorId)]);
    expect(reports.reduce((sum, report) => sum + report.duplicate, 0)).toBe(0);
    expect(reports.map((report) => report.outcome)).toContain('superseded');
    const rest = await drain();
    expect(reports.concat(rest).reduce((sum, report) => sum + report.accepted, 0)).toBe(3);
  }, 60_000);

  it('a solve seen by webhook first and pull second reaches the chat system once', async () => {
    relay.target = webhookTarget;
    const { sessionId, ticketId } = await escalatedChat();
    await drain();
    await solve(ticketId);
    await zendesk.flushWebhooks();
    const answered = relay.log.at(-1);
    expect(answered).toMatchObject({ status: 200, contentType: expect.stringContaining('application/json') });
    expect(JSON.parse(answered?.body ?? '{}')).toEqual({ accepted: 1, duplicate: 0 });
    await settle();
    expect(deliveriesFor(sessionId)).toHaveLength(1);

    // The pull reports the same solve under its own key: taken, but the case was already solved.
    const reports = await drain();
    expect(reports.reduce((sum, report) => sum + report.accepted, 0)).toBeGreaterThanOrEqual(1);
    await settle();
    expect(deliveriesFor(sessionId)).toHaveLength(1);
  }, 60_000);

  it('a solve seen by pull first and a late webhook second reaches the chat system once', async () => {
    relay.target = webhookTarget;
    const { sessionId, ticketId } = await escalatedChat();
    await drain();
    await zendesk.flushWebhooks();
    relay.hold();
    await solve(ticketId);
    await drain();
    await settle();
    expect(deliveriesFor(sessionId)).toHaveLength(1);
    const session = await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat);
    expect(session.body.escalation.case.state).toBe('solved');

    const before = relay.log.length;
    await relay.release();
    await zendesk.flushWebhooks();
    const late = relay.log.slice(before);
    expect(late.length).toBeGreaterThanOrEqual(1);
    expect(late.every((entry) => entry.status === 200)).toBe(true);
    await settle();
    expect(deliveriesFor(sessionId)).toHaveLength(1);
    const stored = await t.db.run((manager) =>
      t.db.repo(ChatSessionEntity, manager).findOneByOrFail({ workspaceId: ws.id, externalId: sessionId }),
    );
    expect(stored.caseRef).toMatchObject({ state: 'solved' });
  }, 60_000);

  it('a tick runs the pull through the queue: fan-out, then the connector’s pull in its job group', async () => {
    relay.target = undefined;
    await drain();
    await nextSecond();
    const user = await raw(zendesk, 'POST', '/api/v2/users.json', {
      body: { user: { name: 'Scheduled Pull', email: `scheduled-${randomUUID().slice(0, 6)}@example.com` } },
    });
    expect(user.status).toBe(201);
    // The app runs with CRM_PULL_CRON=off (no tick mid-test), so the schedule is ticked by hand.
    await t.app
      .get(JobScheduler)
      .tick({ name: 'crm-pull', cron: '0 * * * * *', type: 'crm.pull.fan-out', payload: {} }, new Date());
    await settle();
    const pullJobs = await t.db.run((manager) =>
      t.db.repo(JobEntity, manager).findBy({ type: 'crm.pull', groupKey: `connector:${ws.connectorId}` }),
    );
    expect(pullJobs.map((job) => job.state)).toEqual(['done']);
    expect((await rememberedKeys()).filter((key) => key.startsWith(`user:${String(user.json.user.id)}:`))).toHaveLength(
      1,
    );
  }, 60_000);
});

/** The same pipeline with another vendor's change feed (HubSpot CRM search by lastmodifieddate). */
describe.each(testStores())('incremental pull from HubSpot on %s', (store) => {
  let t: TestApp;
  let hubspot: HubspotSandbox;
  let ws: { id: string; chat: Record<string, string>; connectorId: string };

  beforeAll(async () => {
    warnIfPostgresSkipped('incremental pull from HubSpot');
    hubspot = await startHubspotSandbox({ people: 30 });
    t = await createTestApp(store, { env: { ALLOW_PRIVATE_CRM_HOSTS: 'true' } });
    const workspace = await t.newWorkspace('HubSpot pulls');
    const admin = { Authorization: `Bearer ${workspace.adminKey}` };
    const connector = await t.http
      .post('/v1/connectors')
      .set(admin)
      .send(connectorBodyFor(hubspot, ['enrich']));
    expect(connector.status).toBe(201);
    const key = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'chat', scopes: ['chat'] });
    ws = {
      id: workspace.id,
      chat: { Authorization: `Bearer ${key.body.apiKey as string}` },
      connectorId: connector.body.id as string,
    };
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await hubspot?.stop();
  });

  it('a contact updated in HubSpot invalidates the cached contexts that show it, once', async () => {
    const handler = t.app.get(CrmPullHandler);
    // Each pull is two CRM searches and HubSpot's search API allows 5 a second: a second apart (ticks are minutes).
    const pulls = {
      pull: async (workspaceId: string, connectorId: string) => {
        await new Promise((resolve) => setTimeout(resolve, 1100));
        return handler.pull(workspaceId, connectorId);
      },
    };
    expect(await pulls.pull(ws.id, ws.connectorId)).toMatchObject({ outcome: 'done', accepted: 0 });
    const enriched = await t.http
      .post('/v1/enrich')
      .set(ws.chat)
      .send({ visitor: { email: FIXTURE.japanese.email } });
    expect(enriched.status).toBe(200);
    const contactId = (enriched.body.records as Array<{ kind: string; id: string }>).find(
      (record) => record.kind === 'hubspot',
    )?.id as string;
    expect(contactId).toMatch(/^\d+$/);
    const cache = t.app.get(ContextCache);
    const identity = `email:${FIXTURE.japanese.email}`;
    expect((await cache.get(ws.id, identity))?.invalidated).toBe(false);
    expect(await pulls.pull(ws.id, ws.connectorId)).toMatchObject({ accepted: 0 });

    await sdk(hubspot).crm.contacts.basicApi.update(contactId, { properties: { firstname: 'Renamed' } });
    const report = await pulls.pull(ws.id, ws.connectorId);
    expect(report).toMatchObject({ outcome: 'done', accepted: 1, duplicate: 0 });
    expect((await cache.get(ws.id, identity))?.invalidated).toBe(true);
    // The next pull starts after that change: it is not reported again.
    expect(await pulls.pull(ws.id, ws.connectorId)).toMatchObject({ accepted: 0, duplicate: 0 });
  }, 60_000);
});
