import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPortableTable } from '../src/database/migration-helpers';

export class CreateContextCache1764000000000 implements MigrationInterface {
  name = 'CreateContextCache1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await createPortableTable(
      q,
      'context_cache',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'identity_key', kind: 'string', length: 300 },
        { name: 'visitor_id', kind: 'uuid', nullable: true },
        { name: 'context', kind: 'json' },
        { name: 'fetched_at', kind: 'timestamp' },
        { name: 'invalidated_at', kind: 'timestamp', nullable: true },
      ],
      [
        { name: 'uq_context_cache_identity', columns: ['workspace_id', 'identity_key'], unique: true },
        { name: 'ix_context_cache_visitor', columns: ['workspace_id', 'visitor_id'] },
        { name: 'ix_context_cache_fetched', columns: ['fetched_at'] },
      ],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('context_cache', true);
  }
}
