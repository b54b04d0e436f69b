import { Module } from '@nestjs/common';
import { ConnectorsModule } from '../connectors/connectors.module';
import { CrmChangesModule } from './crm-changes.module';
import { CrmPullFanOutHandler } from './crm-pull-fan-out.handler';
import { CrmPullHandler } from './crm-pull.handler';

/** Incremental pulls from CRMs (worker role): the per-tick fan-out and the per-connector pull. */
@Module({
  imports: [ConnectorsModule, CrmChangesModule],
  providers: [CrmPullFanOutHandler, CrmPullHandler],
  exports: [CrmPullFanOutHandler, CrmPullHandler],
})
export class CrmSyncModule {}
