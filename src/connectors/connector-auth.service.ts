import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { SecretBox } from '../common/crypto/secret-box';
import { LeaseService } from '../common/leases/lease.service';
import { Clock } from '../common/time/clock';
import { Database, row } from '../database/database';
import { ConnectorEntity, type ConnectorRow } from './connector.entity';
import { ConnectorError } from './connector.errors';
import type { ConnectorKind } from './connector-kinds';
import type { AuthSession, CrmConnector } from './crm-connector.port';
import { REFRESH_SKEW_MS } from './in-memory-auth-session';

/** Credentials as stored (sealed): the admin-given secrets plus the tokens the service obtained. */
export type StoredCredentials = Record<string, unknown> & {
  accessToken?: string;
  accessTokenExpiresAt?: number;
  refreshToken?: string;
  apiBaseUrl?: string;
};

const REFRESH_LEASE_MS = 30_000;
const WAIT_FOR_OTHER_REFRESH_MS = 20_000;

function purpose(connectorId: string): string {
  return `connector:${connectorId}:credentials`;
}

/**
 * OAuth tokens per connector, refreshed once per expiry however many calls and instances ask: in-process calls
 * share one promise; instances take a lease and publish the result with a compare-and-swap on
 * credentials_version. Rotated refresh tokens and the returned API base URL are persisted (sealed). A rejected
 * grant marks the connector needs_reauth, which parks its jobs instead of burning retries.
 */
