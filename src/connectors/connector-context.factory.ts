import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import { isUuid } from '../common/ids';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { MetricsService } from '../metrics/metrics.service';
import { ConnectorAuthService } from './connector-auth.service';
import { ConnectorEntity, type ConnectorRow } from './connector.entity';
import { ConnectorError } from './connector.errors';
import type { ConnectorKind } from './connector-kinds';
import { ConnectorRegistry } from './connector.registry';
import type { ConnectionContext, CrmConnector } from './crm-connector.port';
import { checkResolvedHost } from './egress/egress-guard';
import { ConnectorRateBudget, DEFAULT_RATE_BUDGET, type CallPriority, type RateBudget } from './rate-budget';
import { callDeadline } from './call-deadline';

const HOST_VERDICT_TTL_MS = 60_000;

export interface OpenConnection {
  row: ConnectorRow;
  connector: CrmConnector;
  ctx: ConnectionContext;
}

/**
 * Turns a stored connector into something callable: decrypted credentials behind a single-flight auth session,
 * a deadline, request-time egress checks on every host it will call, and call metrics.
 */
@Injectable()
export class ConnectorContextFactory {
  private readonly hostVerdicts = new Map<string, { ok: boolean; reason?: string; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly registry: ConnectorRegistry,
    private readonly auth: ConnectorAuthService,
    private readonly metrics: MetricsService,
    private readonly budget: ConnectorRateBudget,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async load(workspaceId: string, connectorId: string): Promise<ConnectorRow> {
    const found = isUuid(connectorId)
      ? await this.db.run((manager) =>
          this.db.repo(ConnectorEntity, manager).findOneBy({ id: connectorId, workspaceId }),
        )
      : null;
    if (!found) {
      throw new NotFoundError('Connector');
    }
    return found;
  }

  async open(
    connectorRow: ConnectorRow,
    options: { timeoutMs?: number; signal?: AbortSignal; priority?: CallPriority } = {},
  ): Promise<OpenConnection> {
    const connector = this.registry.get(connectorRow.kind);
    const kind = connectorRow.kind as ConnectorKind;
    const credentials = this.auth.open(connectorRow);
    const urls = [
      ...connector.descriptor.urlSettings.map((field) => connectorRow.settings[field]),
      credentials.apiBaseUrl,
    ].filter((value): value is string => typeof value === 'string' && value !== '');
    for (const url of urls) {
      await this.assertHostAllowed(kind, new URL(url).hostname);
    }
    const ctx: ConnectionContext = {
      workspaceId: connectorRow.workspaceId,
      connectorId: connectorRow.id,
      kind,
      settings: connectorRow.settings,
      auth: this.auth.session(connectorRow, connector),
      signal: callDeadline(options.timeoutMs ?? this.config.crm.callTimeoutMs, options.signal),
    };
    return {
      row: connectorRow,
      connector: this.instrument(connector, connectorRow.id, options.priority ?? 'background', connectorRow.rateBudget),
      ctx,
    };
  }

  /**
   * Every operation waits for the connector's rate budget (live before background), and is counted and timed by
   * kind, operation and outcome (the closed error code).
   */
  private instrument(
    connector: CrmConnector,
    connectorId: string,
    priority: CallPriority,
    rateBudget: RateBudget | null,
  ): CrmConnector {
    const metrics = this.metrics;
    const budget = this.budget;
    const limit = rateBudget ?? connector.descriptor.rateBudget ?? DEFAULT_RATE_BUDGET;
    const kind = connector.descriptor.kind;
    return new Proxy(connector, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'constructor' || property === 'refreshGrant') {
          return value;
        }
        return (...args: unknown[]) => {
          const call = () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          const stop = metrics.startConnectorCall(kind, String(property));
          return budget.schedule(connectorId, limit, priority, call).then(
            (result) => {
              stop('ok');
              return result;
            },
            (error: unknown) => {
              stop(error instanceof ConnectorError ? error.code : 'unknown');
              throw error;
            },
          );
        };
      },
    });
  }

  private async assertHostAllowed(kind: ConnectorKind, host: string): Promise<void> {
    if (this.config.crm.allowPrivateHosts) {
      return;
    }
    const now = Date.now();
    let verdict = this.hostVerdicts.get(host);
    if (!verdict || verdict.until < now) {
      const checked = await checkResolvedHost(host, { allowPrivate: false });
      verdict = checked.ok
        ? { ok: true, until: now + HOST_VERDICT_TTL_MS }
        : { ok: false, reason: checked.reason, until: now + HOST_VERDICT_TTL_MS };
      this.hostVerdicts.set(host, verdict);
    }
    if (!verdict.ok) {
      throw new ConnectorError(kind, 'forbidden', `refusing to call ${host}: ${verdict.reason ?? 'not a public host'}`);
    }
  }
}
