import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { JobStore } from '../../src/jobs/job-store';
import { verifyStandardWebhook } from '../../src/outbound/standard-webhooks';
import { FIXTURE } from '../sandbox/common/seed-data';
import type { RunningSandbox } from '../sandbox/common/sandbox.types';
import { connectorBodyFor } from '../sandbox/connector-bodies';
import { connectWithAccessToken } from '../sandbox/salesforce/jsforce-test-helpers';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../sandbox/salesforce/salesforce.sandbox';
import { startZendeskSandbox } from '../sandbox/zendesk/zendesk.sandbox';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';
import { startWebhookRelay, type WebhookRelay } from '../support/webhook-relay';
import { ReceivedEventEntity } from '../../src/events/received-event.entity';

const ZENDESK_SECRET = 'zendesk-webhook-signing-secret';

describe.each(testStores())('CRM webhooks back to chat on %s', (store) => {
  let t: TestApp;
  let zendesk: RunningSandbox;
  let receiver: Server;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let ws: {
    id: string;
    admin: Record<string, string>;
    chat: Record<string, string>;
    connectorId: string;
    endpointSecret: string;
  };

  beforeAll(async () => {
    warnIfPostgresSkipped('CRM webhooks');
    zendesk = await startZendeskSandbox({ people: 30 });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t = await createTestApp(store, { env: { ALLOW_PRIVATE_CRM_HOSTS: 'true', WORKER_POLL_INTERVAL_MS: '20' } });
    const workspace = await t.newWorkspace('Callbacks');
    const admin = { Authorization: `Bearer ${workspace.adminKey}` };
    const body = connectorBodyFor(zendesk, ['escalation']);
    const connector = await t.http
      .post('/v1/connectors')
      .set(admin)
      .send({ ...body, credentials: { ...body.credentials, webhookSecret: ZENDESK_SECRET } });
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
      endpointSecret: endpoint.body.secret as string,
    };
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await zendesk?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
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

  function solvedWebhook(ticketId: string): { body: string; headers: Record<string, string> } {
    const payload = JSON.parse(
      readFileSync(
        join(__dirname, '../../src/connectors/zendesk/__fixtures__/webhook-ticket-status-changed.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body = JSON.stringify({
      ...payload,
      id: randomUUID(),
      time: now,
      subject: `zen:ticket:${ticketId}`,
      detail: { ...(payload.detail as object), id: ticketId, updated_at: now },
    });
    const signature = createHmac('sha256', ZENDESK_SECRET)
      .update(now + body)
      .digest('base64');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-zendesk-webhook-signature': signature,
        'x-zendesk-webhook-signature-timestamp': now,
      },
    };
  }

  it('a case solved in the CRM reaches the chat system once, signed, and leaves the open-cases list', async () => {
    const sessionId = `chat-${randomUUID().slice(0, 8)}`;
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 9, minute)).toISOString();
    await t.http
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
            message: { id: 'm1', author: 'visitor', text: 'My order never came!' },
          },
          { type: 'session.escalated', id: `${sessionId}-3`, sessionId, occurredAt: at(2), priorityHint: 'high' },
        ],
      });
    await settle();
    const escalated = await t.http.get(`/v1/sessions/${sessionId}`).set(ws.chat);
    const ticketId = escalated.body.escalation.case.recordId as string;
    expect(
      (await t.http.get('/v1/cases?status=open').set(ws.chat)).body.map(
        (item: { externalId: string }) => item.externalId,
      ),
    ).toContain(sessionId);

    const webhook = solvedWebhook(ticketId);
    const first = await t.http.post(`/v1/webhooks/crm/${ws.connectorId}`).set(webhook.headers).send(webhook.body);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ accepted: 1, duplicate: 0 });
    const replay = await t.http.post(`/v1/webhooks/crm/${ws.connectorId}`).set(webhook.headers).send(webhook.body);
    expect(replay.body).toEqual({ accepted: 0, duplicate: 1 });
    await settle();

    const deliveries = received.filter((delivery) => delivery.body.includes(sessionId));
    expect(deliveries).toHaveLength(1);
    const delivery = deliveries[0];
    const verdict = verifyStandardWebhook({
      id: delivery.headers['webhook-id'] as string,
      timestamp: delivery.headers['webhook-timestamp'] as string,
      body: delivery.body,
      signature: delivery.headers['webhook-signature'] as string,
      secret: ws.endpointSecret,
    });
    expect(verdict).toEqual({ ok: true });
    expect(JSON.parse(delivery.body)).toMatchObject({
      type: 'case.solved',
      data: { sessionId, case: { recordId: ticketId, state: 'solved' } },
    });
    expect(
      (await t.http.get('/v1/cases?status=open').set(ws.chat)).body.map(
        (item: { externalId: string }) => item.externalId,
      ),
    ).not.toContain(sessionId);
  }, 60_000);

  it('refuses tampered, unsigned or unknown-connector deliveries', async () => {
    const webhook = solvedWebhook('123');
    const tampered = webhook.body.replace('SOLVED', 'OPEN');
    expect((await t.http.post(`/v1/webhooks/crm/${ws.connectorId}`).set(webhook.headers).send(tampered)).status).toBe(
      401,
    );
    expect(
      (
        await t.http
          .post(`/v1/webhooks/crm/${ws.connectorId}`)
          .set({ 'content-type': 'application/json' })
          .send(webhook.body)
      ).status,
    ).toBe(401);
    expect((await t.http.post(`/v1/webhooks/crm/${randomUUID()}`).set(webhook.headers).send(webhook.body)).status).toBe(
      404,
    );
  });
});

