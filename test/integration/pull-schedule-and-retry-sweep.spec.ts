import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { ConnectorEntity, type ConnectorRow, type ConnectorStatus } from '../../src/connectors/connector.entity';
import { ConnectorRegistry } from '../../src/connectors/connector.registry';
import { connectorJobGroup } from '../../src/connectors/connectors.service';
import { HubspotConnector } from '../../src/connectors/hubspot/hubspot.connector';
import { SalesforceConnector } from '../../src/connectors/salesforce/salesforce.connector';
import { ZendeskConnector } from '../../src/connectors/zendesk/zendesk.connector';
import { ZohoConnector } from '../../src/connectors/zoho/zoho.connector';
import { CrmPullFanOutHandler, PULL_PRIORITY } from '../../src/crm-sync/crm-pull-fan-out.handler';
import { row } from '../../src/database/database';
import { JobPauseEntity } from '../../src/jobs/job-pause.entity';
import { JobEntity, type Job } from '../../src/jobs/job.entity';
import { JobQueue } from '../../src/jobs/job-queue';
import { JobScheduler } from '../../src/jobs/job-scheduler';
import type { JobStore } from '../../src/jobs/job-store';
import { RetrySweepHandler } from '../../src/maintenance/retry-sweep.handler';
import { DeadLetterSummary } from '../../src/metrics/dead-letter-summary';
import { MetricsService } from '../../src/metrics/metrics.service';
import { ManualClock, queueConfig, queueKit } from '../support/queue-kit';
import { createTestStore, testStores, warnIfPostgresSkipped, type TestStore } from '../support/test-database';

const MINUTE = 60_000;

