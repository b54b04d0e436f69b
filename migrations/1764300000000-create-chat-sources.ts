import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPortableTable } from '../src/database/migration-helpers';

export class CreateChatSources1764300000000 implements MigrationInterface {
  name = 'CreateChatSources1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await createPortableTable(
      q,
      'chat_sources',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'kind', kind: 'string', length: 32 },
        { name: 'name', kind: 'string', length: 200 },
        { name: 'secret_encrypted', kind: 'text', nullable: true },
        { name: 'signature_mode', kind: 'string', length: 16 },
        { name: 'account_id', kind: 'string', length: 64, nullable: true },
        { name: 'created_at', kind: 'timestamp' },
        { name: 'updated_at', kind: 'timestamp' },
      ],
      [{ name: 'ix_chat_sources_workspace', columns: ['workspace_id'] }],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('chat_sources', true);
  }
}
