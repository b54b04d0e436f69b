import { ConnectorAuthService } from '../../src/connectors/connector-auth.service';
import { ConnectorContextFactory } from '../../src/connectors/connector-context.factory';
import { ConnectorEntity } from '../../src/connectors/connector.entity';
import { ConnectorRegistry } from '../../src/connectors/connector.registry';
import { ConnectorRateBudget } from '../../src/connectors/rate-budget';
import { LeaseService } from '../../src/common/leases/lease.service';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { Clock } from '../../src/common/time/clock';
import { MetricsService } from '../../src/metrics/metrics.service';
import { AuditEntryEntity } from '../../src/audit/audit-entry.entity';
import { connectorBodyFor } from '../sandbox/connector-bodies';
import { startAllSandboxes, type Vendor } from '../sandbox';
import { FIXTURE } from '../sandbox/common/seed-data';
import { createTestApp, type TestApp } from '../support/test-app';
import { testStores, warnIfPostgresSkipped } from '../support/test-database';

const VENDORS: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];

/** A connector body with its own grant: with single-use refresh tokens, two connectors must not share one. */
function freshBody(sandbox: Awaited<ReturnType<typeof startAllSandboxes>>[Vendor], roles?: string[]) {
  const body = connectorBodyFor(sandbox, roles);
  const issue = (sandbox as unknown as { issueRefreshToken?: () => string }).issueRefreshToken;
  return issue ? { ...body, credentials: { ...body.credentials, refreshToken: issue() } } : body;
}

