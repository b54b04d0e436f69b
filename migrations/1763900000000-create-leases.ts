import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPortableTable } from '../src/database/migration-helpers';

export class CreateLeases1763900000000 implements MigrationInterface {
  name = 'CreateLeases1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await createPortableTable(q, 'leases', [
      { name: 'name', kind: 'string', length: 200, primary: true },
      { name: 'owner', kind: 'string', length: 100 },
      { name: 'expires_at', kind: 'timestamp' },
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('leases', true);
  }
}
