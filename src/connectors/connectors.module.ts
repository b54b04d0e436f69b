import { Module, type Type } from '@nestjs/common';
import { LeaseService } from '../common/leases/lease.service';
import { ConnectorAuthService } from './connector-auth.service';
import { ConnectorContextFactory } from './connector-context.factory';
import type { ConnectorKind } from './connector-kinds';
import { ConnectorRegistry, CRM_CONNECTORS } from './connector.registry';
import type { CrmConnector } from './crm-connector.port';
import { ConnectorRateBudget } from './rate-budget';
import { HubspotConnector } from './hubspot/hubspot.connector';
import { HubspotModule } from './hubspot/hubspot.module';
import { SalesforceConnector } from './salesforce/salesforce.connector';
import { SalesforceModule } from './salesforce/salesforce.module';
import { ZendeskConnector } from './zendesk/zendesk.connector';
import { ZendeskModule } from './zendesk/zendesk.module';
import { ZohoConnector } from './zoho/zoho.connector';
import { ZohoModule } from './zoho/zoho.module';

/**
 * One entry per kind: adding a kind to CONNECTOR_KINDS without its module here fails to compile. This is the only
 * file outside a vendor folder that names vendors.
 */
const CONNECTORS = {
  salesforce: { module: SalesforceModule, connector: SalesforceConnector },
  hubspot: { module: HubspotModule, connector: HubspotConnector },
  zendesk: { module: ZendeskModule, connector: ZendeskConnector },
  zoho: { module: ZohoModule, connector: ZohoConnector },
} satisfies Record<ConnectorKind, { module: Type; connector: Type<CrmConnector> }>;

const entries = Object.values(CONNECTORS);

/** Connectors as a service: registry, token handling, call contexts. No HTTP routes (ConnectorsApiModule has them). */
@Module({
  imports: [...entries.map((entry) => entry.module)],
  providers: [
    {
      provide: CRM_CONNECTORS,
      inject: entries.map((entry) => entry.connector),
      useFactory: (...connectors: CrmConnector[]) => connectors,
    },
    ConnectorRegistry,
    LeaseService,
    ConnectorAuthService,
    ConnectorContextFactory,
    ConnectorRateBudget,
  ],
  exports: [ConnectorRegistry, ConnectorAuthService, ConnectorContextFactory],
})
export class ConnectorsModule {}
