import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokenClient, type Zd } from './test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from './zendesk.sandbox';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Verification exactly as in crm-wire-notes §5 (base64 HMAC-SHA256 over timestamp + raw body). */
function verify(raw: string, ts: string, sig: string, secret: string): boolean {
  const mac = createHmac('sha256', secret)
    .update(ts + raw)
    .digest();
  const given = Buffer.from(sig, 'base64');
  return mac.length === given.length && timingSafeEqual(mac, given);
}

describe('Zendesk sandbox: signed ticket webhooks', () => {
  const secret = 'dGhpc19pc19hX3NpZ25pbmdfc2VjcmV0';
  let receiver: Server;
  let received: Received[];
  let statuses: number[];
  let sb: ZendeskSandbox;
  let zd: Zd;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = statuses.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    sb = await startZendeskSandbox({ seed: false, webhook: { url: `http://127.0.0.1:${port}/zendesk`, secret } });
    zd = tokenClient(sb);
  });
  afterAll(async () => {
    await sb.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });
  beforeEach(() => {
    received = [];
    statuses = [];
  });

  const events = () => received.map((r) => JSON.parse(r.body));

  it('signs every delivery with X-Zendesk-Webhook-Signature over timestamp + body', async () => {
    await zd.tickets.create({ ticket: { subject: 'Hook me', comment: { body: 'hello' } } });
    await sb.flushWebhooks();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    const ts = delivery?.headers['x-zendesk-webhook-signature-timestamp'] as string;
    const sig = delivery?.headers['x-zendesk-webhook-signature'] as string;
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(ts) - Date.now())).toBeLessThan(60_000);
    expect(verify(delivery?.body, ts, sig, secret)).toBe(true);
    expect(verify(delivery?.body, ts, sig, 'other-secret')).toBe(false);
    expect(verify(`${delivery?.body} `, ts, sig, secret)).toBe(false);
    expect(delivery?.headers['user-agent']).toBe('Zendesk Webhook');
    expect(delivery?.headers['content-type']).toContain('application/json');
    expect(delivery?.headers['x-zendesk-webhook-id']).toMatch(/^[0-9A-Z]{26}$/);
    expect(events()[0]).toMatchObject({
      type: 'zen:event-type:ticket.created',
      zendesk_event_version: '2022-11-06',
      account_id: expect.any(Number),
      subject: expect.stringMatching(/^zen:ticket:\d+$/),
      detail: { subject: 'Hook me', status: 'NEW' },
    });
  });

  it('sends status_changed when a ticket is solved and comment_added for agent comments', async () => {
    const { result: ticket } = await zd.tickets.create({ ticket: { comment: { body: 'help' } } });
    await zd.tickets.update(ticket.id, { ticket: { comment: { body: 'Internal note', public: false } } });
    await zd.tickets.update(ticket.id, {
      ticket: { status: 'solved', comment: { body: 'Fixed, closing.', public: true } },
    });
    await sb.flushWebhooks();
    expect(events().map((e) => e.type)).toEqual([
      'zen:event-type:ticket.created',
      'zen:event-type:ticket.comment_added',
      'zen:event-type:ticket.status_changed',
      'zen:event-type:ticket.comment_added',
    ]);
    const [, note, solved, reply] = events();
    expect(note.event.comment).toMatchObject({ body: 'Internal note', is_public: false, author: { is_staff: true } });
    expect(solved).toMatchObject({
      subject: `zen:ticket:${ticket.id}`,
      detail: { id: String(ticket.id), status: 'SOLVED' },
      event: { current: 'SOLVED', previous: 'NEW' },
    });
    expect(reply.event.comment).toMatchObject({ body: 'Fixed, closing.', is_public: true });
    for (const r of received) {
      expect(
        verify(
          r.body,
          r.headers['x-zendesk-webhook-signature-timestamp'] as string,
          r.headers['x-zendesk-webhook-signature'] as string,
          secret,
        ),
      ).toBe(true);
    }
  });

  it('retries a 409 answer up to three times', async () => {
    statuses = [409, 409];
    await zd.tickets.create({ ticket: { comment: { body: 'conflict' } } });
    await sb.flushWebhooks();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(sb.webhookDeliveries().at(-1)).toMatchObject({
      type: 'zen:event-type:ticket.created',
      status: 200,
      attempts: 3,
    });
  });

  it('sends nothing for updates that change no status and add no comment', async () => {
    const { result: ticket } = await zd.tickets.create({ ticket: { comment: { body: 'quiet' } } });
    await sb.flushWebhooks();
    received = [];
    await zd.tickets.update(ticket.id, { ticket: { priority: 'high' } });
    await sb.flushWebhooks();
    expect(received).toEqual([]);
  });
});
