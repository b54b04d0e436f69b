import { Module } from '@nestjs/common';
import { ConnectorsModule } from '../connectors/connectors.module';
import { ContextCacheModule } from '../enrichment/context-cache.module';
import { OutboundWebhooksModule } from '../outbound/outbound-webhooks.module';
import { CrmWebhooksController } from './crm-webhooks.controller';
import { CrmWebhooksService } from './crm-webhooks.service';

@Module({
  imports: [ConnectorsModule, ContextCacheModule, OutboundWebhooksModule],
  providers: [CrmWebhooksService],
  controllers: [CrmWebhooksController],
})
export class CrmWebhooksModule {}
