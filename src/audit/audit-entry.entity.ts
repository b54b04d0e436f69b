import { defineEntity } from '../database/portable-schema';

export interface AuditEntry {
  id: string;
  workspaceId: string | null;
  /** 'root', or 'api_key:<prefix>'. */
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  /** What changed, never a secret (credentials appear as "replaced"). */
  details: Record<string, unknown>;
  requestId: string | null;
  createdAt: Date;
}

export const AuditEntryEntity = defineEntity<AuditEntry>(
  'audit_log',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid', nullable: true },
    { name: 'actor', kind: 'string', length: 100 },
    { name: 'action', kind: 'string', length: 100 },
    { name: 'target_type', kind: 'string', length: 50 },
    { name: 'target_id', kind: 'string', length: 100, nullable: true },
    { name: 'details', kind: 'json' },
    { name: 'request_id', kind: 'string', length: 100, nullable: true },
    { name: 'created_at', kind: 'timestamp' },
  ],
  [{ name: 'ix_audit_log_workspace_created', columns: ['workspace_id', 'created_at'] }],
);
