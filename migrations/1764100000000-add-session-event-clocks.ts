import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../src/database/migration-helpers';
import { tableColumn, type ColumnSpec } from '../src/database/portable-schema';

// Per-field clocks: out-of-order events converge because each field remembers the occurredAt of the event that set
// it, and an older event never overwrites a newer one.
const COLUMNS: ColumnSpec[] = [
  { name: 'state_sequence', kind: 'bigint', nullable: true },
  { name: 'tags_changed_at', kind: 'timestamp', nullable: true },
  { name: 'csat_at', kind: 'timestamp', nullable: true },
  { name: 'escalated_at', kind: 'timestamp', nullable: true },
  { name: 'escalation_reason', kind: 'text', nullable: true },
  { name: 'close_count', kind: 'int', nullable: true },
];

// An admin-set pace for one connector (overrides the vendor default in its descriptor).
const RATE_BUDGET: ColumnSpec = { name: 'rate_budget', kind: 'json', nullable: true };

export class AddSessionEventClocks1764100000000 implements MigrationInterface {
  name = 'AddSessionEventClocks1764100000000';

  async up(q: QueryRunner): Promise<void> {
    const dialect = dialectOf(q);
    await q.addColumns(
      'chat_sessions',
      COLUMNS.map((column) => tableColumn(column, dialect)),
    );
    await q.addColumn('connectors', tableColumn(RATE_BUDGET, dialect));
  }

  async down(q: QueryRunner): Promise<void> {
    const dialect = dialectOf(q);
    await q.dropColumn('connectors', tableColumn(RATE_BUDGET, dialect));
    await q.dropColumns(
      'chat_sessions',
      COLUMNS.map((column) => tableColumn(column, dialect)),
    );
  }
}