@Injectable()
export class ConnectorAuthService {
  private readonly logger = new Logger(ConnectorAuthService.name);
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly inflight = new Map<string, Promise<{ credentials: StoredCredentials; version: number }>>();
  /** Refresh grants performed by this instance (metrics and the single-flight tests). */
  refreshCount = 0;

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    private readonly leases: LeaseService,
    private readonly clock: Clock,
  ) {}

  open(row: ConnectorRow): StoredCredentials {
    return JSON.parse(
      this.secrets.open(row.credentialsEncrypted, { workspaceId: row.workspaceId, purpose: purpose(row.id) }),
    ) as StoredCredentials;
  }

  seal(workspaceId: string, connectorId: string, credentials: StoredCredentials): string {
    return this.secrets.seal(JSON.stringify(credentials), { workspaceId, purpose: purpose(connectorId) });
  }

  session(connectorRow: ConnectorRow, connector: CrmConnector): AuthSession {
    let state = { credentials: this.open(connectorRow), version: connectorRow.credentialsVersion };
    const oauth = () =>
      connector.descriptor.authModes.includes('oauth2_refresh_token') && !!state.credentials.refreshToken;
    const usable = (credentials: StoredCredentials) =>
      !!credentials.accessToken &&
      (credentials.accessTokenExpiresAt ?? 0) - REFRESH_SKEW_MS > this.clock.now().getTime();
    const refresh = async () => {
      state = await this.refreshShared(connectorRow, connector, state.version);
      return state.credentials;
    };
    return {
      current: async () => (!oauth() || usable(state.credentials) ? state.credentials : refresh()),
      afterRejection: async (rejected) => {
        if (!oauth()) {
          throw new ConnectorError(connector.descriptor.kind, 'auth_expired', 'credentials rejected');
        }
        return state.credentials.accessToken !== rejected ? state.credentials : refresh();
      },
    };
  }

  private refreshShared(
    connectorRow: ConnectorRow,
    connector: CrmConnector,
    seenVersion: number,
  ): Promise<{ credentials: StoredCredentials; version: number }> {
    const pending = this.inflight.get(connectorRow.id);
    if (pending) {
      return pending;
    }
    const promise = this.refreshAcrossInstances(connectorRow, connector, seenVersion).finally(() => {
      this.inflight.delete(connectorRow.id);
    });
    this.inflight.set(connectorRow.id, promise);
    return promise;
  }

  private async refreshAcrossInstances(
    connectorRow: ConnectorRow,
    connector: CrmConnector,
    seenVersion: number,
  ): Promise<{ credentials: StoredCredentials; version: number }> {
    const kind = connector.descriptor.kind;
    const leaseName = `connector-refresh:${connectorRow.id}`;
    const giveUpAt = this.clock.now().getTime() + WAIT_FOR_OTHER_REFRESH_MS;
    for (;;) {
      const latest = await this.load(connectorRow);
      const credentials = this.open(latest);
      if (latest.credentialsVersion > seenVersion && credentials.accessToken) {
        return { credentials, version: latest.credentialsVersion };
      }
      if (latest.status === 'needs_reauth') {
        throw new ConnectorError(kind, 'auth_expired', 'connector needs re-authorisation');
      }
      if (await this.leases.acquire(leaseName, this.owner, REFRESH_LEASE_MS)) {
        try {
          return await this.refreshHoldingLease(latest, connector, credentials);
        } finally {
          await this.leases.release(leaseName, this.owner);
        }
      }
      if (this.clock.now().getTime() > giveUpAt) {
        throw new ConnectorError(kind, 'timeout', 'another instance is still refreshing the token');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async refreshHoldingLease(
    latest: ConnectorRow,
    connector: CrmConnector,
    credentials: StoredCredentials,
  ): Promise<{ credentials: StoredCredentials; version: number }> {
    let grant;
    try {
      grant = await connector.refreshGrant(latest.settings, credentials, AbortSignal.timeout(15_000));
    } catch (error) {
      if (error instanceof ConnectorError && error.code === 'auth_expired') {
        await this.markNeedsReauth(latest, 'the CRM rejected the refresh token (revoked or expired grant)');
      }
      throw error;
    }
    this.refreshCount += 1;
    const next: StoredCredentials = {
      ...credentials,
      accessToken: grant.accessToken,
      accessTokenExpiresAt: grant.expiresAt,
      ...(grant.refreshToken ? { refreshToken: grant.refreshToken } : {}),
      ...(grant.apiBaseUrl ? { apiBaseUrl: grant.apiBaseUrl } : {}),
    };
    const version = latest.credentialsVersion + 1;
    const result = await this.db.run((manager) =>
      this.db.repo(ConnectorEntity, manager).update(
        { id: latest.id, workspaceId: latest.workspaceId, credentialsVersion: latest.credentialsVersion },
        row<ConnectorRow>({
          credentialsEncrypted: this.seal(latest.workspaceId, latest.id, next),
          credentialsVersion: version,
          updatedAt: this.clock.now(),
        }),
      ),
    );
    if ((result.affected ?? 0) === 0) {
      // An admin replaced the credentials while we refreshed: theirs win; our grant is discarded.
      const replaced = await this.load(latest);
      return { credentials: this.open(replaced), version: replaced.credentialsVersion };
    }
    return { credentials: next, version };
  }

  private async markNeedsReauth(latest: ConnectorRow, reason: string): Promise<void> {
    await this.db.run((manager) =>
      this.db
        .repo(ConnectorEntity, manager)
        .update(
          { id: latest.id, workspaceId: latest.workspaceId, credentialsVersion: latest.credentialsVersion },
          { status: 'needs_reauth', statusReason: reason, updatedAt: this.clock.now() },
        ),
    );
    this.logger.warn(`connector ${latest.id} (${latest.kind}) needs re-authorisation: ${reason}`);
  }

  private async load(connectorRow: ConnectorRow): Promise<ConnectorRow> {
    const latest = await this.db.run((manager) =>
      this.db.repo(ConnectorEntity, manager).findOneBy({ id: connectorRow.id, workspaceId: connectorRow.workspaceId }),
    );
    if (!latest) {
      throw new ConnectorError(connectorRow.kind as ConnectorKind, 'not_found', 'connector was deleted');
    }
    return latest;
  }
}
