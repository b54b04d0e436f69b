import { Module } from '@nestjs/common';
import { ContextCacheModule } from '../enrichment/context-cache.module';
import { OutboundWebhooksModule } from '../outbound/outbound-webhooks.module';
import { CrmChangeApplier } from './crm-change-applier';

/** Applying CRM changes, shared by the webhook route (API role) and the pull (worker role). No controllers. */
@Module({
  imports: [ContextCacheModule, OutboundWebhooksModule],
  providers: [CrmChangeApplier],
  exports: [CrmChangeApplier],
})
export class CrmChangesModule {}
