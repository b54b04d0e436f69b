import { EntitySchema, TableColumn, type EntitySchemaColumnOptions, type EntitySchemaIndexOptions } from 'typeorm';
import type { TableColumnOptions } from 'typeorm/schema-builder/options/TableColumnOptions';

/**
 * One column vocabulary for both stores. Migrations and entity schemas are both rendered from it, so the schema
 * builder finds no difference between what the migrations created and what the entities expect (no drift), on
 * SQLite and on PostgreSQL alike. PostgreSQL gets its native types (uuid, timestamptz, jsonb); SQLite the closest
 * portable ones.
 */
export type Dialect = 'postgres' | 'sqlite';

export type ColumnKind = 'uuid' | 'string' | 'text' | 'int' | 'bigint' | 'float' | 'bool' | 'timestamp' | 'json';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** For 'string': maximum length. */
  length?: number;
  nullable?: boolean;
  primary?: boolean;
}

export interface IndexSpec {
  name: string;
  columns: string[];
  unique?: boolean;
}

interface RenderedType {
  type: string;
  length?: string;
}

function renderType(spec: ColumnSpec, dialect: Dialect): RenderedType {
  switch (spec.kind) {
    case 'uuid':
      return dialect === 'postgres' ? { type: 'uuid' } : { type: 'varchar', length: '36' };
    case 'string':
      return { type: 'varchar', length: String(spec.length ?? 255) };
    case 'text':
      return { type: 'text' };
    case 'int':
      return { type: 'integer' };
    case 'bigint':
      return { type: 'bigint' };
    case 'float':
      return { type: dialect === 'postgres' ? 'double precision' : 'real' };
    case 'bool':
      return { type: 'boolean' };
    case 'timestamp':
      return { type: dialect === 'postgres' ? 'timestamptz' : 'datetime' };
    case 'json':
      return dialect === 'postgres' ? { type: 'jsonb' } : { type: 'text' };
  }
}

export function tableColumn(spec: ColumnSpec, dialect: Dialect): TableColumn {
  const rendered = renderType(spec, dialect);
  const options: TableColumnOptions = {
    name: spec.name,
    type: rendered.type,
    isNullable: spec.nullable ?? false,
    isPrimary: spec.primary ?? false,
  };
  if (rendered.length !== undefined) {
    options.length = rendered.length;
  }
  return new TableColumn(options);
}

function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function entityColumn(spec: ColumnSpec, dialect: Dialect): EntitySchemaColumnOptions {
  const rendered = renderType(spec, dialect);
  const column: EntitySchemaColumnOptions = {
    name: spec.name,
    // SQLite keeps JSON as text; TypeORM's simple-json (de)serialises it the same way jsonb does on PostgreSQL.
    type: (spec.kind === 'json' && dialect === 'sqlite'
      ? 'simple-json'
      : rendered.type) as EntitySchemaColumnOptions['type'],
    nullable: spec.nullable ?? false,
    primary: spec.primary ?? false,
  };
  if (rendered.length !== undefined) {
    column.length = rendered.length;
  }
  if (spec.kind === 'bigint') {
    // pg returns int8 as a string to avoid precision loss; every bigint here is a count or epoch-ms that fits.
    column.transformer = {
      to: (value: unknown) => value,
      from: (value: unknown) => (value === null ? null : Number(value)),
    };
  }
  return column;
}

export interface EntityDefinition<T> {
  /** Table name; also the name repositories are looked up by. */
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly indices: readonly IndexSpec[];
  schema(dialect: Dialect): EntitySchema<T>;
  /** Phantom field: carries the row type for repositories. */
  readonly __row?: T;
}

/** A table whose columns are snake_case in SQL and camelCase on the row object. */
export function defineEntity<T>(name: string, columns: ColumnSpec[], indices: IndexSpec[] = []): EntityDefinition<T> {
  const cache = new Map<Dialect, EntitySchema<T>>();
  return {
    name,
    columns,
    indices,
    schema(dialect) {
      let schema = cache.get(dialect);
      if (!schema) {
        schema = new EntitySchema<T>({
          name,
          tableName: name,
          columns: Object.fromEntries(
            columns.map((spec) => [camelCase(spec.name), entityColumn(spec, dialect)]),
          ) as EntitySchema<T>['options']['columns'],
          indices: indices.map((index): EntitySchemaIndexOptions => ({
            name: index.name,
            columns: index.columns.map(camelCase),
            unique: index.unique ?? false,
          })),
        });
        cache.set(dialect, schema);
      }
      return schema;
    },
  };
}

/** Postgres truncates identifiers at 63 bytes and the drift check would then see a rename forever. */
export function assertIdentifierLengths(definitions: ReadonlyArray<EntityDefinition<unknown>>): void {
  for (const definition of definitions) {
    for (const name of [definition.name, ...definition.indices.map((index) => index.name)]) {
      if (Buffer.byteLength(name) > 63) {
        throw new Error(`identifier longer than 63 bytes: ${name}`);
      }
    }
  }
}
