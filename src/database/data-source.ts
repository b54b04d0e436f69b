import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { DatabaseConfig } from '../config/app-config';
import { ENTITIES } from './entities';
import { assertIdentifierLengths, type Dialect } from './portable-schema';

assertIdentifierLengths(ENTITIES);

export function dialectFor(config: DatabaseConfig): Dialect {
  return config.type;
}

export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const dialect = dialectFor(config);
  const common = {
    entities: ENTITIES.map((entity) => entity.schema(dialect)),
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // Every migration in its own transaction: a failed one leaves the schema at the previous version.
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false,
  };
  if (config.type === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: config.file,
      enableWAL: config.file !== ':memory:',
      // WAL's default here (synchronous=NORMAL) survives a process crash but may lose the last commits on a power
      // loss or OS crash; an acknowledged event must survive both, so every commit is synced (FULL).
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('synchronous = FULL');
      },
      // Other processes (a second worker, the CLI) may hold the write lock briefly.
      timeout: 10_000,
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: config.url,
    extra: {
      max: config.poolSize,
      application_name: 'chat-crm-bridge',
      // search_path (not TypeORM's `schema`) so hand-written SQL resolves to the same tables as the ORM.
      ...(config.schema ? { options: `-c search_path=${config.schema}` } : {}),
    },
  };
}

export function createDataSource(config: DatabaseConfig): DataSource {
  return new DataSource(dataSourceOptions(config));
}