describe.each(testStores())('connectors admin API on %s', (store) => {
  let t: TestApp;
  let sandboxes: Awaited<ReturnType<typeof startAllSandboxes>>;
  let workspace: { id: string; adminKey: string };
  const admin = () => ({ Authorization: `Bearer ${workspace.adminKey}` });

  beforeAll(async () => {
    warnIfPostgresSkipped('connectors admin API');
    sandboxes = await startAllSandboxes(() => ({ people: 30, rotateRefreshTokens: true }));
    t = await createTestApp(store, { env: { ALLOW_PRIVATE_CRM_HOSTS: 'true' } });
    workspace = await t.newWorkspace('Connectors');
  });
  afterAll(async () => {
    await t?.close();
    await sandboxes?.stop();
  });

  it('lists every kind with its settings schema, auth modes and capabilities', async () => {
    const response = await t.http.get('/v1/connector-kinds').set(admin());
    expect(response.status).toBe(200);
    const kinds = response.body as Array<{
      kind: string;
      settingsSchema: { properties: object };
      capabilities: { orders: boolean };
    }>;
    expect(kinds.map((kind) => kind.kind).sort()).toEqual([...VENDORS].sort());
    for (const kind of kinds) {
      expect(Object.keys(kind.settingsSchema.properties).length).toBeGreaterThan(0);
    }
    expect(kinds.find((kind) => kind.kind === 'zendesk')?.capabilities.orders).toBe(false);
  });

  it.each(VENDORS)(
    'connects %s, never echoes or stores the secrets in clear, and passes the live test',
    async (vendor) => {
      const body = connectorBodyFor(sandboxes[vendor]);
      const created = await t.http.post('/v1/connectors').set(admin()).send(body);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ kind: vendor, status: 'active', roles: body.roles });
      const secrets = Object.values(body.credentials).filter(
        (value): value is string => typeof value === 'string' && value.length > 8,
      );
      const serialized = JSON.stringify(created.body);
      for (const secret of secrets) {
        expect(serialized).not.toContain(secret);
      }
      expect(created.body.credentialsHint).toMatch(/…[A-Za-z0-9_-]{0,4}$/);

      const tested = await t.http.post(`/v1/connectors/${created.body.id}/test`).set(admin());
      expect(tested.status).toBe(200);
      expect(tested.body).toMatchObject({ verdict: 'ok' });
      expect(tested.body.latencyMs).toBeGreaterThanOrEqual(0);

      const rows = await t.db.run((manager) => t.db.repo(ConnectorEntity, manager).find());
      const audit = await t.db.run((manager) => t.db.repo(AuditEntryEntity, manager).find());
      for (const secret of secrets) {
        expect(JSON.stringify(rows)).not.toContain(secret);
        expect(JSON.stringify(audit)).not.toContain(secret);
      }
    },
  );

  it('names each bad setting and credential, refuses unknown kinds, and writes nothing', async () => {
    const before = await t.db.run((manager) => t.db.repo(ConnectorEntity, manager).count());
    const bad = await t.http
      .post('/v1/connectors')
      .set(admin())
      .send({
        kind: 'salesforce',
        name: 'broken',
        settings: { loginUrl: 'ftp://nope', apiVersion: 'x' },
        credentials: { clientId: 987654321987 },
        roles: ['enrich'],
      });
    expect(bad.status).toBe(400);
    const fields = (bad.body.errors as Array<{ field: string }>).map((error) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'settings.loginUrl',
        'settings.apiVersion',
        'credentials.clientId',
        'credentials.clientSecret',
      ]),
    );
    expect(JSON.stringify(bad.body)).not.toContain('987654321987');
    const unknown = await t.http
      .post('/v1/connectors')
      .set(admin())
      .send({ kind: 'pipedrive', name: 'x', settings: {}, credentials: {}, roles: [] });
    expect(unknown.status).toBe(400);
    expect(await t.db.run((manager) => t.db.repo(ConnectorEntity, manager).count())).toBe(before);
  });

  it('gives clear verdicts for bad credentials and unreachable hosts, and marks a rejected grant needs_reauth', async () => {
    const good = freshBody(sandboxes.salesforce);
    const created = await t.http
      .post('/v1/connectors')
      .set(admin())
      .send({
        ...good,
        name: 'SF wrong secret',
        credentials: { ...good.credentials, refreshToken: 'revoked-or-made-up' },
      });
    expect(created.status).toBe(201);
    const tested = await t.http.post(`/v1/connectors/${created.body.id}/test`).set(admin());
    expect(tested.body.verdict).toBe('bad_credentials');
    const after = await t.http.get(`/v1/connectors/${created.body.id}`).set(admin());
    expect(after.body.status).toBe('needs_reauth');

    const fixed = await t.http
      .patch(`/v1/connectors/${created.body.id}`)
      .set(admin())
      .send({ credentials: good.credentials });
    expect(fixed.body.status).toBe('active');

    const zendesk = connectorBodyFor(sandboxes.zendesk);
    const unreachable = await t.http
      .post('/v1/connectors')
      .set(admin())
      .send({ ...zendesk, name: 'Zendesk nowhere', settings: { endpointUri: 'http://127.0.0.1:9/api/v2' } });
    const verdict = await t.http.post(`/v1/connectors/${unreachable.body.id}/test`).set(admin());
    expect(verdict.body.verdict).toBe('unreachable');
  });

  it('allows one escalation connector per workspace', async () => {
    const first = await t.http
      .post('/v1/connectors')
      .set(admin())
      .send({ ...connectorBodyFor(sandboxes.zendesk, ['escalation']), name: 'Escalations' });
    expect(first.status).toBe(201);
    const second = await t.http
      .post('/v1/connectors')
      .set(admin())
      .send({ ...connectorBodyFor(sandboxes.hubspot, ['escalation']), name: 'Escalations 2' });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('escalation_role_taken');
  });

  it("answers 404 for another workspace's connector on every route, and audits changes without secrets", async () => {
    const other = await t.newWorkspace('Other');
    const mine = await t.http
      .post('/v1/connectors')
      .set(admin())
      .send({ ...connectorBodyFor(sandboxes.zoho), name: 'Zoho mine' });
    const id = mine.body.id as string;
    const theirs = { Authorization: `Bearer ${other.adminKey}` };
    expect((await t.http.get(`/v1/connectors/${id}`).set(theirs)).status).toBe(404);
    expect((await t.http.patch(`/v1/connectors/${id}`).set(theirs).send({ name: 'stolen' })).status).toBe(404);
    expect((await t.http.post(`/v1/connectors/${id}/test`).set(theirs)).status).toBe(404);
    expect((await t.http.delete(`/v1/connectors/${id}`).set(theirs)).status).toBe(404);
    expect((await t.http.get('/v1/connectors').set(theirs)).body).toEqual([]);

    expect(
      (
        await t.http
          .patch(`/v1/connectors/${id}`)
          .set(admin())
          .send({ name: 'Zoho renamed', credentials: connectorBodyFor(sandboxes.zoho).credentials })
      ).status,
    ).toBe(200);
    expect((await t.http.delete(`/v1/connectors/${id}`).set(admin())).status).toBe(204);
    expect((await t.http.get(`/v1/connectors/${id}`).set(admin())).status).toBe(404);
    const audit = await t.http.get('/v1/audit-log').set(admin());
    const forThis = (
      audit.body as Array<{ targetId: string; action: string; details: Record<string, unknown> }>
    ).filter((entry) => entry.targetId === id);
    expect(forThis.map((entry) => entry.action)).toEqual([
      'connector.deleted',
      'connector.updated',
      'connector.created',
    ]);
    expect(forThis[1]?.details).toMatchObject({ name: 'Zoho renamed', credentials: 'replaced' });
  });

  it.each(['salesforce', 'hubspot'] as const)(
    '%s: 50 concurrent calls from two instances across an expiry with single-use refresh tokens → one refresh, no failures',
    async (vendor) => {
      const body = { ...freshBody(sandboxes[vendor], ['enrich']), name: `${vendor} single-flight` };
      const created = await t.http.post('/v1/connectors').set(admin()).send(body);
      const factory = t.app.get(ConnectorContextFactory);
      const row = await factory.load(workspace.id, created.body.id);
      // A second instance: its own in-process single-flight, the same database, leases and credentials row.
      const db = t.db;
      const clock = new Clock();
      const secondAuth = new ConnectorAuthService(db, t.app.get(SecretBox), new LeaseService(db, clock), clock);
      const second = new ConnectorContextFactory(
        db,
        t.app.get(ConnectorRegistry),
        secondAuth,
        new MetricsService(),
        new ConnectorRateBudget(),
        t.config,
      );

      const warm = await factory.open(row);
      await warm.connector.verify(warm.ctx);
      sandboxes[vendor].expireAllTokens();
      const refreshesBefore = sandboxes[vendor].tokenRefreshCount();
      const calls = Array.from({ length: 50 }, async (_, index) => {
        const current = await (index % 2 === 0 ? factory : second).load(workspace.id, row.id);
        const { connector, ctx } = await (index % 2 === 0 ? factory : second).open(current, { timeoutMs: 20_000 });
        return connector.findPeople(ctx, { email: FIXTURE.english.email });
      });
      const results = await Promise.allSettled(calls);
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(sandboxes[vendor].tokenRefreshCount() - refreshesBefore).toBe(1);
      const stored = await factory.load(workspace.id, row.id);
      expect(stored.status).toBe('active');
      expect(stored.credentialsVersion).toBeGreaterThan(row.credentialsVersion);
    },
    60_000,
  );
});

describe('connector URLs without ALLOW_PRIVATE_CRM_HOSTS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it.each([
    'http://127.0.0.1:4101',
    'https://169.254.169.254',
    'https://2130706433',
    'https://user@acme.my.salesforce.com',
    'https://localhost',
  ])('refuses %s at save time', async (loginUrl) => {
    const { adminKey } = await t.newWorkspace();
    const response = await t.http
      .post('/v1/connectors')
      .set({ Authorization: `Bearer ${adminKey}` })
      .send({
        kind: 'salesforce',
        name: 'sf',
        settings: { loginUrl },
        credentials: { clientId: 'a', clientSecret: 'b', refreshToken: 'c' },
        roles: ['enrich'],
      });
    expect(response.status).toBe(400);
    expect((response.body.errors as Array<{ field: string }>).map((error) => error.field)).toContain(
      'settings.loginUrl',
    );
  });
});
