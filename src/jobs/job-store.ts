import { Inject, Injectable } from '@nestjs/common';
import { In, LessThan, type EntityManager } from 'typeorm';
import { newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database, row } from '../database/database';
import { JobPauseEntity } from './job-pause.entity';
import { JobEntity, type Job, type JobState } from './job.entity';
import type { EnqueueSpec } from './job-types';

export const DEFAULT_PRIORITY = 100;

/** The queue's SQL. Every state change of a running job is fenced by the worker's lease token. */
@Injectable()
export class JobStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Inserts the job inside the caller's transaction, so the business write and the work it causes commit together.
   * A repeated idempotency key inserts nothing and reports the existing job.
   */
  async enqueue(manager: EntityManager, spec: EnqueueSpec<string>): Promise<{ id: string; duplicate: boolean }> {
    const now = this.clock.now();
    const idempotencyKey =
      spec.idempotencyKey === undefined ? null : `${spec.workspaceId ?? 'system'}:${spec.idempotencyKey}`;
    const job: Job = {
      id: newId(),
      workspaceId: spec.workspaceId,
      type: spec.type,
      payload: (spec.payload ?? {}) as Record<string, unknown>,
      state: 'queued',
      priority: spec.priority ?? DEFAULT_PRIORITY,
      attempts: 0,
      maxAttempts: spec.maxAttempts ?? this.config.jobs.maxAttempts,
      runAt: spec.runAt ?? now,
      lockedBy: null,
      lockedUntil: null,
      idempotencyKey,
      groupKey: spec.groupKey ?? null,
      lastError: null,
      lastErrorCode: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    const repo = this.db.repo(JobEntity, manager);
    if (idempotencyKey === null) {
      await repo.insert(row(job));
      return { id: job.id, duplicate: false };
    }
    // ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite) keeps the surrounding transaction usable on PostgreSQL.
    await repo.createQueryBuilder().insert().values(row(job)).orIgnore().execute();
    const stored = await repo.findOne({ where: { idempotencyKey }, select: { id: true } });
    if (!stored) {
      throw new Error(`job with key ${idempotencyKey} neither inserted nor found`);
    }
    return { id: stored.id, duplicate: stored.id !== job.id };
  }

  /**
   * Leases up to `limit` due jobs to `workerId`: queued jobs whose time has come, and running jobs whose lease ran
   * out (their worker died). PostgreSQL skips rows another worker is claiming; SQLite runs this as one serialised
   * write. Each claim counts as an attempt.
   */
  async claim(workerId: string, limit: number): Promise<Job[]> {
    const now = this.db.time(this.clock.now());
    return this.claimWhere(
      workerId,
      limit,
      (p) => `((j.state = 'queued' AND j.run_at <= ${p(0)}) OR (j.state = 'running' AND j.locked_until < ${p(1)}))`,
      [now, now],
    );
  }

  /**
   * Leases up to `limit` more due jobs of the same type and group as `job` (which this worker already holds), so a
   * batching handler can write them in one CRM call. Only queued jobs: expired leases go through the normal claim,
   * which counts their crashed attempt.
   */
  async claimSiblings(job: Job, workerId: string, limit: number): Promise<Job[]> {
    if (limit <= 0 || !job.groupKey) {
      return [];
    }
    return this.claimWhere(
      workerId,
      limit,
      (p) => `j.state = 'queued' AND j.run_at <= ${p(0)} AND j.type = ${p(1)} AND j.group_key = ${p(2)}`,
      [this.db.time(this.clock.now()), job.type, job.groupKey],
    );
  }

  /**
   * The one claim statement: leases up to `limit` jobs matching `condition` (over alias `j`, its parameters numbered
   * from 0 through `p`) whose group is not paused, lowest priority value and earliest first.
   */
  private async claimWhere(
    workerId: string,
    limit: number,
    condition: (p: (index: number) => string) => string,
    conditionParameters: unknown[],
  ): Promise<Job[]> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + this.config.jobs.leaseMs);
    const p = (position: number) => this.db.param(position);
    const skipLocked = this.db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    const base = 4;
    const after = base + conditionParameters.length;
    const sql = `
      UPDATE jobs SET state = 'running', locked_by = ${p(1)}, locked_until = ${p(2)},
                      attempts = attempts + 1, updated_at = ${p(3)}
      WHERE id IN (
        SELECT j.id FROM jobs j
        WHERE ${condition((index) => p(base + index))}
          AND NOT EXISTS (
            SELECT 1 FROM job_pauses jp WHERE jp.group_key = j.group_key AND jp.paused_until > ${p(after)})
        ORDER BY j.priority, j.run_at
        LIMIT ${p(after + 1)}
        ${skipLocked})
      RETURNING id`;
    const t = (value: Date) => this.db.time(value);
    const parameters = [workerId, t(until), t(now), ...conditionParameters, t(now), limit];
    const ids = await this.db.run(async (manager) => {
      const result: unknown = await manager.query(sql, parameters);
      // pg answers UPDATE … RETURNING as [rows, count]; better-sqlite3 as rows.
      const rows = (this.db.dialect === 'postgres' ? (result as [unknown[], number])[0] : result) as Array<{
        id: string;
      }>;
      return rows.map((row) => row.id);
    });
    if (ids.length === 0) {
      return [];
    }
    const jobs = await this.db.run((manager) => this.db.repo(JobEntity, manager).findBy({ id: In(ids) }));
    return jobs.sort((a, b) => a.priority - b.priority || a.runAt.getTime() - b.runAt.getTime());
  }

  /** Extends a lease held by `workerId`; false when the lease was lost (the job belongs to someone else now). */
  async heartbeat(job: Job, workerId: string): Promise<boolean> {
    const until = new Date(this.clock.now().getTime() + this.config.jobs.leaseMs);
    return this.fencedUpdate(job.id, workerId, { lockedUntil: until });
  }

  complete(job: Job, workerId: string): Promise<boolean> {
    const now = this.clock.now();
    return this.fencedUpdate(job.id, workerId, {
      state: 'done',
      lockedBy: null,
      lockedUntil: null,
      finishedAt: now,
      updatedAt: now,
    });
  }

  retry(
    job: Job,
    workerId: string,
    step: { runAt: Date; refundAttempt: boolean; error: { code: string; message: string } },
  ): Promise<boolean> {
    return this.fencedUpdate(job.id, workerId, {
      state: 'queued',
      runAt: step.runAt,
      attempts: step.refundAttempt ? Math.max(0, job.attempts - 1) : job.attempts,
      lockedBy: null,
      lockedUntil: null,
      lastError: step.error.message.slice(0, 4000),
      lastErrorCode: step.error.code,
      updatedAt: this.clock.now(),
    });
  }

  finishUnsuccessfully(
    job: Job,
    workerId: string,
    state: Extract<JobState, 'dead' | 'parked'>,
    error: { code: string; message: string },
  ): Promise<boolean> {
    const now = this.clock.now();
    return this.fencedUpdate(job.id, workerId, {
      state,
      lockedBy: null,
      lockedUntil: null,
      lastError: error.message.slice(0, 4000),
      lastErrorCode: error.code,
      finishedAt: state === 'dead' ? now : null,
      updatedAt: now,
    });
  }

  /** Gives a lease back without counting the attempt (graceful shutdown). */
  release(job: Job, workerId: string): Promise<boolean> {
    return this.fencedUpdate(job.id, workerId, {
      state: 'queued',
      attempts: Math.max(0, job.attempts - 1),
      lockedBy: null,
      lockedUntil: null,
      runAt: this.clock.now(),
      updatedAt: this.clock.now(),
    });
  }

  /**
   * Holds back every job of the group until `until`; a later pause wins over an earlier one. One upsert statement
   * (both stores have ON CONFLICT … DO UPDATE … WHERE), so a sweep deleting an expired pause at the same moment cannot
   * make this pause disappear.
   */
  async pauseGroup(groupKey: string, until: Date, reason: string): Promise<void> {
    const p = (position: number) => this.db.param(position);
    await this.db.run((manager) =>
      manager.query(
        `INSERT INTO job_pauses (group_key, paused_until, reason) VALUES (${p(1)}, ${p(2)}, ${p(3)})
         ON CONFLICT (group_key) DO UPDATE SET paused_until = excluded.paused_until, reason = excluded.reason
         WHERE job_pauses.paused_until < excluded.paused_until`,
        [groupKey, this.db.time(until), reason],
      ),
    );
  }

  /** Parked jobs of a group go back to the queue (after the connector was re-authorised). */
  async unparkGroup(groupKey: string): Promise<number> {
    const result = await this.db.run((manager) =>
      this.db
        .repo(JobEntity, manager)
        .update(
          { groupKey, state: 'parked' },
          { state: 'queued', runAt: this.clock.now(), attempts: 0, updatedAt: this.clock.now() },
        ),
    );
    return result.affected ?? 0;
  }

  async countByState(): Promise<Record<JobState, number>> {
    const rows = await this.db.run((manager) =>
      this.db
        .repo(JobEntity, manager)
        .createQueryBuilder('job')
        .select('job.state', 'state')
        .addSelect('COUNT(*)', 'count')
        .groupBy('job.state')
        .getRawMany<{ state: JobState; count: string | number }>(),
    );
    const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, dead: 0, parked: 0 };
    for (const row of rows) {
      counts[row.state] = Number(row.count);
    }
    return counts;
  }

  /** Deletes finished (done or dead) jobs older than the cutoff; returns how many. */
  async purgeFinished(before: Date): Promise<number> {
    const result = await this.db.run((manager) =>
      this.db.repo(JobEntity, manager).delete({ state: In(['done', 'dead']), finishedAt: LessThan(before) }),
    );
    await this.db.run((manager) => this.db.repo(JobPauseEntity, manager).delete({ pausedUntil: LessThan(before) }));
    return result.affected ?? 0;
  }

  async find(id: string): Promise<Job | null> {
    return this.db.run((manager) => this.db.repo(JobEntity, manager).findOneBy({ id }));
  }

  private async fencedUpdate(id: string, workerId: string, changes: Partial<Job>): Promise<boolean> {
    const result = await this.db.run((manager) =>
      this.db.repo(JobEntity, manager).update({ id, lockedBy: workerId, state: 'running' }, row(changes)),
    );
    return (result.affected ?? 0) > 0;
  }
}
