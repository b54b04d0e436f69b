import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPortableTable } from '../src/database/migration-helpers';

// Migrations are history: these specs are copied, not imported from the entities, so a later entity change needs a
// new migration instead of silently rewriting this one. The drift test fails when the two disagree.
export class CreateCoreSchema1763800000000 implements MigrationInterface {
  name = 'CreateCoreSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await createPortableTable(q, 'workspaces', [
      { name: 'id', kind: 'uuid', primary: true },
      { name: 'name', kind: 'string', length: 200 },
      { name: 'default_region', kind: 'string', length: 2 },
      { name: 'time_zone', kind: 'string', length: 64 },
      { name: 'retention_days', kind: 'int' },
      { name: 'created_at', kind: 'timestamp' },
      { name: 'updated_at', kind: 'timestamp' },
    ]);
    await createPortableTable(
      q,
      'api_keys',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'name', kind: 'string', length: 200 },
        { name: 'prefix', kind: 'string', length: 32 },
        { name: 'secret_hash', kind: 'string', length: 64 },
        { name: 'scopes', kind: 'json' },
        { name: 'created_at', kind: 'timestamp' },
        { name: 'revoked_at', kind: 'timestamp', nullable: true },
      ],
      [
        { name: 'uq_api_keys_prefix', columns: ['prefix'], unique: true },
        { name: 'ix_api_keys_workspace', columns: ['workspace_id'] },
      ],
    );
    await createPortableTable(
      q,
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
    await createPortableTable(
      q,
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
      ],
      [{ name: 'uq_connectors_workspace_name', columns: ['workspace_id', 'name'], unique: true }],
    );
    await createPortableTable(
      q,
      'visitors',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'external_id', kind: 'string', length: 255, nullable: true },
        { name: 'email', kind: 'string', length: 320, nullable: true },
        { name: 'phone', kind: 'string', length: 20, nullable: true },
        { name: 'cookie_id', kind: 'string', length: 255, nullable: true },
        { name: 'name', kind: 'string', length: 255, nullable: true },
        { name: 'created_at', kind: 'timestamp' },
        { name: 'updated_at', kind: 'timestamp' },
      ],
      [
        { name: 'ix_visitors_workspace_external', columns: ['workspace_id', 'external_id'] },
        { name: 'ix_visitors_workspace_email', columns: ['workspace_id', 'email'] },
        { name: 'ix_visitors_workspace_phone', columns: ['workspace_id', 'phone'] },
      ],
    );
    await createPortableTable(
      q,
      'identity_links',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'visitor_id', kind: 'uuid' },
        { name: 'connector_id', kind: 'uuid' },
        { name: 'object_type', kind: 'string', length: 32 },
        { name: 'record_id', kind: 'string', length: 64 },
        { name: 'matched_by', kind: 'string', length: 20 },
        { name: 'confidence', kind: 'float' },
        { name: 'candidates', kind: 'json' },
        { name: 'created_at', kind: 'timestamp' },
        { name: 'verified_at', kind: 'timestamp' },
      ],
      [
        { name: 'uq_identity_links_visitor_connector', columns: ['visitor_id', 'connector_id'], unique: true },
        { name: 'ix_identity_links_connector_record', columns: ['connector_id', 'record_id'] },
      ],
    );
    await createPortableTable(
      q,
      'chat_sessions',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'external_id', kind: 'string', length: 255 },
        { name: 'visitor_id', kind: 'uuid', nullable: true },
        { name: 'channel', kind: 'string', length: 32 },
        { name: 'status', kind: 'string', length: 20 },
        { name: 'started_at', kind: 'timestamp' },
        { name: 'closed_at', kind: 'timestamp', nullable: true },
        { name: 'state_changed_at', kind: 'timestamp' },
        { name: 'tags', kind: 'json' },
        { name: 'csat_rating', kind: 'int', nullable: true },
        { name: 'csat_scale', kind: 'int', nullable: true },
        { name: 'csat_comment', kind: 'text', nullable: true },
        { name: 'sentiment', kind: 'float', nullable: true },
        { name: 'priority', kind: 'string', length: 20, nullable: true },
        { name: 'case_ref', kind: 'json', nullable: true },
        { name: 'summary', kind: 'text', nullable: true },
        { name: 'created_at', kind: 'timestamp' },
        { name: 'updated_at', kind: 'timestamp' },
      ],
      [
        { name: 'uq_chat_sessions_workspace_external', columns: ['workspace_id', 'external_id'], unique: true },
        { name: 'ix_chat_sessions_workspace_visitor', columns: ['workspace_id', 'visitor_id'] },
        { name: 'ix_chat_sessions_workspace_closed', columns: ['workspace_id', 'closed_at'] },
      ],
    );
    await createPortableTable(
      q,
      'chat_messages',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'session_id', kind: 'uuid' },
        { name: 'external_id', kind: 'string', length: 255 },
        { name: 'author_type', kind: 'string', length: 16 },
        { name: 'author_name', kind: 'string', length: 255, nullable: true },
        { name: 'body', kind: 'text' },
        { name: 'private', kind: 'bool' },
        { name: 'attachments', kind: 'json' },
        { name: 'sentiment', kind: 'float', nullable: true },
        { name: 'occurred_at', kind: 'timestamp' },
        { name: 'created_at', kind: 'timestamp' },
      ],
      [
        { name: 'uq_chat_messages_session_external', columns: ['session_id', 'external_id'], unique: true },
        { name: 'ix_chat_messages_workspace_occurred', columns: ['workspace_id', 'occurred_at'] },
      ],
    );
    await createPortableTable(
      q,
      'received_events',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'source', kind: 'string', length: 100 },
        { name: 'event_key', kind: 'string', length: 200 },
        { name: 'received_at', kind: 'timestamp' },
      ],
      [
        { name: 'uq_received_events_key', columns: ['workspace_id', 'source', 'event_key'], unique: true },
        { name: 'ix_received_events_received', columns: ['received_at'] },
      ],
    );
    await createPortableTable(
      q,
      'jobs',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid', nullable: true },
        { name: 'type', kind: 'string', length: 64 },
        { name: 'payload', kind: 'json' },
        { name: 'state', kind: 'string', length: 16 },
        { name: 'priority', kind: 'int' },
        { name: 'attempts', kind: 'int' },
        { name: 'max_attempts', kind: 'int' },
        { name: 'run_at', kind: 'timestamp' },
        { name: 'locked_by', kind: 'string', length: 64, nullable: true },
        { name: 'locked_until', kind: 'timestamp', nullable: true },
        { name: 'idempotency_key', kind: 'string', length: 300, nullable: true },
        { name: 'group_key', kind: 'string', length: 100, nullable: true },
        { name: 'last_error', kind: 'text', nullable: true },
        { name: 'last_error_code', kind: 'string', length: 32, nullable: true },
        { name: 'created_at', kind: 'timestamp' },
        { name: 'updated_at', kind: 'timestamp' },
        { name: 'finished_at', kind: 'timestamp', nullable: true },
      ],
      [
        { name: 'uq_jobs_idempotency_key', columns: ['idempotency_key'], unique: true },
        { name: 'ix_jobs_state_run_at', columns: ['state', 'run_at'] },
        { name: 'ix_jobs_state_locked_until', columns: ['state', 'locked_until'] },
        { name: 'ix_jobs_group_state', columns: ['group_key', 'state'] },
        { name: 'ix_jobs_workspace_state', columns: ['workspace_id', 'state'] },
      ],
    );
    await createPortableTable(q, 'job_pauses', [
      { name: 'group_key', kind: 'string', length: 100, primary: true },
      { name: 'paused_until', kind: 'timestamp' },
      { name: 'reason', kind: 'string', length: 32 },
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'job_pauses',
      'jobs',
      'received_events',
      'chat_messages',
      'chat_sessions',
      'identity_links',
      'visitors',
      'connectors',
      'audit_log',
      'api_keys',
      'workspaces',
    ]) {
      await q.dropTable(table, true);
    }
  }
}
