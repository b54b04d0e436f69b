import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { JOB_HANDLERS, type JobHandlerMap } from './jobs/job-handler';
import { JobScheduler } from './jobs/job-scheduler';
import { JobWorker } from './jobs/job-worker';
import { PurgeJobHandler } from './retention/purge.handler';
import { RetentionModule } from './retention/retention.module';

/** The background role: runs queued jobs and the schedules that enqueue them. No HTTP routes of its own. */
@Module({
  imports: [ScheduleModule.forRoot(), RetentionModule],
  providers: [
    {
      provide: JOB_HANDLERS,
      inject: [PurgeJobHandler],
      useFactory: (purge: PurgeJobHandler): JobHandlerMap => ({ 'maintenance.purge': purge }),
    },
    JobWorker,
    JobScheduler,
  ],
  exports: [JobWorker, JobScheduler],
})
export class WorkerModule {}
