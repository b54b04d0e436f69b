import { defineEntity } from '../database/portable-schema';
import type { RateBudget } from './rate-budget';

export type ConnectorStatus = 'active' | 'needs_reauth' | 'disabled';

export interface ConnectorRow {
  id: string;
  workspaceId: string;
  /** salesforce | hubspot | zendesk | zoho (validated by the connector registry). */
  kind: string;
  name: string;
  /** Non-secret settings, validated against the kind's descriptor. */
  settings: Record<string, unknown>;
  /** AES-256-GCM envelope (see SecretBox); never leaves the service. */
  credentialsEncrypted: string;
  /** A masked hint an admin may see ("…a1b2"). */
  credentialsHint: string | null;
  /** Bumped on every credential write: refreshes compare-and-swap on it so only one instance wins a rotation. */
  credentialsVersion: number;
  /** Roles: enrich, transcripts, escalation, create_if_missing. */
  roles: string[];
  status: ConnectorStatus;
  /** Admin override of the vendor's default pace (see RateBudget); null = the descriptor's budget. */
  rateBudget: RateBudget | null;
  statusReason: string | null;
  /** The CRM's opaque change cursor, saved in the transaction that applies each pulled page; null = never pulled. */
  pullCursor: string | null;
  /** When a pulled page last committed. */
  lastPullAt: Date | null;
  /** Why the last pull failed (cleared by the next committed page). */
  lastPullError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const ConnectorEntity = defineEntity<ConnectorRow>(
  'connectors',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'kind', kind: 'string', length: 32 },
    { name: 'name', kind: 'string', length: 200 },
    { name: 'settings', kind: 'json' },
    { name: 'credentials_encrypted', kind: 'text' },
    { name: 'credentials_hint', kind: 'string', length: 32, nullable: true },
    { name: 'credentials_version', kind: 'int' },
    { name: 'roles', kind: 'json' },
    { name: 'status', kind: 'string', length: 20 },
    { name: 'status_reason', kind: 'text', nullable: true },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'updated_at', kind: 'timestamp' },
    { name: 'rate_budget', kind: 'json', nullable: true },
    { name: 'pull_cursor', kind: 'text', nullable: true },
    { name: 'last_pull_at', kind: 'timestamp', nullable: true },
    { name: 'last_pull_error', kind: 'text', nullable: true },
  ],
  [{ name: 'uq_connectors_workspace_name', columns: ['workspace_id', 'name'], unique: true }],
);