describe.each(testStores())('pull schedule, retry sweep and dead-letter gauge on %s', (storeName) => {
  let testStore: TestStore;
  let clock: ManualClock;
  let store: JobStore;
  beforeAll(() => warnIfPostgresSkipped('pull schedule and retry sweep'));
  beforeEach(async () => {
    testStore = await createTestStore(storeName);
    clock = new ManualClock(new Date('2026-06-01T10:00:00Z'));
    store = queueKit(testStore.db, {}, { clock, config: queueConfig() }).store;
  });
  afterEach(async () => testStore.dispose());

  async function connector(
    kind: string,
    roles: string[],
    status: ConnectorStatus = 'active',
    updatedAt = clock.now(),
  ): Promise<ConnectorRow> {
    const connectorRow: ConnectorRow = {
      id: randomUUID(),
      workspaceId: randomUUID(),
      kind,
      name: `${kind} ${randomUUID()}`,
      settings: {},
      credentialsEncrypted: 'sealed',
      credentialsHint: null,
      credentialsVersion: 1,
      roles,
      status,
      rateBudget: null,
      statusReason: null,
      pullCursor: null,
      lastPullAt: null,
      lastPullError: null,
      createdAt: clock.now(),
      updatedAt,
    };
    await testStore.db.run((manager) => testStore.db.repo(ConnectorEntity, manager).insert(row(connectorRow)));
    return connectorRow;
  }

  const allJobs = () => testStore.db.run((manager) => testStore.db.repo(JobEntity, manager).find());

  /** A job of `type` in `groupKey`, run once and settled the way the worker settles a failure with `code`. */
  async function settledJob(
    type: string,
    groupKey: string | undefined,
    state: 'parked' | 'dead',
    code: string,
  ): Promise<Job> {
    const { id } = await testStore.db.transaction((manager) =>
      store.enqueue(manager, {
        type,
        payload: {},
        workspaceId: randomUUID(),
        ...(groupKey ? { groupKey } : {}),
      }),
    );
    const [job] = await store.claim('w', 1);
    expect(job.id).toBe(id);
    await store.finishUnsuccessfully(job, 'w', state, { code, message: `${code}: test` });
    return job;
  }

  describe('the crm-pull schedule', () => {
    const registry = new ConnectorRegistry([
      new SalesforceConnector(),
      new HubspotConnector(),
      new ZendeskConnector(),
      new ZohoConnector(),
    ]);

    it('is a schedule unless configured off', () => {
      const scheduler = (env: Record<string, string>) =>
        new JobScheduler(new SchedulerRegistry(), new JobQueue(store), testStore.db, clock, queueConfig(env));
      expect(
        scheduler({})
          .schedules()
          .map((schedule) => [schedule.name, schedule.type]),
      ).toEqual([
        ['retention-purge', 'maintenance.purge'],
        ['crm-pull', 'crm.pull.fan-out'],
        ['retry-sweep', 'maintenance.retry-sweep'],
      ]);
      expect(
        scheduler({ CRM_PULL_CRON: 'off', RETRY_SWEEP_CRON: 'off' })
          .schedules()
          .map((schedule) => schedule.name),
      ).toEqual(['retention-purge']);
      expect(() => queueConfig({ CRM_PULL_CRON: 'every minute' })).toThrow(/CRM_PULL_CRON/);
    });

    it('enqueues one pull per pulling connector per tick, however many instances tick and however often it runs', async () => {
      const zendesk = await connector('zendesk', ['enrich', 'escalation']);
      const hubspot = await connector('hubspot', ['enrich']);
      await connector('salesforce', ['transcripts']);
      await connector('zoho', ['enrich'], 'needs_reauth');
      await connector('zendesk', ['enrich'], 'disabled');
      const config = queueConfig();
      const instances = [0, 1].map(
        () => new JobScheduler(new SchedulerRegistry(), new JobQueue(store), testStore.db, clock, config),
      );
      const schedule = instances[0].schedules().find((candidate) => candidate.name === 'crm-pull')!;
      const ticks = await Promise.all([
        instances[0].tick(schedule, new Date('2026-06-01T10:02:15.002Z')),
        instances[1].tick(schedule, new Date('2026-06-01T10:02:14.740Z')),
      ]);
      expect(ticks.filter((tick) => !tick.duplicate)).toHaveLength(1);

      const fanOut = new CrmPullFanOutHandler(testStore.db, registry, new JobQueue(store));
      const runTick = async () => {
        const [job] = await store.claim('w', 1);
        expect(job.type).toBe('crm.pull.fan-out');
        const first = await fanOut.enqueuePulls(job.id);
        // The same tick's job run again (its worker died before completing it) adds nothing.
        const again = await fanOut.enqueuePulls(job.id);
        await store.complete(job, 'w');
        return { job, first, again };
      };
      const first = await runTick();
      expect(first.first).toEqual({ enqueued: 2, pending: 0 });
      expect(first.again).toEqual({ enqueued: 0, pending: 2 });
      const pulls = (await allJobs()).filter((job) => job.type === 'crm.pull');
      expect(
        pulls
          .map((job) => ({
            payload: job.payload,
            workspaceId: job.workspaceId,
            groupKey: job.groupKey,
            priority: job.priority,
            idempotencyKey: job.idempotencyKey,
          }))
          .sort((a, b) => String(a.groupKey).localeCompare(String(b.groupKey))),
      ).toEqual(
        [zendesk, hubspot]
          .map((pulled) => ({
            payload: { connectorId: pulled.id },
            workspaceId: pulled.workspaceId,
            groupKey: connectorJobGroup(pulled.id),
            priority: PULL_PRIORITY,
            idempotencyKey: `${pulled.workspaceId}:crm.pull:${pulled.id}:${first.job.id}`,
          }))
          .sort((a, b) => a.groupKey.localeCompare(b.groupKey)),
      );

      // Next tick while both pulls still wait: none piles up behind them.
      await instances[0].tick(schedule, new Date('2026-06-01T10:04:15Z'));
      expect((await runTick()).first).toEqual({ enqueued: 0, pending: 2 });

      // The Zendesk pull finished (the HubSpot one still waits): the tick after that pulls Zendesk only.
      const zendeskPull = pulls.find((job) => job.groupKey === connectorJobGroup(zendesk.id))!;
      await testStore.db.run((manager) =>
        testStore.db.repo(JobEntity, manager).update({ id: zendeskPull.id }, { state: 'done' }),
      );
      await instances[0].tick(schedule, new Date('2026-06-01T10:06:15Z'));
      expect((await runTick()).first).toEqual({ enqueued: 1, pending: 1 });
      const zendeskPulls = (await allJobs()).filter(
        (job) => job.type === 'crm.pull' && job.groupKey === connectorJobGroup(zendesk.id),
      );
      expect(zendeskPulls).toHaveLength(2);
    });
  });

  describe('the retry sweep', () => {
    it('unparks what a connector change fixed, dead-letters orphans, clears expired pauses, and then rests', async () => {
      const before = new Date(clock.now().getTime() - 60 * MINUTE);
      const fixed = await connector('zendesk', ['enrich'], 'needs_reauth', before);
      const broken = await connector('hubspot', ['enrich'], 'needs_reauth', before);
      const unchanged = await connector('zoho', ['enrich'], 'active', before);
      const goneGroup = connectorJobGroup(randomUUID());
      const fixedJob = await settledJob('transcript.push', connectorJobGroup(fixed.id), 'parked', 'auth_expired');
      const brokenJob = await settledJob('transcript.push', connectorJobGroup(broken.id), 'parked', 'auth_expired');
      const unchangedJob = await settledJob('case.create', connectorJobGroup(unchanged.id), 'parked', 'forbidden');
      const orphans = [
        await settledJob('transcript.push', goneGroup, 'parked', 'auth_expired'),
        await settledJob('case.create', goneGroup, 'parked', 'forbidden'),
      ];
      const ungrouped = await settledJob('x', undefined, 'parked', 'forbidden');
      await store.pauseGroup(connectorJobGroup(unchanged.id), new Date(clock.now().getTime() + 5 * MINUTE), 'x');
      await store.pauseGroup(connectorJobGroup(broken.id), new Date(clock.now().getTime() + 1 * MINUTE), 'x');

      // An admin re-authorised `fixed`, and its own unparking never ran (the process died after the commit).
      clock.advance(2 * MINUTE);
      await testStore.db.run((manager) =>
        testStore.db
          .repo(ConnectorEntity, manager)
          .update({ id: fixed.id }, { status: 'active', updatedAt: clock.now() }),
      );
      const sweeper = new RetrySweepHandler(testStore.db, clock, store);
      expect(await sweeper.sweep()).toEqual({ unparked: 1, deadLettered: 2, pausesCleared: 1 });

      const byId = new Map((await allJobs()).map((job) => [job.id, job]));
      expect(byId.get(fixedJob.id)).toMatchObject({ state: 'queued', attempts: 0 });
      expect(byId.get(brokenJob.id)?.state).toBe('parked');
      expect(byId.get(unchangedJob.id)?.state).toBe('parked');
      expect(byId.get(ungrouped.id)?.state).toBe('parked');
      for (const orphan of orphans) {
        expect(byId.get(orphan.id)).toMatchObject({
          state: 'dead',
          lastErrorCode: 'not_found',
          finishedAt: clock.now(),
        });
      }
      const pauses = await testStore.db.run((manager) => testStore.db.repo(JobPauseEntity, manager).find());
      expect(pauses.map((pause) => pause.groupKey)).toEqual([connectorJobGroup(unchanged.id)]);

      // Nothing changed since: a second sweep does nothing, and a job that fails again stays parked.
      expect(await sweeper.sweep()).toEqual({ unparked: 0, deadLettered: 0, pausesCleared: 0 });
      clock.advance(MINUTE);
      const [rerun] = await store.claim('w', 1);
      expect(rerun.id).toBe(fixedJob.id);
      await store.finishUnsuccessfully(rerun, 'w', 'parked', { code: 'forbidden', message: 'forbidden: still' });
      expect(await sweeper.sweep()).toEqual({ unparked: 0, deadLettered: 0, pausesCleared: 0 });
    });
  });

  describe('the dead-letter gauge', () => {
    it('counts dead and parked jobs by type and failure code, and forgets what is gone', async () => {
      await settledJob('transcript.push', 'g1', 'dead', 'invalid_request');
      await settledJob('transcript.push', 'g1', 'dead', 'invalid_request');
      await settledJob('transcript.push', 'g1', 'dead', 'not_found');
      await settledJob('case.create', 'g2', 'parked', 'auth_expired');
      await testStore.db.transaction((manager) =>
        store.enqueue(manager, { type: 'webhook.deliver', payload: {}, workspaceId: null }),
      );
      const summary = new DeadLetterSummary(testStore.db);
      const metrics = new MetricsService();
      const counts = await summary.counts();
      expect([...counts].sort((a, b) => `${a.type}${a.code}`.localeCompare(`${b.type}${b.code}`))).toEqual([
        { state: 'parked', type: 'case.create', code: 'auth_expired', count: 1 },
        { state: 'dead', type: 'transcript.push', code: 'invalid_request', count: 2 },
        { state: 'dead', type: 'transcript.push', code: 'not_found', count: 1 },
      ]);
      metrics.setDeadLetters(counts);
      const text = await metrics.registry.metrics();
      expect(text).toContain('jobs_dead_letters{state="dead",type="transcript.push",code="invalid_request"} 2');
      expect(text).toContain('jobs_dead_letters{state="dead",type="transcript.push",code="not_found"} 1');
      expect(text).toContain('jobs_dead_letters{state="parked",type="case.create",code="auth_expired"} 1');
      expect(text).not.toContain('type="webhook.deliver"');

      // The parked job was fixed and ran: its series goes away instead of staying at its last value.
      await testStore.db.run((manager) =>
        testStore.db.repo(JobEntity, manager).update({ state: 'parked' }, { state: 'done' }),
      );
      metrics.setDeadLetters(await summary.counts());
      expect(await metrics.registry.metrics()).not.toContain('state="parked"');
    });
  });
});
