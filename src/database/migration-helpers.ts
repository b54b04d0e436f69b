import { Table, TableIndex, type QueryRunner } from 'typeorm';
import { tableColumn, type ColumnSpec, type Dialect, type IndexSpec } from './portable-schema';

export function dialectOf(queryRunner: QueryRunner): Dialect {
  return queryRunner.connection.driver.options.type === 'postgres' ? 'postgres' : 'sqlite';
}

/** Creates a table and its indices from the portable vocabulary, rendered for the store the migration runs on. */
export async function createPortableTable(
  queryRunner: QueryRunner,
  name: string,
  columns: ColumnSpec[],
  indices: IndexSpec[] = [],
): Promise<void> {
  const dialect = dialectOf(queryRunner);
  await queryRunner.createTable(
    new Table({ name, columns: columns.map((column) => tableColumn(column, dialect)) }),
    false,
  );
  for (const index of indices) {
    await queryRunner.createIndex(
      name,
      new TableIndex({ name: index.name, columnNames: index.columns, isUnique: index.unique ?? false }),
    );
  }
}
