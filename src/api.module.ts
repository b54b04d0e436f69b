import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './common/auth/auth.guard';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { ConnectorsApiModule } from './connectors/connectors-api.module';
import { EnrichmentModule } from './enrichment/enrichment.module';
import { EventsModule } from './events/events.module';
import { ChatwootModule } from './chatwoot/chatwoot.module';
import { OutboundWebhooksApiModule } from './outbound/outbound-webhooks-api.module';
import { CrmWebhooksModule } from './crm-webhooks/crm-webhooks.module';
import { ErasureModule } from './erasure/erasure.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

/** The HTTP API role: every public route, behind the auth guard and the problem+json filter. */
@Module({
  imports: [
    WorkspacesModule,
    ApiKeysModule,
    AuditModule,
    ConnectorsApiModule,
    EnrichmentModule,
    EventsModule,
    ChatwootModule,
    OutboundWebhooksApiModule,
    CrmWebhooksModule,
    ErasureModule,
  ],
  providers: [
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
})
export class ApiModule {}
