import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ChatSourcesController } from '../chat-sources/chat-sources.controller';
import { ChatSourcesService } from '../chat-sources/chat-sources.service';
import { EnrichmentModule } from '../enrichment/enrichment.module';
import { EventsModule } from '../events/events.module';
import { ChatwootWebhookController } from './chatwoot-webhook.controller';

/** Chatwoot as a chat source: the admin API for sources and the public webhook route. */
@Module({
  imports: [AuditModule, EventsModule, EnrichmentModule],
  providers: [ChatSourcesService],
  controllers: [ChatSourcesController, ChatwootWebhookController],
})
export class ChatwootModule {}
