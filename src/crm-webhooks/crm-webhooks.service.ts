import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { isUuid } from '../common/ids';
import type { WebhookAck } from '../connectors/connector-descriptor';
import { ConnectorContextFactory } from '../connectors/connector-context.factory';
import { ConnectorEntity } from '../connectors/connector.entity';
import { WebhookRejectedError } from '../connectors/connector.errors';
import type { ChangeEvent, WebhookRequest } from '../connectors/crm.types';
import { CrmChangeApplier, type AppliedChanges } from '../crm-sync/crm-change-applier';
import { Database } from '../database/database';

export interface WebhookReceipt {
  result: AppliedChanges;
  /** The answer the vendor requires instead of the JSON result (Salesforce's SOAP Ack); absent = JSON. */
  ack?: WebhookAck;
}

/**
 * A CRM told us something changed. The connector verifies the vendor's signature and replay window; the changes are
 * applied (once each, see CrmChangeApplier) in one transaction before the CRM gets its 200, so an acknowledged
 * delivery cannot be lost and a failed one is retried by the CRM.
 */
@Injectable()
export class CrmWebhooksService {
  constructor(
    private readonly db: Database,
    private readonly contexts: ConnectorContextFactory,
    private readonly applier: CrmChangeApplier,
  ) {}

  async receive(connectorId: string, request: WebhookRequest): Promise<WebhookReceipt> {
    const connectorRow = isUuid(connectorId)
      ? await this.db.run((manager) => this.db.repo(ConnectorEntity, manager).findOneBy({ id: connectorId }))
      : null;
    if (!connectorRow) {
      throw new NotFoundError('Connector');
    }
    const { connector, ctx } = await this.contexts.open(connectorRow, { timeoutMs: 5000 });
    let changes: ChangeEvent[];
    try {
      changes = await connector.parseWebhook(ctx, request);
    } catch (error) {
      if (error instanceof WebhookRejectedError) {
        throw new DomainError(
          `webhook_${error.reason}`,
          error.reason === 'malformed' ? 'invalid' : 'unauthenticated',
          error.message,
        );
      }
      throw error;
    }
    const result = await this.db.transaction((manager) => this.applier.apply(manager, connectorRow, changes));
    const ack = connector.descriptor.webhookAck;
    return ack ? { result, ack } : { result };
  }
}
