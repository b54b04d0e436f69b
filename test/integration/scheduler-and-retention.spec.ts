import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { ChatMessageEntity } from '../../src/chat/chat-message.entity';
import { ChatSessionEntity, type ChatSession } from '../../src/chat/chat-session.entity';
import { row } from '../../src/database/database';
import { ReceivedEventEntity } from '../../src/events/received-event.entity';
import { JobEntity } from '../../src/jobs/job.entity';
import { JobQueue } from '../../src/jobs/job-queue';
import { JobScheduler } from '../../src/jobs/job-scheduler';
import { PurgeJobHandler } from '../../src/retention/purge.handler';
import { ContextCache } from '../../src/enrichment/context-cache';
import { WorkspaceEntity } from '../../src/workspaces/workspace.entity';
import { ManualClock, queueConfig, queueKit } from '../support/queue-kit';
import { createTestStore, testStores, warnIfPostgresSkipped, type TestStore } from '../support/test-database';

const DAY = 86_400_000;

describe.each(testStores())('schedules and retention on %s', (storeName) => {
  let testStore: TestStore;
  beforeAll(() => warnIfPostgresSkipped('schedules and retention'));
  beforeEach(async () => {
    testStore = await createTestStore(storeName);
  });
  afterEach(async () => testStore.dispose());

  it('enqueues one job per tick however many instances tick', async () => {
    const clock = new ManualClock(new Date('2026-06-01T03:17:00.004Z'));
    const config = queueConfig();
    const { store } = queueKit(testStore.db, {}, { clock, config });
    const instances = [0, 1, 2].map(
      () => new JobScheduler(new SchedulerRegistry(), new JobQueue(store), testStore.db, clock, config),
    );
    const schedule = instances[0].schedules()[0];
    const results = await Promise.all([
      instances[0].tick(schedule, new Date('2026-06-01T03:17:00.004Z')),
      instances[1].tick(schedule, new Date('2026-06-01T03:17:00.210Z')),
      instances[2].tick(schedule, new Date('2026-06-01T03:16:59.870Z')),
    ]);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    await instances[0].tick(schedule, new Date('2026-06-02T03:17:00.001Z'));
    const jobs = await testStore.db.run((manager) => testStore.db.repo(JobEntity, manager).find());
    expect(jobs.map((job) => job.idempotencyKey).sort()).toEqual([
      'system:schedule:retention-purge:2026-06-01T03:17:00.000Z',
      'system:schedule:retention-purge:2026-06-02T03:17:00.000Z',
    ]);
  });

  it('purges closed chats past each workspace retention, old finished jobs and dedupe records', async () => {
    const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
    const config = queueConfig({ JOB_RETENTION_DAYS: '7', EVENT_DEDUPE_RETENTION_DAYS: '7' });
    const { store } = queueKit(testStore.db, {}, { clock, config });
    const now = clock.now().getTime();
    const short = randomUUID();
    const long = randomUUID();
    const session = (workspaceId: string, closedDaysAgo: number | null): ChatSession => ({
      id: randomUUID(),
      workspaceId,
      externalId: randomUUID(),
      visitorId: null,
      channel: 'web',
      status: closedDaysAgo === null ? 'open' : 'closed',
      startedAt: new Date(now - 400 * DAY),
      closedAt: closedDaysAgo === null ? null : new Date(now - closedDaysAgo * DAY),
      stateChangedAt: new Date(now - 400 * DAY),
      tags: [],
      csatRating: null,
      csatScale: null,
      csatComment: null,
      sentiment: null,
      priority: null,
      caseRef: null,
      summary: null,
      stateSequence: null,
      tagsChangedAt: null,
      csatAt: null,
      escalatedAt: null,
      escalationReason: null,
      closeCount: null,
      createdAt: new Date(now - 400 * DAY),
      updatedAt: new Date(now - 400 * DAY),
    });
    const sessions = [session(short, 40), session(short, 10), session(short, null), session(long, 40)];
    await testStore.db.transaction(async (manager) => {
      for (const [id, retentionDays] of [
        [short, 31],
        [long, 90],
      ] as const) {
        await testStore.db.repo(WorkspaceEntity, manager).insert({
          id,
          name: id,
          defaultRegion: 'US',
          timeZone: 'UTC',
          retentionDays,
          createdAt: clock.now(),
          updatedAt: clock.now(),
        });
      }
      for (const s of sessions) {
        await testStore.db.repo(ChatSessionEntity, manager).insert(row(s));
        await testStore.db.repo(ChatMessageEntity, manager).insert(
          row({
            id: randomUUID(),
            workspaceId: s.workspaceId,
            sessionId: s.id,
            externalId: 'm1',
            authorType: 'visitor',
            authorName: null,
            body: 'hello',
            private: false,
            attachments: [],
            sentiment: null,
            occurredAt: s.startedAt,
            createdAt: s.startedAt,
          }),
        );
      }
      await testStore.db.repo(ReceivedEventEntity, manager).insert([
        {
          id: randomUUID(),
          workspaceId: short,
          source: 'events',
          eventKey: 'old',
          receivedAt: new Date(now - 8 * DAY),
        },
        {
          id: randomUUID(),
          workspaceId: short,
          source: 'events',
          eventKey: 'new',
          receivedAt: new Date(now - 1 * DAY),
        },
      ]);
      await store.enqueue(manager, { type: 'x', payload: {}, workspaceId: short });
    });
    // One finished job from long ago.
    const [oldJob] = await store.claim('w', 1);
    await store.complete(oldJob, 'w');
    clock.advance(8 * DAY);

    const cache = new ContextCache(testStore.db, clock, config);
    const emptyContext = {
      contact: null,
      records: [],
      orders: [],
      notes: [],
      openCases: [],
      history: [],
      sources: [],
      generatedAt: '',
    };
    await cache.put(short, 'email:old@example.com', null, emptyContext, new Date(now - 2 * DAY));
    await cache.put(short, 'email:new@example.com', null, emptyContext, clock.now());
    const report = await new PurgeJobHandler(testStore.db, clock, store, cache, config).purge();
    // Only the chat closed 48 days ago in the 31-day workspace has expired; 90 days protects the other one.
    expect(report).toEqual({ sessions: 1, messages: 1, jobs: 1, receivedEvents: 2, cachedContexts: 1 });
    const left = await testStore.db.run((manager) => testStore.db.repo(ChatSessionEntity, manager).find());
    expect(left.map((s) => s.id).sort()).toEqual([sessions[1].id, sessions[2].id, sessions[3].id].sort());
    const messages = await testStore.db.run((manager) => testStore.db.repo(ChatMessageEntity, manager).count());
    expect(messages).toBe(3);
  });
});
