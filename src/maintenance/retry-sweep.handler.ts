import { Injectable, Logger } from '@nestjs/common';
import { In, LessThan } from 'typeorm';
import { Clock } from '../common/time/clock';
import { ConnectorEntity } from '../connectors/connector.entity';
import { connectorJobGroup } from '../connectors/connectors.service';
import { Database, row } from '../database/database';
import type { JobContext, JobHandler } from '../jobs/job-handler';
import { JobPauseEntity } from '../jobs/job-pause.entity';
import { JobEntity, type Job } from '../jobs/job.entity';
import { JobStore } from '../jobs/job-store';
import type { JobPayloads } from '../jobs/job-types';

export interface SweepReport {
  /** Parked jobs put back in the queue because their connector changed since they were parked and is active. */
  unparked: number;
  /** Parked jobs dead-lettered because their connector was deleted. */
  deadLettered: number;
  /** Rate-limit pauses that had run out. */
  pausesCleared: number;
}

const CONNECTOR_GROUP = connectorJobGroup('');

/**
 * The periodic half of the retry policy (RETRY_SWEEP_CRON). Retries, backoff and expired leases need no sweep (the
 * claim query handles them); what does:
 * - Parked jobs (auth_expired, forbidden) wait for a human. Re-authorising or re-enabling a connector unparks its
 *   group at once (ConnectorsService.update), after that write commits; a crash in between would leave them parked.
 *   So: a group whose connector is active and was changed after one of its jobs was parked goes back to the queue.
 *   A successful token refresh also counts as a change: it is the proof that the credentials work again.
 * - Jobs parked for a connector that was deleted would stay parked forever: they are dead-lettered as not_found.
 * - Pauses whose time has passed hold nothing back any more: deleted, so the table stays small.
 */
@Injectable()
export class RetrySweepHandler implements JobHandler<JobPayloads['maintenance.retry-sweep']> {
  private readonly logger = new Logger(RetrySweepHandler.name);

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly jobs: JobStore,
  ) {}

  async handle(_context: JobContext<JobPayloads['maintenance.retry-sweep']>): Promise<void> {
    const report = await this.sweep();
    if (report.unparked + report.deadLettered + report.pausesCleared > 0) {
      this.logger.log(`retry sweep: ${JSON.stringify(report)}`);
    }
  }

  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { unparked: 0, deadLettered: 0, pausesCleared: 0 };
    const parked = await this.db.run((manager) =>
      this.db
        .repo(JobEntity, manager)
        .find({ where: { state: 'parked' }, select: { groupKey: true, updatedAt: true } }),
    );
    // Per connector group, when its earliest parked job was parked.
    const earliest = new Map<string, Date>();
    for (const job of parked) {
      if (job.groupKey?.startsWith(CONNECTOR_GROUP)) {
        const seen = earliest.get(job.groupKey);
        if (!seen || job.updatedAt < seen) {
          earliest.set(job.groupKey, job.updatedAt);
        }
      }
    }
    if (earliest.size > 0) {
      const ids = [...earliest.keys()].map((groupKey) => groupKey.slice(CONNECTOR_GROUP.length));
      const connectors = await this.db.run((manager) =>
        this.db
          .repo(ConnectorEntity, manager)
          .find({ where: { id: In(ids) }, select: { id: true, status: true, updatedAt: true } }),
      );
      const byId = new Map(connectors.map((connector) => [connector.id, connector]));
      for (const [groupKey, parkedAt] of earliest) {
        const connector = byId.get(groupKey.slice(CONNECTOR_GROUP.length));
        if (!connector) {
          report.deadLettered += await this.deadLetterGroup(groupKey);
        } else if (connector.status === 'active' && connector.updatedAt > parkedAt) {
          report.unparked += await this.jobs.unparkGroup(groupKey);
        }
      }
    }
    const cleared = await this.db.run((manager) =>
      this.db.repo(JobPauseEntity, manager).delete({ pausedUntil: LessThan(this.clock.now()) }),
    );
    report.pausesCleared = cleared.affected ?? 0;
    return report;
  }

  private async deadLetterGroup(groupKey: string): Promise<number> {
    const now = this.clock.now();
    const result = await this.db.run((manager) =>
      this.db.repo(JobEntity, manager).update(
        { groupKey, state: 'parked' },
        row<Job>({
          state: 'dead',
          lastErrorCode: 'not_found',
          lastError: 'not_found: the connector was deleted while this job was parked',
          finishedAt: now,
          updatedAt: now,
        }),
      ),
    );
    return result.affected ?? 0;
  }
}
