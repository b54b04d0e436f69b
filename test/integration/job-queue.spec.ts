import { randomUUID } from 'node:crypto';
import { JobPauseEntity } from '../../src/jobs/job-pause.entity';
import { JobEntity, type Job } from '../../src/jobs/job.entity';
import type { BatchJobHandler, JobHandler } from '../../src/jobs/job-handler';
import type { EnqueueSpec } from '../../src/jobs/job-types';
import type { FailureCode } from '../../src/jobs/retry-policy';
import { ManualClock, queueConfig, queueKit } from '../support/queue-kit';
import { createTestStore, testStores, warnIfPostgresSkipped, type TestStore } from '../support/test-database';

class FailingError extends Error {
  constructor(readonly failure: { code: FailureCode; message: string; retryAfterMs?: number }) {
    super(failure.message);
  }
}

const spec = (overrides: Partial<EnqueueSpec<string>> = {}): EnqueueSpec<string> => ({
  type: 'test.echo',
  payload: { n: 1 },
  workspaceId: randomUUID(),
  ...overrides,
});

describe.each(testStores())('job queue on %s', (storeName) => {
  let testStore: TestStore;

  beforeAll(() => warnIfPostgresSkipped('job queue'));
  beforeEach(async () => {
    testStore = await createTestStore(storeName);
  });
  afterEach(async () => testStore.dispose());

  const enqueue = (store: ReturnType<typeof queueKit>['store'], s: EnqueueSpec<string>) =>
    testStore.db.transaction((manager) => store.enqueue(manager, s));
  const jobs = () => testStore.db.run((manager) => testStore.db.repo(JobEntity, manager).find());

  it('runs a job once and marks it done', async () => {
    const seen: unknown[] = [];
    const kit = queueKit(testStore.db, { 'test.echo': { handle: async ({ payload }) => void seen.push(payload) } });
    await enqueue(kit.store, spec());
    await kit.worker.drain();
    expect(seen).toEqual([{ n: 1 }]);
    expect((await jobs()).map((job) => job.state)).toEqual(['done']);
  });

  it('dedupes by idempotency key within a workspace, not across workspaces', async () => {
    const kit = queueKit(testStore.db, {});
    const workspaceId = randomUUID();
    const first = await enqueue(kit.store, spec({ workspaceId, idempotencyKey: 'push:s1' }));
    const second = await enqueue(kit.store, spec({ workspaceId, idempotencyKey: 'push:s1' }));
    const elsewhere = await enqueue(kit.store, spec({ workspaceId: randomUUID(), idempotencyKey: 'push:s1' }));
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ id: first.id, duplicate: true });
    expect(elsewhere.duplicate).toBe(false);
    expect(await jobs()).toHaveLength(2);
  });

  it('enqueues atomically with the business write: a rollback leaves no job', async () => {
    const kit = queueKit(testStore.db, {});
    await expect(
      testStore.db.transaction(async (manager) => {
        await kit.store.enqueue(manager, spec());
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    expect(await jobs()).toHaveLength(0);
  });

  it('retries with exponential backoff, keeping the last error, then succeeds', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const kit = queueKit(
      testStore.db,
      {
        'test.echo': {
          handle: async () => {
            calls += 1;
            if (calls < 3) {
              throw new FailingError({ code: 'unavailable', message: `503 #${calls}` });
            }
          },
        },
      },
      { clock, config: queueConfig({ JOB_BACKOFF_BASE_MS: '1000', JOB_BACKOFF_MAX_MS: '60000' }) },
    );
    await enqueue(kit.store, spec());
    await kit.worker.drain();
    let [job] = (await jobs()) as [Job];
    expect(job).toMatchObject({ state: 'queued', attempts: 1, lastError: '503 #1', lastErrorCode: 'unavailable' });
    const firstDelay = job.runAt.getTime() - clock.now().getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(500);
    expect(firstDelay).toBeLessThanOrEqual(1000);

    await kit.worker.drain(); // not due yet: nothing runs
    expect(calls).toBe(1);
    clock.advance(1000);
    await kit.worker.drain();
    [job] = (await jobs()) as [Job];
    const secondDelay = job.runAt.getTime() - clock.now().getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(1000);
    expect(secondDelay).toBeLessThanOrEqual(2000);
    clock.advance(2000);
    await kit.worker.drain();
    [job] = (await jobs()) as [Job];
    expect(calls).toBe(3);
    expect(job).toMatchObject({ state: 'done', attempts: 3 });
  });

  it('dead-letters after max attempts with the last error', async () => {
    const clock = new ManualClock();
    const kit = queueKit(
      testStore.db,
      { 'test.echo': { handle: () => Promise.reject(new Error('always broken')) } },
      { clock },
    );
    await enqueue(kit.store, spec({ maxAttempts: 3 }));
    for (let round = 0; round < 5; round += 1) {
      await kit.worker.drain();
      clock.advance(3_600_000);
    }
    const [job] = (await jobs()) as [Job];
    expect(job.state).toBe('dead');
    expect(job.attempts).toBe(3);
    expect(job.lastErrorCode).toBe('unknown');
    expect(job.lastError).toContain('always broken');
    expect(job.finishedAt).not.toBeNull();
  });

  it('dead-letters permanent failures at once and parks auth failures', async () => {
    const kit = queueKit(testStore.db, {
      'test.bad': {
        handle: () => Promise.reject(new FailingError({ code: 'invalid_request', message: 'no such field' })),
      },
      'test.auth': {
        handle: () => Promise.reject(new FailingError({ code: 'auth_expired', message: 'invalid_grant' })),
      },
    });
    await enqueue(kit.store, spec({ type: 'test.bad' }));
    await enqueue(kit.store, spec({ type: 'test.auth', groupKey: 'connector-1' }));
    await kit.worker.drain();
    const states = Object.fromEntries((await jobs()).map((job) => [job.type, [job.state, job.attempts]]));
    expect(states).toEqual({ 'test.bad': ['dead', 1], 'test.auth': ['parked', 1] });
    expect(await kit.store.unparkGroup('connector-1')).toBe(1);
    expect((await jobs()).find((job) => job.type === 'test.auth')?.state).toBe('queued');
  });

  it('a rate limit pauses only that group until the retry-after, without burning attempts', async () => {
    const clock = new ManualClock();
    const ran: string[] = [];
    let limited = true;
    const kit = queueKit(
      testStore.db,
      {
        'test.echo': {
          handle: async ({ job }) => {
            if (job.groupKey === 'crm-a' && limited) {
              limited = false;
              throw new FailingError({ code: 'rate_limited', message: '429', retryAfterMs: 30_000 });
            }
            ran.push(`${job.groupKey}:${String(job.payload.n)}`);
          },
        },
      },
      { clock, config: queueConfig({ WORKER_CONCURRENCY: '1' }) },
    );
    await enqueue(kit.store, spec({ groupKey: 'crm-a', payload: { n: 1 }, priority: 1 }));
    await enqueue(kit.store, spec({ groupKey: 'crm-a', payload: { n: 2 }, priority: 2 }));
    await enqueue(kit.store, spec({ groupKey: 'crm-b', payload: { n: 3 }, priority: 3 }));
    await kit.worker.drain();
    expect(ran).toEqual(['crm-b:3']);
    clock.advance(29_000);
    await kit.worker.drain();
    expect(ran).toEqual(['crm-b:3']);
    clock.advance(2_000);
    await kit.worker.drain();
    expect(ran.sort()).toEqual(['crm-a:1', 'crm-a:2', 'crm-b:3']);
    expect((await jobs()).find((job) => job.payload.n === 1)?.attempts).toBe(1);
  });

  it("hands a batching handler the same group's due jobs, up to its limit, and settles each on its own", async () => {
    const clock = new ManualClock();
    const batches: number[][] = [];
    const handler: BatchJobHandler<{ n: number }> = {
      batchLimit: async () => 3,
      handle: async () => {
        throw new Error('a batching handler is always called through handleBatch');
      },
      handleBatch: async (contexts) => {
        batches.push(contexts.map((context) => context.payload.n));
        return contexts.map((context) =>
          context.payload.n === 2
            ? { ok: false, error: new FailingError({ code: 'invalid_request', message: 'record 2 refused' }) }
            : { ok: true },
        );
      },
    };
    const kit = queueKit(
      testStore.db,
      { 'test.batch': handler },
      {
        clock,
        config: queueConfig({ WORKER_CONCURRENCY: '1' }),
      },
    );
    for (const n of [1, 2, 3, 4]) {
      await enqueue(kit.store, spec({ type: 'test.batch', groupKey: 'crm-a', payload: { n }, priority: n }));
    }
    await enqueue(kit.store, spec({ type: 'test.batch', groupKey: 'crm-b', payload: { n: 5 }, priority: 5 }));
    await enqueue(
      kit.store,
      spec({
        type: 'test.batch',
        groupKey: 'crm-a',
        payload: { n: 6 },
        runAt: new Date(clock.now().getTime() + 60_000),
      }),
    );
    await kit.worker.drain();
    // Three of crm-a's due jobs, then its fourth; crm-b apart; the job that is not due yet waits.
    expect(batches).toEqual([[1, 2, 3], [4], [5]]);
    const byN = new Map((await jobs()).map((job) => [job.payload.n as number, job]));
    expect([1, 2, 3, 4, 5, 6].map((n) => byN.get(n)?.state)).toEqual([
      'done',
      'dead',
      'done',
      'done',
      'done',
      'queued',
    ]);
    expect(byN.get(2)?.lastError).toContain('record 2 refused');
    expect([1, 3, 4].map((n) => byN.get(n)?.attempts)).toEqual([1, 1, 1]);
  });

  it('keeps the later of two pauses of a group', async () => {
    const clock = new ManualClock();
    const kit = queueKit(testStore.db, {}, { clock });
    const at = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);
    const pausedUntil = async () =>
      (
        await testStore.db.run((manager) => testStore.db.repo(JobPauseEntity, manager).findOneBy({ groupKey: 'g' }))
      )?.pausedUntil.getTime();
    await kit.store.pauseGroup('g', at(30), 'rate_limited');
    await kit.store.pauseGroup('g', at(10), 'rate_limited');
    expect(await pausedUntil()).toBe(at(30).getTime());
    await kit.store.pauseGroup('g', at(60), 'quota_exhausted');
    expect(await pausedUntil()).toBe(at(60).getTime());
  });

  it('reclaims a job whose lease expired and fences the stale worker out', async () => {
    const clock = new ManualClock();
    const config = queueConfig({ JOB_LEASE_MS: '5000' });
    const a = queueKit(testStore.db, {}, { clock, config });
    const b = queueKit(testStore.db, {}, { clock, config });
    await enqueue(a.store, spec());
    const [claimedByA] = (await a.store.claim('worker-a', 10)) as [Job];
    expect(await b.store.claim('worker-b', 10)).toHaveLength(0);
    clock.advance(5001);
    const [claimedByB] = (await b.store.claim('worker-b', 10)) as [Job];
    expect(claimedByB.id).toBe(claimedByA.id);
    expect(claimedByB.attempts).toBe(2);
    expect(await a.store.complete(claimedByA, 'worker-a')).toBe(false);
    expect(await b.store.complete(claimedByB, 'worker-b')).toBe(true);
  });

  it('on stop, lets a running job finish within the grace period and releases one that does not', async () => {
    let release!: () => void;
    const slowDone = new Promise<void>((resolve) => (release = resolve));
    const kit = queueKit(testStore.db, {
      'test.quick': { handle: () => new Promise((resolve) => setTimeout(resolve, 100)) },
      'test.stuck': {
        handle: ({ signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
      },
    });
    await enqueue(kit.store, spec({ type: 'test.quick' }));
    await enqueue(kit.store, spec({ type: 'test.stuck' }));
    kit.worker.start();
    await waitFor(async () => (await jobs()).filter((job) => job.state === 'running').length === 2);
    await kit.worker.stop(500);
    release();
    await slowDone;
    const byType = Object.fromEntries((await jobs()).map((job) => [job.type, job]));
    expect(byType['test.quick']?.state).toBe('done');
    expect(byType['test.stuck']).toMatchObject({ state: 'queued', attempts: 0, lockedBy: null });
  });

  it('four concurrent workers drain the queue with no job run twice', async () => {
    const total = storeName === 'postgres' ? 10_000 : 2_000;
    const runs = new Map<string, number>();
    const handler: JobHandler<unknown> = {
      handle: async ({ job }) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      },
    };
    // On PostgreSQL each worker gets its own connection pool, as separate processes would.
    const stores = await Promise.all(
      [0, 1, 2, 3].map((index) =>
        index === 0 || storeName === 'sqlite'
          ? Promise.resolve(testStore)
          : createTestStore('postgres', { migrate: false, schemaOf: testStore }),
      ),
    );
    const kits = stores.map((s) => queueKit(s.db, { 'test.echo': handler }));
    const rows = Array.from({ length: total }, (_, n) => spec({ payload: { n } }));
    for (let offset = 0; offset < rows.length; offset += 1000) {
      await testStore.db.transaction(async (manager) => {
        for (const row of rows.slice(offset, offset + 1000)) {
          await kits[0].store.enqueue(manager, row);
        }
      });
    }
    await Promise.all(kits.map((kit) => kit.worker.drain()));
    expect(runs.size).toBe(total);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(await kits[0].store.countByState()).toMatchObject({ queued: 0, running: 0, done: total });
    await Promise.all(
      stores
        .slice(1)
        .filter((s) => s !== testStore)
        .map((s) => s.db.close()),
    );
  }, 120_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
