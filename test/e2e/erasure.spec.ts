import { AuditEntryEntity } from '../../src/audit/audit-entry.entity';
import { VisitorEntity } from '../../src/visitors/visitor.entity';
import type { RunningSandbox } from '../sandbox/common/sandbox.types';
import { FIXTURE } from '../sandbox/common/seed-data';
import { connectorBodyFor } from '../sandbox/connector-bodies';
import { startZohoSandbox } from '../sandbox/zoho/zoho.sandbox';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';

describe.each(testStores())('visitor erasure on %s', (store) => {
  let t: TestApp;
  let zoho: RunningSandbox;

  beforeAll(async () => {
    warnIfPostgresSkipped('visitor erasure');
    zoho = await startZohoSandbox({ people: 20 });
    t = await createTestApp(store, { env: { ALLOW_PRIVATE_CRM_HOSTS: 'true' } });
  });
  afterAll(async () => {
    await t?.close();
    await zoho?.stop();
  });

  it('erases the visitor, their chats, cached context and links, and reports the CRM records to notify', async () => {
    const ws = await t.newWorkspace('Erasure');
    const admin = { Authorization: `Bearer ${ws.adminKey}` };
    await t.http
      .post('/v1/connectors')
      .set(admin)
      .send(connectorBodyFor(zoho, ['enrich']));
    const key = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'c', scopes: ['chat'] });
    const chat = { Authorization: `Bearer ${key.body.apiKey as string}` };
    const email = FIXTURE.english.email;
    expect((await t.http.post('/v1/enrich').set(chat).send({ visitor: { email } })).status).toBe(200);
    await t.http
      .post('/v1/events')
      .set(chat)
      .send({
        events: [
          {
            type: 'session.started',
            id: 'e1',
            sessionId: 'chat-erase',
            occurredAt: '2026-11-20T09:00:00Z',
            visitor: { email },
          },
          {
            type: 'message.created',
            id: 'e2',
            sessionId: 'chat-erase',
            occurredAt: '2026-11-20T09:01:00Z',
            message: { id: 'm1', author: 'visitor', text: 'please forget me' },
          },
        ],
      });

    const erased = await t.http.post('/v1/erasures').set(admin).send({ email: email.toUpperCase() });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ visitors: 1, sessions: 1, messages: 1, cachedContexts: 1 });
    expect(erased.body.links).toHaveLength(1);

    expect((await t.http.get('/v1/sessions/chat-erase').set(chat)).status).toBe(404);
    const visitors = await t.db.run((manager) => t.db.repo(VisitorEntity, manager).findBy({ workspaceId: ws.id }));
    expect(visitors).toEqual([]);
    const audit = await t.db.run((manager) =>
      t.db.repo(AuditEntryEntity, manager).findBy({ workspaceId: ws.id, action: 'visitor.erased' }),
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(email);
    expect((await t.http.post('/v1/erasures').set(chat).send({ email })).status).toBe(403);
  });
});
