import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import type { ConnectorDescriptor } from './connector-descriptor';
import { isConnectorKind, type ConnectorKind } from './connector-kinds';
import type { CrmConnector } from './crm-connector.port';

export const CRM_CONNECTORS = Symbol('CRM_CONNECTORS');

/** The one way to get a connector: by kind. The module guarantees every kind has one. */
@Injectable()
export class ConnectorRegistry {
  private readonly byKind: ReadonlyMap<ConnectorKind, CrmConnector>;

  constructor(@Inject(CRM_CONNECTORS) connectors: CrmConnector[]) {
    this.byKind = new Map(connectors.map((connector) => [connector.descriptor.kind, connector]));
  }

  get(kind: string): CrmConnector {
    const connector = isConnectorKind(kind) ? this.byKind.get(kind) : undefined;
    if (!connector) {
      throw new NotFoundError('Connector kind');
    }
    return connector;
  }

  descriptors(): ConnectorDescriptor[] {
    return [...this.byKind.values()].map((connector) => connector.descriptor);
  }
}
