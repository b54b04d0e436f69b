import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Signature, type Client } from '@hubspot/api-client';
import { startHubspotSandbox, type HubspotSandbox } from './hubspot.sandbox';
import { sdk } from './hubspot.test-helpers';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver the way our service will verify it (wire notes §5): decode the listed escapes, HMAC, base64. */
function verifyV3(
  method: string,
  publicUrl: string,
  rawBody: string,
  ts: string,
  sig: string,
  secret: string,
): boolean {
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() - Number(ts)) > 5 * 60_000) {
    return false;
  }
  const uri = publicUrl.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => decodeURIComponent(m));
  const mac = createHmac('sha256', secret)
    .update(method + uri + rawBody + ts, 'utf8')
    .digest();
  const given = Buffer.from(sig, 'base64');
  return mac.length === given.length && timingSafeEqual(mac, given);
}

describe('HubSpot sandbox: outbound webhooks (v3 signature)', () => {
  const secret = 'app-client-secret-for-webhooks';
  let receiver: Server;
  let received: Received[];
  let hookUrl: string;
  let sandbox: HubspotSandbox;
  let client: Client;

  beforeAll(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    // An escaped ':' in the query exercises the URI decoding step of the v3 algorithm.
    hookUrl = `http://127.0.0.1:${port}/hooks/hubspot?tenant=acme%3Aeu`;
    sandbox = await startHubspotSandbox({ people: 5, webhook: { url: hookUrl, secret } });
    client = sdk(sandbox);
  });

  afterAll(async () => {
    await sandbox.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  beforeEach(() => {
    received.length = 0;
  });

  const events = (): Array<Record<string, unknown>> =>
    received.flatMap((r) => JSON.parse(r.body) as Array<Record<string, unknown>>);

  it('posts signed event arrays for contact creation, property changes and deletion', async () => {
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'hook@example.com', firstname: 'Hook' },
      associations: [],
    });
    await client.crm.contacts.basicApi.update(contact.id, { properties: { firstname: 'Hooked', lastname: 'Line' } });
    await client.crm.contacts.basicApi.archive(contact.id);
    await sandbox.flushWebhooks();

    expect(received.length).toBeGreaterThan(0);
    for (const r of received) {
      const ts = r.headers['x-hubspot-request-timestamp'] as string;
      const sig = r.headers['x-hubspot-signature-v3'] as string;
      expect(r.headers['content-type']).toContain('application/json');
      expect(verifyV3('POST', hookUrl, r.body, ts, sig, secret)).toBe(true);
      expect(verifyV3('POST', hookUrl, `${r.body} `, ts, sig, secret)).toBe(false);
      expect(verifyV3('POST', hookUrl, r.body, ts, sig, 'other-secret')).toBe(false);
      // The SDK helper agrees when given the decoded URL.
      const decodedUrl = hookUrl.replace('%3A', ':');
      expect(
        Signature.isValid({
          signatureVersion: 'v3',
          signature: sig,
          clientSecret: secret,
          url: decodedUrl,
          requestBody: r.body,
          method: 'POST',
          timestamp: Number(ts),
        }),
      ).toBe(true);
      expect(
        Signature.isValid({
          signatureVersion: 'v1',
          signature: r.headers['x-hubspot-signature'] as string,
          clientSecret: secret,
          requestBody: r.body,
        }),
      ).toBe(true);
      expect(r.url).toBe('/hooks/hubspot?tenant=acme%3Aeu');
    }

    const all = events();
    const ofContact = all.filter((e) => e.objectId === Number(contact.id));
    expect(ofContact.map((e) => e.subscriptionType)).toEqual([
      'contact.creation',
      'contact.propertyChange',
      'contact.propertyChange',
      'contact.propertyChange',
      'contact.propertyChange',
      'contact.deletion',
    ]);
    expect(
      ofContact
        .filter((e) => e.subscriptionType === 'contact.propertyChange')
        .map((e) => [e.propertyName, e.propertyValue]),
    ).toEqual([
      ['email', 'hook@example.com'],
      ['firstname', 'Hook'],
      ['firstname', 'Hooked'],
      ['lastname', 'Line'],
    ]);
    for (const e of ofContact) {
      expect(e).toMatchObject({ portalId: 24681357, appId: 3141592, attemptNumber: 0, changeSource: 'API' });
      expect(typeof e.eventId).toBe('number');
      expect(typeof e.subscriptionId).toBe('number');
      expect(typeof e.occurredAt).toBe('number');
    }
    expect(new Set(all.map((e) => e.eventId)).size).toBe(all.length);
  });

  it('sends ticket events and none for objects without subscriptions', async () => {
    const ticket = await client.crm.tickets.basicApi.create({
      properties: { subject: 'Help', hs_pipeline_stage: '1' },
      associations: [],
    });
    await client.crm.tickets.basicApi.update(ticket.id, { properties: { hs_pipeline_stage: '4' } });
    await client.crm.objects.notes.basicApi.create({
      properties: { hs_timestamp: '2026-11-01T00:00:00Z', hs_note_body: 'n' },
      associations: [],
    });
    await sandbox.flushWebhooks();
    const all = events();
    expect(all.every((e) => String(e.subscriptionType).startsWith('ticket.'))).toBe(true);
    expect(
      all.find(
        (e) =>
          e.subscriptionType === 'ticket.propertyChange' &&
          e.propertyName === 'hs_pipeline_stage' &&
          e.propertyValue === '4',
      ),
    ).toBeDefined();
    expect(all.find((e) => e.subscriptionType === 'ticket.creation')?.objectId).toBe(Number(ticket.id));
  });

  it('batches at most 100 events per request and records each delivery', async () => {
    const inputs = Array.from({ length: 60 }, (_, i) => ({
      properties: { email: `bulk${i}@example.com`, firstname: `B${i}` },
      associations: [],
    }));
    await client.crm.contacts.batchApi.create({ inputs });
    await sandbox.flushWebhooks();
    // 60 creations + 120 property changes.
    expect(events()).toHaveLength(180);
    expect(received.every((r) => (JSON.parse(r.body) as unknown[]).length <= 100)).toBe(true);
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(sandbox.webhookDeliveries().every((d) => d.status === 204)).toBe(true);
  });
});
