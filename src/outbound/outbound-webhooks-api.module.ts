import { Module } from '@nestjs/common';
import { OutboundWebhooksController } from './outbound-webhooks.controller';
import { OutboundWebhooksModule } from './outbound-webhooks.module';

/** The admin API for webhook endpoints (API role only). */
@Module({
  imports: [OutboundWebhooksModule],
  controllers: [OutboundWebhooksController],
})
export class OutboundWebhooksApiModule {}
