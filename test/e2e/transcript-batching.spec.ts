import { JobStore } from '../../src/jobs/job-store';
import { JobWorker } from '../../src/jobs/job-worker';
import { startAllSandboxes, type Vendor } from '../sandbox';
import { connectorBodyFor } from '../sandbox/connector-bodies';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';

type Sandboxes = Awaited<ReturnType<typeof startAllSandboxes>>;
const VENDORS: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];

/** The one request each connector writes a batch of notes with (journal objects differ per vendor). */
const NOTE_WRITES: Record<Vendor, { method: string; pathIncludes: string; object: string }> = {
  salesforce: { method: 'PATCH', pathIncludes: '/composite/sobjects/Task', object: 'Task' },
  hubspot: { method: 'POST', pathIncludes: '/crm/v3/objects/notes/batch/upsert', object: 'notes' },
  zendesk: { method: 'POST', pathIncludes: '/api/v2/tickets/create_many', object: 'tickets' },
  zoho: { method: 'POST', pathIncludes: '/crm/v8/Notes', object: 'Notes' },
};

describe.each(testStores())('transcript pushes under backlog on %s', (store) => {
  let t: TestApp;
  let sandboxes: Sandboxes;
  let chat: Record<string, string>;
  let connectorIds: Record<Vendor, string>;
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 9, minute)).toISOString();

  beforeAll(async () => {
    warnIfPostgresSkipped('transcript batching');
    // Generous vendor limits: this test counts calls; pacing and 429s have their own tests.
    sandboxes = await startAllSandboxes(() => ({ people: 10, limits: { requestsPerWindow: 100_000 } }));
    t = await createTestApp(store, {
      env: { ALLOW_PRIVATE_CRM_HOSTS: 'true', WORKER_POLL_INTERVAL_MS: '20', JOB_BACKOFF_BASE_MS: '1' },
    });
    // The backlog builds up while no worker runs; the test drains it by hand.
    await t.app.get(JobWorker).stop();
    const workspace = await t.newWorkspace('Batching');
    const admin = { Authorization: `Bearer ${workspace.adminKey}` };
    connectorIds = {} as Record<Vendor, string>;
    for (const vendor of VENDORS) {
      const body = connectorBodyFor(sandboxes[vendor], ['transcripts', 'create_if_missing']);
      const issue = (sandboxes[vendor] as unknown as { issueRefreshToken?: () => string }).issueRefreshToken;
      const created = await t.http
        .post('/v1/connectors')
        .set(admin)
        .send({
          ...body,
          credentials: issue ? { ...body.credentials, refreshToken: issue() } : body.credentials,
          // The sandboxes' limits are the vendors'; this test is about call counts, not pacing.
          rateBudget: { operations: 1000, intervalMs: 1000, maxConcurrent: 8 },
        });
      expect(created.status).toBe(201);
      connectorIds[vendor] = created.body.id as string;
    }
    const key = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'chat', scopes: ['chat'] });
    chat = { Authorization: `Bearer ${key.body.apiKey as string}` };
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sandboxes?.stop();
  });

  async function closeSessions(prefix: string, count: number, people = prefix): Promise<void> {
    const events = Array.from({ length: count }, (_, index) => {
      const sessionId = `${prefix}-${index}`;
      return [
        {
          type: 'session.started',
          id: `${sessionId}-1`,
          sessionId,
          occurredAt: at(0),
          visitor: { email: `batch-${people}-${index % 12}@example.com`, name: `Batch Customer ${index % 12}` },
        },
        {
          type: 'message.created',
          id: `${sessionId}-2`,
          sessionId,
          occurredAt: at(1),
          message: { id: 'm1', author: 'visitor', text: `Question number ${index}` },
        },
        { type: 'session.closed', id: `${sessionId}-3`, sessionId, occurredAt: at(2) },
      ];
    }).flat();
    // A request carries at most 100 events.
    for (let start = 0; start < events.length; start += 99) {
      const response = await t.http
        .post('/v1/events')
        .set(chat)
        .send({ events: events.slice(start, start + 99) });
      expect(response.status).toBe(202);
    }
  }

  async function drain(): Promise<void> {
    await t.app.get(JobWorker).drain();
    const counts = await t.app.get(JobStore).countByState();
    expect({ queued: counts.queued, running: counts.running, dead: counts.dead }).toEqual({
      queued: 0,
      running: 0,
      dead: 0,
    });
  }

  it('writes a backlog of closed sessions in one batch call per CRM, one record per session', async () => {
    // Resolve (and create) the 12 visitors first, so the measured drain is about the note writes.
    await closeSessions('warm', 12);
    await drain();
    for (const vendor of VENDORS) {
      sandboxes[vendor].requests.clear();
      sandboxes[vendor].journal.clear();
    }

    await closeSessions('backlog', 40, 'warm');
    await drain();

    for (const vendor of VENDORS) {
      const write = NOTE_WRITES[vendor];
      const calls = sandboxes[vendor].requests
        .entries({ method: write.method, pathIncludes: write.pathIncludes })
        .filter((entry) => entry.status < 300);
      const notes = sandboxes[vendor].journal
        .entries({ object: write.object })
        .filter((entry) => entry.operation !== 'delete');
      const records = new Set(notes.map((entry) => entry.recordId));
      expect({ vendor, calls: calls.length, records: records.size }).toEqual({ vendor, calls: 1, records: 40 });
    }
  }, 120_000);

  it('fails only the record the CRM refused, re-resolves its person, and writes every note once', async () => {
    await closeSessions('gone', 6);
    await drain();
    // One visitor's HubSpot contact is deleted behind our back: the stored link now points at nothing.
    const links: Array<{ recordId: string }> = await t.db.run((manager) =>
      manager.query(
        `SELECT l.record_id AS "recordId" FROM identity_links l JOIN visitors v ON v.id = l.visitor_id
          WHERE l.connector_id = ${t.db.param(1)} AND v.email = ${t.db.param(2)}`,
        [connectorIds.hubspot, 'batch-gone-0@example.com'],
      ),
    );
    expect(links).toHaveLength(1);
    const token = await hubspotAccessToken();
    const deleted = await fetch(`${sandboxes.hubspot.baseUrl}/crm/v3/objects/contacts/${links[0].recordId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleted.status).toBe(204);
    sandboxes.hubspot.journal.clear();
    sandboxes.hubspot.requests.clear();

    const before = (await t.app.get(JobStore).countByState()).done;
    await closeSessions('gone-again', 6, 'gone');
    for (let round = 0; round < 20; round += 1) {
      await drain();
      if ((await t.app.get(JobStore).countByState()).done - before === 6 * VENDORS.length) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await t.app.get(JobStore).countByState()).done - before).toBe(6 * VENDORS.length);
    const writes = sandboxes.hubspot.journal
      .entries({ object: 'notes' })
      .filter((entry) => entry.operation !== 'delete');
    // Six notes, each under its own key; the refused one was retried under the same key (the same record, no second).
    expect(new Set(writes.map((entry) => entry.externalKey)).size).toBe(6);
    expect(new Set(writes.map((entry) => entry.recordId)).size).toBe(6);
    // One batch for all six, then one retry for the refused note; the person re-created once; the other five
    // links trusted (no contact re-reads).
    const calls = (pathIncludes: string, method = 'POST') =>
      sandboxes.hubspot.requests.entries({ method, pathIncludes }).length;
    expect(calls('/crm/v3/objects/notes/batch/upsert')).toBe(2);
    expect(calls('/crm/v3/objects/contacts/batch/upsert')).toBe(1);
    expect(calls('/crm/v3/objects/contacts/', 'GET')).toBe(2);
  }, 120_000);

  async function hubspotAccessToken(): Promise<string> {
    const sandbox = sandboxes.hubspot as unknown as { issueRefreshToken: () => string };
    const response = await fetch(`${sandboxes.hubspot.baseUrl}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: sandboxes.hubspot.credentials.clientId,
        client_secret: sandboxes.hubspot.credentials.clientSecret,
        refresh_token: sandbox.issueRefreshToken(),
      }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }
});
