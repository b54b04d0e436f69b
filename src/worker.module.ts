import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CaseCreateHandler } from './crm-writes/case-create.handler';
import { CrmWritesModule } from './crm-writes/crm-writes.module';
import { CrmPullFanOutHandler } from './crm-sync/crm-pull-fan-out.handler';
import { CrmPullHandler } from './crm-sync/crm-pull.handler';
import { CrmSyncModule } from './crm-sync/crm-sync.module';
import { FeedbackPushHandler } from './crm-writes/feedback-push.handler';
import { TranscriptPushHandler } from './crm-writes/transcript-push.handler';
import { JOB_HANDLERS, type JobHandlerMap } from './jobs/job-handler';
import { OutboundWebhooksModule } from './outbound/outbound-webhooks.module';
import { WebhookDeliveryHandler } from './outbound/webhook-delivery.handler';
import { JobScheduler } from './jobs/job-scheduler';
import { JobWorker } from './jobs/job-worker';
import { RetrySweepHandler } from './maintenance/retry-sweep.handler';
import { RetrySweepModule } from './maintenance/retry-sweep.module';
import { PurgeJobHandler } from './retention/purge.handler';
import { RetentionModule } from './retention/retention.module';

/** The background role: runs queued jobs and the schedules that enqueue them. No HTTP routes of its own. */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    RetentionModule,
    CrmWritesModule,
    OutboundWebhooksModule,
    CrmSyncModule,
    RetrySweepModule,
  ],
  providers: [
    {
      provide: JOB_HANDLERS,
      inject: [
        PurgeJobHandler,
        TranscriptPushHandler,
        FeedbackPushHandler,
        CaseCreateHandler,
        WebhookDeliveryHandler,
        CrmPullFanOutHandler,
        CrmPullHandler,
        RetrySweepHandler,
      ],
      useFactory: (
        purge: PurgeJobHandler,
        transcripts: TranscriptPushHandler,
        feedback: FeedbackPushHandler,
        cases: CaseCreateHandler,
        webhooks: WebhookDeliveryHandler,
        pullFanOut: CrmPullFanOutHandler,
        pull: CrmPullHandler,
        retrySweep: RetrySweepHandler,
      ): JobHandlerMap => ({
        'maintenance.purge': purge,
        'transcript.push': transcripts,
        'feedback.push': feedback,
        'case.create': cases,
        'webhook.deliver': webhooks,
        'crm.pull.fan-out': pullFanOut,
        'crm.pull': pull,
        'maintenance.retry-sweep': retrySweep,
      }),
    },
    JobWorker,
    JobScheduler,
  ],
  exports: [JobWorker, JobScheduler],
})
export class WorkerModule {}