/**
 * Salesforce redelivers an Outbound Message for 24 hours until the listener answers with the SOAP Ack; the sandbox
 * models that (a 200 without the Ack is retried). Its messages reach the service through a relay, because the
 * sandbox's target URL is fixed before the connector (whose id is in our route) exists.
 */
describe.each(testStores())('Salesforce Outbound Messages on %s', (store) => {
  let t: TestApp;
  let salesforce: RunningSalesforceSandbox;
  let relay: WebhookRelay;
  let ws: { id: string; connectorId: string };

  beforeAll(async () => {
    warnIfPostgresSkipped('Salesforce Outbound Messages');
    relay = await startWebhookRelay();
    salesforce = await startSalesforceSandbox({
      people: 10,
      webhook: { url: relay.url, secret: 'unused: Outbound Messages are not signed' },
      salesforce: { outboundRetryDelaysMs: [50, 50, 50] },
    });
    t = await createTestApp(store, { env: { ALLOW_PRIVATE_CRM_HOSTS: 'true' } });
    await t.app.listen(0, '127.0.0.1');
    const workspace = await t.newWorkspace('Salesforce callbacks');
    const connector = await t.http
      .post('/v1/connectors')
      .set({ Authorization: `Bearer ${workspace.adminKey}` })
      .send(connectorBodyFor(salesforce, ['enrich']));
    expect(connector.status).toBe(201);
    ws = { id: workspace.id, connectorId: connector.body.id as string };
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    relay.target = `http://127.0.0.1:${port}/v1/webhooks/crm/${ws.connectorId}`;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await salesforce?.stop();
    await relay?.close();
  });

  it('answers a verified message with the SOAP Ack (text/xml), so Salesforce does not send it again', async () => {
    const contactId = salesforce.contactIdFor(FIXTURE.english.key) as string;
    await connectWithAccessToken(salesforce).sobject('Contact').update({ Id: contactId, Title: 'Buyer' });
    const forContact = () => salesforce.outboundMessages().filter((d) => d.recordIds.includes(contactId));
    const deadline = Date.now() + 5_000;
    while (forContact().length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Longer than the whole (compressed) retry schedule: a message Salesforce did not take as acked comes back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(forContact().map((d) => [d.attempt, d.status, d.acked])).toEqual([[1, 200, true]]);

    const answer = relay.log.find((entry) => entry.status === 200);
    expect(answer?.contentType).toMatch(/^text\/xml/);
    expect(answer?.body).toContain('<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">');
    expect(answer?.body).toContain('<Ack>true</Ack>');
    const taken = await t.db.run((manager) =>
      t.db.repo(ReceivedEventEntity, manager).countBy({ workspaceId: ws.id, source: `crm:${ws.connectorId}` }),
    );
    expect(taken).toBe(1);
  });

  it('refuses a message from another org with problem+json and no Ack, so Salesforce keeps it', async () => {
    const [message] = salesforce.outboundMessages();
    const forged = message.body.replace(salesforce.orgId, `00D${'x'.repeat(15)}`);
    const response = await t.http
      .post(`/v1/webhooks/crm/${ws.connectorId}`)
      .set({ 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' })
      .send(forged);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.text).not.toContain('<Ack>');
  });
});
