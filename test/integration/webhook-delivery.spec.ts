import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { CreateWebhookEndpoints1764200000000 } from '../../migrations/1764200000000-create-webhook-endpoints';
import { AuditEntryEntity } from '../../src/audit/audit-entry.entity';
import { AuditService } from '../../src/audit/audit.service';
import type { Actor } from '../../src/common/auth/principal';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { NotFoundError, ValidationFailedError } from '../../src/common/errors/domain-error';
import { Database } from '../../src/database/database';
import { dataSourceOptions } from '../../src/database/data-source';
import { ENTITIES } from '../../src/database/entities';
import type { EntityDefinition } from '../../src/database/portable-schema';
import { JobEntity, type Job } from '../../src/jobs/job.entity';
import { JobStore } from '../../src/jobs/job-store';
import { OutboundWebhooksService } from '../../src/outbound/outbound-webhooks.service';
import { verifyStandardWebhook } from '../../src/outbound/standard-webhooks';
import { WebhookDeliveryHandler, type WebhookDeliverPayload } from '../../src/outbound/webhook-delivery.handler';
import { WebhookEndpointEntity } from '../../src/outbound/webhook-endpoint.entity';
import { ManualClock, queueConfig, queueKit } from '../support/queue-kit';
import { createTestStore, testStores, warnIfPostgresSkipped, type TestStore } from '../support/test-database';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Responder = (request: Received, response: ServerResponse) => void;

/**
 * A DataSource with the webhook table whether or not it is registered in ENTITIES / MIGRATIONS yet (both lists are
 * deduplicated, so this keeps working after the registration).
 */
async function openDatabase(testStore: TestStore): Promise<Database> {
  const base = dataSourceOptions(testStore.config);
  const dialect = testStore.config.type;
  const entities: Array<EntityDefinition<unknown>> = [...(ENTITIES as ReadonlyArray<EntityDefinition<unknown>>)];
  if (!entities.some((entity) => entity.name === WebhookEndpointEntity.name)) {
    entities.push(WebhookEndpointEntity);
  }
  const migrations: Array<(typeof MIGRATIONS)[number] | typeof CreateWebhookEndpoints1764200000000> = [...MIGRATIONS];
  if (!migrations.includes(CreateWebhookEndpoints1764200000000)) {
    migrations.push(CreateWebhookEndpoints1764200000000);
  }
  const dataSource = new DataSource({
    ...base,
    entities: entities.map((entity) => entity.schema(dialect)),
    migrations,
  });
  await dataSource.initialize();
  const db = new Database(dataSource);
  await db.migrate();
  return db;
}

