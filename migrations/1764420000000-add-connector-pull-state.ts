import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../src/database/migration-helpers';
import { tableColumn, type ColumnSpec } from '../src/database/portable-schema';

// Where the incremental pull of each connector stands: the CRM's opaque cursor (saved with each page's changes),
// when a page last committed, and the last failure (cleared by the next good page).
const COLUMNS: ColumnSpec[] = [
  { name: 'pull_cursor', kind: 'text', nullable: true },
  { name: 'last_pull_at', kind: 'timestamp', nullable: true },
  { name: 'last_pull_error', kind: 'text', nullable: true },
];

export class AddConnectorPullState1764420000000 implements MigrationInterface {
  name = 'AddConnectorPullState1764420000000';

  async up(q: QueryRunner): Promise<void> {
    const dialect = dialectOf(q);
    await q.addColumns(
      'connectors',
      COLUMNS.map((column) => tableColumn(column, dialect)),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const dialect = dialectOf(q);
    await q.dropColumns(
      'connectors',
      COLUMNS.map((column) => tableColumn(column, dialect)),
    );
  }
}
