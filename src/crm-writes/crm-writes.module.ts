import { Module } from '@nestjs/common';
import { ConnectorsModule } from '../connectors/connectors.module';
import { IdentityModule } from '../identity/identity.module';
import { CaseCreateHandler } from './case-create.handler';
import { CrmWriteContext } from './crm-write.context';
import { FeedbackPushHandler } from './feedback-push.handler';
import { TranscriptPushHandler } from './transcript-push.handler';

/** Jobs that write to CRMs (worker role). */
@Module({
  imports: [ConnectorsModule, IdentityModule],
  providers: [CrmWriteContext, TranscriptPushHandler, FeedbackPushHandler, CaseCreateHandler],
  exports: [TranscriptPushHandler, FeedbackPushHandler, CaseCreateHandler],
})
export class CrmWritesModule {}
