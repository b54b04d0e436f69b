import { Module } from '@nestjs/common';
import { ConnectorsModule } from '../connectors/connectors.module';
import { CrmChangesModule } from '../crm-sync/crm-changes.module';
import { CrmWebhooksController } from './crm-webhooks.controller';
import { CrmWebhooksService } from './crm-webhooks.service';

@Module({
  imports: [ConnectorsModule, CrmChangesModule],
  providers: [CrmWebhooksService],
  controllers: [CrmWebhooksController],
})
export class CrmWebhooksModule {}
