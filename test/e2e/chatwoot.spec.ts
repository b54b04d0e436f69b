import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapChatwootWebhook } from '../../src/chatwoot/chatwoot-mapper';
import { signChatwootBody } from '../../src/chatwoot/chatwoot-signature';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';

const fixture = (name: string): string =>
  readFileSync(join(__dirname, '../../src/chatwoot/__fixtures__', `${name}.json`), 'utf8');
const SECRET = 'chatwoot-webhook-secret-1234';

describe.each(testStores())('Chatwoot webhooks on %s', (store) => {
  let t: TestApp;
  let admin: Record<string, string>;
  let chat: Record<string, string>;

  beforeAll(async () => {
    warnIfPostgresSkipped('Chatwoot webhooks');
    t = await createTestApp(store);
    const ws = await t.newWorkspace('Chatwoot');
    admin = { Authorization: `Bearer ${ws.adminKey}` };
    const key = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'c', scopes: ['chat'] });
    chat = { Authorization: `Bearer ${key.body.apiKey as string}` };
  });
  afterAll(async () => t?.close());

  async function source(signatureMode: 'off' | 'warn' | 'enforce'): Promise<string> {
    const created = await t.http
      .post('/v1/chat-sources')
      .set(admin)
      .send({
        name: `cw ${signatureMode}`,
        signatureMode,
        accountId: '7',
        ...(signatureMode === 'off' ? {} : { secret: SECRET }),
      });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('secret');
    return created.body.webhookPath as string;
  }

  function deliver(
    path: string,
    body: string,
    options: { sign?: boolean; secret?: string; skewSeconds?: number } = {},
  ) {
    const timestamp = Math.floor(Date.now() / 1000) - (options.skewSeconds ?? 0);
    const request = t.http.post(path).set('content-type', 'application/json');
    if (options.sign ?? true) {
      request
        .set('x-chatwoot-signature', signChatwootBody(options.secret ?? SECRET, timestamp, body))
        .set('x-chatwoot-timestamp', String(timestamp));
    }
    return request.send(body);
  }

  it('turns a signed conversation into a session, acknowledges duplicates, and closes it on "resolved"', async () => {
    const path = await source('enforce');
    const started = await deliver(path, fixture('conversation-created-web-widget'));
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ accepted: 1, duplicate: 0 });
    expect((await deliver(path, fixture('message-created-incoming'))).body).toMatchObject({ accepted: 1 });
    expect((await deliver(path, fixture('message-created-incoming'))).body).toMatchObject({
      accepted: 0,
      duplicate: 1,
    });
    expect((await deliver(path, fixture('conversation-status-changed-resolved'))).body).toMatchObject({ accepted: 1 });
    const sessionId = mapChatwootWebhook(JSON.parse(fixture('message-created-incoming')), {
      sourceId: 'x',
      accountId: '7',
    }).events[0].sessionId;
    const session = await t.http.get(`/v1/sessions/${encodeURIComponent(sessionId)}`).set(chat);
    expect(session.body).toMatchObject({ status: 'closed', messageCount: 1 });
  });

  it('enforce: refuses unsigned, wrongly signed and stale deliveries; warn accepts them; off ignores signatures', async () => {
    const enforce = await source('enforce');
    const body = fixture('conversation-created-twilio-whatsapp');
    expect((await deliver(enforce, body, { sign: false })).status).toBe(401);
    expect((await deliver(enforce, body, { secret: 'someone-else-entirely' })).status).toBe(401);
    expect((await deliver(enforce, body, { skewSeconds: 600 })).status).toBe(401);
    const warn = await source('warn');
    expect((await deliver(warn, body, { sign: false })).status).toBe(200);
    const off = await source('off');
    expect((await deliver(off, fixture('conversation-updated-labels'), { sign: false })).status).toBe(200);
  });

  it('answers 404 for an unknown source, 400 for a malformed body, and ignores events it does not act on', async () => {
    const path = await source('off');
    expect(
      (await deliver('/v1/webhooks/chatwoot/00000000-0000-4000-8000-000000000000', '{}', { sign: false })).status,
    ).toBe(404);
    const malformed = await deliver(path, JSON.stringify({ event: 'message_created', id: 'x', content: 1 }), {
      sign: false,
    });
    expect(malformed.status).toBe(400);
    const ignored = await deliver(path, fixture('conversation-typing-on'), { sign: false });
    expect(ignored.status).toBe(200);
    expect(ignored.body).toMatchObject({ accepted: 0, ignored: expect.any(String) });
  });
});
