import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { JobQueue } from './job-queue';
import type { JobPayloads, JobType } from './job-types';

interface Schedule<T extends JobType = JobType> {
  name: string;
  cron: string;
  type: T;
  payload: JobPayloads[T];
}

/**
 * Cron ticks never do work themselves: each tick enqueues one job keyed by the tick's time, so when N worker
 * instances tick together the queue holds one job, and the work gets the queue's retries and dead-lettering.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobScheduler.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly queue: JobQueue,
    private readonly db: Database,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  schedules(): Schedule[] {
    const { purgeCron, pullCron, retrySweepCron } = this.config.schedules;
    const schedules: Array<Omit<Schedule, 'cron'> & { cron: string | null }> = [
      { name: 'retention-purge', cron: purgeCron, type: 'maintenance.purge', payload: {} },
      // The tick's job enqueues one pull per connector (keyed by connector and tick).
      { name: 'crm-pull', cron: pullCron, type: 'crm.pull.fan-out', payload: {} },
      { name: 'retry-sweep', cron: retrySweepCron, type: 'maintenance.retry-sweep', payload: {} },
    ];
    // A schedule configured `off` has no cron.
    return schedules.filter((schedule): schedule is Schedule => schedule.cron !== null);
  }

  onApplicationBootstrap(): void {
    for (const schedule of this.schedules()) {
      const job = CronJob.from({
        cronTime: schedule.cron,
        onTick: () => void this.tick(schedule),
        start: true,
        timeZone: 'UTC',
      });
      this.registry.addCronJob(schedule.name, job);
    }
  }

  /** Enqueues the schedule's job for the tick at `at` (rounded to the second, which is the cron resolution). */
  async tick(schedule: Schedule, at: Date = this.clock.now()): Promise<{ id: string; duplicate: boolean }> {
    const tick = new Date(Math.round(at.getTime() / 1000) * 1000).toISOString();
    try {
      return await this.db.transaction((manager) =>
        this.queue.enqueue(manager, {
          type: schedule.type,
          payload: schedule.payload,
          workspaceId: null,
          idempotencyKey: `schedule:${schedule.name}:${tick}`,
        }),
      );
    } catch (error) {
      this.logger.error({ err: error }, `schedule ${schedule.name} could not enqueue its tick ${tick}`);
      throw error;
    }
  }
}