describe.each(testStores())('outbound webhook delivery on %s', (storeName) => {
  let testStore: TestStore;
  let db: Database;
  let server: Server;
  let baseUrl: string;
  let received: Received[];
  let respond: Responder;
  const clock = new ManualClock();
  const config = queueConfig({ ALLOW_PRIVATE_CRM_HOSTS: 'true' });
  const box = new SecretBox(config.encryption.current, config.encryption.previous);
  let service: OutboundWebhooksService;
  let handler: WebhookDeliveryHandler;
  let jobs: JobStore;
  const workspaceId = randomUUID();
  const actor: Actor = {
    principal: { kind: 'api_key', workspaceId, keyId: randomUUID(), prefix: 'testprefix01', scopes: ['admin'] },
    requestId: 'req-1',
  };

  beforeAll(async () => {
    warnIfPostgresSkipped('outbound webhook delivery');
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const entry = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() };
        received.push(entry);
        respond(entry, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(async () => {
    testStore = await createTestStore(storeName, { migrate: false });
    db = await openDatabase(testStore);
    received = [];
    respond = (_request, response) => response.writeHead(204).end();
    jobs = new JobStore(db, clock, config);
    service = new OutboundWebhooksService(db, jobs, box, clock, new AuditService(db, clock), config);
    handler = new WebhookDeliveryHandler(db, box, clock, config);
  });
  afterEach(async () => {
    await db.close();
    await testStore.dispose();
  });

  const allJobs = () => db.run((manager) => db.repo(JobEntity, manager).find());
  const emit = (sourceEventId: string, eventType: 'case.solved' | 'case.agent_replied' = 'case.solved') =>
    db.transaction((manager) =>
      service.enqueueForEvent(manager, workspaceId, eventType, { caseId: 'C-1', sessionId: 's-1' }, sourceEventId),
    );
  const run = (job: Job) =>
    handler.handle({
      job,
      payload: job.payload as unknown as WebhookDeliverPayload,
      signal: new AbortController().signal,
    });
  const failureOf = async (job: Job) => {
    const error = await run(job).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    return (error as { failure?: { code: string; retryAfterMs?: number } } | undefined)?.failure;
  };

  it('has a migration that matches the entity (no drift) and rolls back cleanly', async () => {
    const drift = async () => (await db.dataSource.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
    expect(await drift()).toEqual([]);
    const runner = db.dataSource.createQueryRunner();
    try {
      await new CreateWebhookEndpoints1764200000000().down(runner);
      expect(await runner.hasTable('webhook_endpoints')).toBe(false);
      await new CreateWebhookEndpoints1764200000000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await drift()).toEqual([]);
  });

  it('delivers a signed message, keeps its webhook-id and bytes across a retry, and dedupes replays', async () => {
    const created = await service.create(actor, workspaceId, {
      url: `${baseUrl}/hooks`,
      eventTypes: ['case.solved'],
    });
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await service.list(workspaceId);
    expect(listed).toEqual([expect.objectContaining({ id: created.id, active: true })]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const stored = await db.run((manager) =>
      db.repo(WebhookEndpointEntity, manager).findOneByOrFail({ id: created.id }),
    );
    expect(stored.secretEncrypted).not.toContain(created.secret.slice(6));

    const first = await emit('evt-1');
    expect(first).toMatchObject({ enqueued: 1, duplicates: 0 });
    expect(await emit('evt-1')).toEqual({ ...first, enqueued: 0, duplicates: 1 });
    expect(await emit('evt-2', 'case.agent_replied')).toMatchObject({ enqueued: 0, duplicates: 0 });
    const [job] = await allJobs();
    expect(await allJobs()).toHaveLength(1);
    expect(job).toMatchObject({ type: 'webhook.deliver', maxAttempts: 60, groupKey: `webhook:${created.id}` });

    respond = (_request, response) => response.writeHead(500).end('boom');
    expect(await failureOf(job)).toMatchObject({ code: 'unavailable' });
    clock.advance(90_000);
    respond = (_request, response) => response.writeHead(200).end('ok');
    await run(job);

    expect(received).toHaveLength(2);
    const [attempt1, attempt2] = received as [Received, Received];
    expect(attempt1.headers['webhook-id']).toBe(first.messageId);
    expect(attempt2.headers['webhook-id']).toBe(first.messageId);
    expect(attempt2.body).toBe(attempt1.body);
    expect(Number(attempt2.headers['webhook-timestamp'])).toBe(Number(attempt1.headers['webhook-timestamp']) + 90);
    expect(attempt1.headers['content-type']).toBe('application/json');
    expect(JSON.parse(attempt1.body)).toEqual({
      type: 'case.solved',
      timestamp: expect.any(String),
      data: { caseId: 'C-1', sessionId: 's-1' },
    });
    for (const attempt of received) {
      const verdict = verifyStandardWebhook({
        id: String(attempt.headers['webhook-id']),
        timestamp: String(attempt.headers['webhook-timestamp']),
        body: attempt.body,
        signature: String(attempt.headers['webhook-signature']),
        secret: created.secret,
        nowSeconds: Number(attempt.headers['webhook-timestamp']),
      });
      expect(verdict).toEqual({ ok: true });
    }
  });

  it('deactivates the endpoint on 410 and stops delivering to it', async () => {
    const created = await service.create(actor, workspaceId, { url: `${baseUrl}/gone`, eventTypes: ['case.solved'] });
    await emit('evt-1');
    const [job] = await allJobs();
    respond = (_request, response) => response.writeHead(410).end();
    expect(await failureOf(job)).toMatchObject({ code: 'not_found' });
    expect(await service.list(workspaceId)).toEqual([expect.objectContaining({ id: created.id, active: false })]);
    expect(await emit('evt-2')).toMatchObject({ enqueued: 0 });
    expect(await failureOf(job)).toMatchObject({ code: 'not_found' });
    expect(received).toHaveLength(1);
  });

  it('does not follow redirects', async () => {
    await service.create(actor, workspaceId, { url: `${baseUrl}/moved`, eventTypes: ['case.solved'] });
    await emit('evt-1');
    const [job] = await allJobs();
    respond = (request, response) =>
      request.path === '/moved'
        ? response.writeHead(302, { location: `${baseUrl}/elsewhere` }).end()
        : response.writeHead(200).end();
    expect(await failureOf(job)).toMatchObject({ code: 'unavailable' });
    expect(received.map((request) => request.path)).toEqual(['/moved']);
  });

  it('classifies 429, other 4xx and unreachable receivers', async () => {
    await service.create(actor, workspaceId, { url: `${baseUrl}/hooks`, eventTypes: ['case.solved'] });
    await emit('evt-1');
    const [job] = await allJobs();
    respond = (_request, response) => response.writeHead(429, { 'retry-after': '30' }).end();
    expect(await failureOf(job)).toEqual({ code: 'rate_limited', message: expect.any(String), retryAfterMs: 30_000 });
    respond = (_request, response) => response.writeHead(400).end();
    expect(await failureOf(job)).toMatchObject({ code: 'invalid_request' });
    respond = (request, response) => response.socket?.destroy();
    expect(await failureOf(job)).toMatchObject({ code: 'unavailable' });
  });

  it('is workspace-scoped: another workspace cannot see, delete or deliver to the endpoint', async () => {
    const created = await service.create(actor, workspaceId, { url: `${baseUrl}/hooks`, eventTypes: ['case.solved'] });
    const other = randomUUID();
    expect(await service.list(other)).toEqual([]);
    await expect(service.remove(actor, other, created.id)).rejects.toBeInstanceOf(NotFoundError);
    await emit('evt-1');
    const [job] = await allJobs();
    expect(await failureOf({ ...job, workspaceId: other })).toMatchObject({ code: 'not_found' });
    expect(received).toHaveLength(0);

    await service.remove(actor, workspaceId, created.id);
    expect(await failureOf(job)).toMatchObject({ code: 'not_found' });
    const audit = await db.run((manager) => db.repo(AuditEntryEntity, manager).find());
    expect(audit.map((entry) => entry.action).sort()).toEqual(['webhook_endpoint.created', 'webhook_endpoint.deleted']);
    expect(JSON.stringify(audit)).not.toContain('whsec_');
  });

  it('refuses URLs the egress guard refuses', async () => {
    const strict = new OutboundWebhooksService(db, jobs, box, clock, new AuditService(db, clock), queueConfig());
    for (const url of ['http://example.com/hooks', 'https://127.0.0.1/hooks', 'https://example.com/h?token=1']) {
      await expect(strict.create(actor, workspaceId, { url, eventTypes: ['case.solved'] })).rejects.toBeInstanceOf(
        ValidationFailedError,
      );
    }
  });

  it('runs through the job worker: retried after a 503, then done', async () => {
    await service.create(actor, workspaceId, { url: `${baseUrl}/hooks`, eventTypes: ['case.solved'] });
    await emit('evt-1');
    let calls = 0;
    respond = (_request, response) => response.writeHead(++calls === 1 ? 503 : 200).end();
    const kit = queueKit(db, { 'webhook.deliver': handler }, { clock, config });
    await kit.worker.drain();
    expect((await allJobs())[0]).toMatchObject({ state: 'queued', lastErrorCode: 'unavailable', attempts: 1 });
    clock.advance(10_000);
    await kit.worker.drain();
    expect((await allJobs())[0]).toMatchObject({ state: 'done' });
    expect(new Set(received.map((request) => request.headers['webhook-id'])).size).toBe(1);
  });
});
