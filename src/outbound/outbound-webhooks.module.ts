import { Module } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { OutboundWebhooksService } from './outbound-webhooks.service';
import { WebhookDeliveryHandler } from './webhook-delivery.handler';

/**
 * Outbound webhooks: enqueueing per event, admin operations and the delivery job handler. Safe for the worker role:
 * no controllers here (the worker has no auth guard, so a controller imported into it would be an open route).
 * That is also why AuditService is provided directly (stateless) instead of importing AuditModule, which carries
 * the /v1/audit-log controller. The routes live in OutboundWebhooksApiModule (API role).
 */
@Module({
  providers: [OutboundWebhooksService, WebhookDeliveryHandler, AuditService],
  exports: [OutboundWebhooksService, WebhookDeliveryHandler],
})
export class OutboundWebhooksModule {}
