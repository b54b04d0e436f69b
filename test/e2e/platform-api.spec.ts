import { ApiKeyEntity } from '../../src/api-keys/api-key.entity';
import { AuditEntryEntity } from '../../src/audit/audit-entry.entity';
import { WorkspaceEntity } from '../../src/workspaces/workspace.entity';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';

describe.each(testStores())('platform API on %s', (store) => {
  let t: TestApp;
  beforeAll(async () => {
    warnIfPostgresSkipped('platform API');
    t = await createTestApp(store, { env: { BODY_LIMIT_BYTES: '2048' } });
  });
  afterAll(async () => t?.close());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const count = async (entity: typeof WorkspaceEntity | typeof ApiKeyEntity | typeof AuditEntryEntity) =>
    t.db.run((manager) => t.db.repo(entity as typeof WorkspaceEntity, manager).count());

  describe('authentication', () => {
    it('refuses requests without a token, with a bad token, or a malformed header (401 problem+json)', async () => {
      for (const headers of [
        {},
        bearer('nope'),
        bearer('ccb_aaaaaaaaaaaa_' + 'x'.repeat(43)),
        { Authorization: 'Basic abc' },
      ]) {
        const response = await t.http.get('/v1/api-keys').set(headers);
        expect(response.status).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.headers['www-authenticate']).toBe('Bearer');
        expect(response.body).toMatchObject({ status: 401, code: 'unauthenticated' });
      }
    });

    it('lets only root create workspaces, and returns the admin key once', async () => {
      const { adminKey } = await t.newWorkspace('Acme');
      const denied = await t.http.post('/v1/workspaces').set(bearer(adminKey)).send({ name: 'Sneaky' });
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('forbidden');

      const created = await t.http
        .post('/v1/workspaces')
        .set(bearer(t.rootToken))
        .send({ name: 'Tokyo desk', defaultRegion: 'JP', timeZone: 'Asia/Tokyo', retentionDays: 60 });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Tokyo desk',
        defaultRegion: 'JP',
        timeZone: 'Asia/Tokyo',
        retentionDays: 60,
      });
      expect(created.body.apiKey).toMatch(/^ccb_[a-z0-9]{12}_/);
      const read = await t.http.get(`/v1/workspaces/${created.body.id}`).set(bearer(created.body.apiKey));
      expect(read.status).toBe(200);
      expect(read.body.apiKey).toBeUndefined();
    });

    it('stores keys hashed: no table holds the secret', async () => {
      const { adminKey } = await t.newWorkspace();
      const secret = adminKey.split('_')[2];
      const keys = await t.db.run((manager) => t.db.repo(ApiKeyEntity, manager).find());
      expect(JSON.stringify(keys)).not.toContain(secret);
      const audit = await t.db.run((manager) => t.db.repo(AuditEntryEntity, manager).find());
      expect(JSON.stringify(audit)).not.toContain(secret);
    });
  });

  describe('api keys', () => {
    it('creates, lists (prefixes only) and revokes keys; a revoked key stops working', async () => {
      const { adminKey } = await t.newWorkspace();
      const created = await t.http
        .post('/v1/api-keys')
        .set(bearer(adminKey))
        .send({ name: 'widget', scopes: ['chat'] });
      expect(created.status).toBe(201);
      const chatKey = created.body.apiKey as string;
      const listed = await t.http.get('/v1/api-keys').set(bearer(adminKey));
      expect(listed.status).toBe(200);
      expect(listed.body.map((key: { name: string }) => key.name)).toEqual(['Initial admin key', 'widget']);
      expect(JSON.stringify(listed.body)).not.toContain(chatKey.split('_')[2]);

      // A chat key is not an admin key.
      expect((await t.http.get('/v1/api-keys').set(bearer(chatKey))).status).toBe(403);

      const revoked = await t.http.delete(`/v1/api-keys/${created.body.id}`).set(bearer(adminKey));
      expect(revoked.status).toBe(204);
      expect((await t.http.delete(`/v1/api-keys/${created.body.id}`).set(bearer(adminKey))).status).toBe(204);
      const afterRevoke = await t.http.get(`/v1/workspaces/any`).set(bearer(chatKey));
      expect(afterRevoke.status).toBe(401);
    });

    it('names each bad field, refuses unknown fields, and writes nothing', async () => {
      const { adminKey } = await t.newWorkspace();
      const before = await count(ApiKeyEntity);
      const response = await t.http
        .post('/v1/api-keys')
        .set(bearer(adminKey))
        .send({ name: '', scopes: ['superuser'], workspaceId: 'someone-else' });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
      const fields = (response.body.errors as Array<{ field: string }>).map((error) => error.field).sort();
      expect(fields).toEqual(['name', 'scopes', 'workspaceId']);
      expect(await count(ApiKeyEntity)).toBe(before);
    });
  });

  describe('workspace isolation', () => {
    it("answers 404 for another workspace's ids, for reads, updates and deletes", async () => {
      const a = await t.newWorkspace('A');
      const b = await t.newWorkspace('B');
      const bKeys = await t.http.get('/v1/api-keys').set(bearer(b.adminKey));
      const bKeyId = bKeys.body[0].id as string;

      expect((await t.http.get(`/v1/workspaces/${b.id}`).set(bearer(a.adminKey))).status).toBe(404);
      expect((await t.http.patch(`/v1/workspaces/${b.id}`).set(bearer(a.adminKey)).send({ name: 'x' })).status).toBe(
        404,
      );
      expect((await t.http.delete(`/v1/api-keys/${bKeyId}`).set(bearer(a.adminKey))).status).toBe(404);
      // Still valid afterwards.
      expect((await t.http.get('/v1/api-keys').set(bearer(b.adminKey))).status).toBe(200);
      const aKeys = await t.http.get('/v1/api-keys').set(bearer(a.adminKey));
      expect(aKeys.body.map((key: { id: string }) => key.id)).not.toContain(bKeyId);
      const bAudit = await t.http.get('/v1/audit-log').set(bearer(b.adminKey));
      expect(bAudit.body.every((entry: { targetId: string }) => entry.targetId !== a.id)).toBe(true);
    });

    it('treats malformed ids as not found (no database error)', async () => {
      const a = await t.newWorkspace();
      for (const id of ['not-a-uuid', "1' OR '1'='1", '%00']) {
        expect((await t.http.delete(`/v1/api-keys/${encodeURIComponent(id)}`).set(bearer(a.adminKey))).status).toBe(
          404,
        );
      }
    });
  });

  describe('workspace settings and audit', () => {
    it('updates settings with validation and records who changed what', async () => {
      const a = await t.newWorkspace();
      const bad = await t.http
        .patch(`/v1/workspaces/${a.id}`)
        .set(bearer(a.adminKey))
        .send({ retentionDays: 7, defaultRegion: 'XX', timeZone: 'Mars/Olympus' });
      expect(bad.status).toBe(400);
      expect((bad.body.errors as Array<{ field: string }>).map((error) => error.field).sort()).toEqual([
        'defaultRegion',
        'retentionDays',
        'timeZone',
      ]);
      const ok = await t.http
        .patch(`/v1/workspaces/${a.id}`)
        .set(bearer(a.adminKey))
        .send({ defaultRegion: 'JP', retentionDays: 31 });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ defaultRegion: 'JP', retentionDays: 31 });
      const audit = await t.http.get('/v1/audit-log').set(bearer(a.adminKey));
      expect(audit.status).toBe(200);
      expect(audit.body[0]).toMatchObject({
        action: 'workspace.updated',
        details: { defaultRegion: 'JP', retentionDays: 31 },
      });
      expect(audit.body[0].actor).toMatch(/^api_key:[a-z0-9]{12}$/);
      expect(audit.body.map((entry: { action: string }) => entry.action)).toEqual(
        expect.arrayContaining(['workspace.created', 'api_key.created']),
      );
    });
  });

  describe('HTTP conventions', () => {
    it('answers 413 for a body over the limit, 415 for non-JSON, 400 for malformed JSON — and writes nothing', async () => {
      const workspacesBefore = await count(WorkspaceEntity);
      const root = bearer(t.rootToken);
      const tooBig = await t.http
        .post('/v1/workspaces')
        .set(root)
        .send({ name: 'x'.repeat(4000) });
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.code).toBe('body_too_large');
      const form = await t.http.post('/v1/workspaces').set(root).type('form').send('name=Acme');
      expect(form.status).toBe(415);
      const text = await t.http
        .post('/v1/workspaces')
        .set({ ...root, 'content-type': 'text/plain' })
        .send('{"name":"x"}');
      expect(text.status).toBe(415);
      const malformed = await t.http
        .post('/v1/workspaces')
        .set({ ...root, 'content-type': 'application/json' })
        .send('{"name": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('malformed_json');
      const scalar = await t.http
        .post('/v1/workspaces')
        .set({ ...root, 'content-type': 'application/json' })
        .send('"Acme"');
      expect(scalar.status).toBe(400);
      const empty = await t.http.post('/v1/workspaces').set(root);
      expect(empty.status).toBe(400);
      expect(empty.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
      const deep = await t.http
        .post('/v1/workspaces')
        .set({ ...root, 'content-type': 'application/json' })
        .send(`{"name":${'['.repeat(300)}${']'.repeat(300)}}`);
      expect(deep.status).toBe(400);
      expect(await count(WorkspaceEntity)).toBe(workspacesBefore);
      for (const response of [tooBig, form, text, malformed, scalar, empty, deep]) {
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('answers unknown routes with a 404 problem and echoes a request id', async () => {
      const response = await t.http.get('/v1/nothing-here').set('x-request-id', 'req-123');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'route_not_found', status: 404 });
      expect(response.headers['x-request-id']).toBe('req-123');
    });
  });

  describe('operations endpoints', () => {
    it('serves liveness, readiness and Prometheus metrics', async () => {
      expect((await t.http.get('/health/live')).body).toEqual({ status: 'ok' });
      const ready = await t.http.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details).toMatchObject({ database: { status: 'up' }, migrations: { status: 'up' } });
      const metrics = await t.http.get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/health\/live"/);
      expect(metrics.text).toMatch(/^jobs\{state="dead"\} \d+$/m);
    });

    it('describes every route with its auth and schemas in OpenAPI', async () => {
      const response = await t.http.get('/docs-json');
      expect(response.status).toBe(200);
      const doc = response.body as {
        paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
      };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/workspaces',
          '/v1/workspaces/{id}',
          '/v1/api-keys',
          '/v1/api-keys/{id}',
          '/v1/audit-log',
        ]),
      );
      expect(doc.components.securitySchemes).toHaveProperty('bearer');
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          if (!path.startsWith('/health')) {
            expect({ route: `${method} ${path}`, secured: (operation.security ?? []).length > 0 }).toEqual({
              route: `${method} ${path}`,
              secured: true,
            });
          }
        }
      }
      expect(Object.keys(doc.components.schemas)).toEqual(
        expect.arrayContaining(['CreateWorkspaceDto', 'CreatedWorkspaceView', 'CreateApiKeyDto', 'ApiKeyView']),
      );
      const ui = await t.http.get('/docs/');
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger');
    });
  });
});
