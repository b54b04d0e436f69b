import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPortableTable } from '../src/database/migration-helpers';

export class CreateWebhookEndpoints1764200000000 implements MigrationInterface {
  name = 'CreateWebhookEndpoints1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await createPortableTable(
      q,
      'webhook_endpoints',
      [
        { name: 'id', kind: 'uuid', primary: true },
        { name: 'workspace_id', kind: 'uuid' },
        { name: 'url', kind: 'string', length: 2000 },
        { name: 'secret_encrypted', kind: 'text' },
        { name: 'event_types', kind: 'json' },
        { name: 'active', kind: 'bool' },
        { name: 'created_at', kind: 'timestamp' },
        { name: 'updated_at', kind: 'timestamp' },
      ],
      [{ name: 'ix_webhook_endpoints_workspace', columns: ['workspace_id'] }],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('webhook_endpoints', true);
  }
}
