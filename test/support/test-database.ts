import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DatabaseConfig } from '../../src/config/app-config';
import { Database } from '../../src/database/database';
import { createDataSource } from '../../src/database/data-source';

/** PostgreSQL tests run only when TEST_DATABASE_URL is set (.ci/run sets it); otherwise they say they skipped. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export type StoreName = 'sqlite' | 'postgres';

/** The stores a suite should run on: SQLite always, PostgreSQL when configured. */
export function testStores(): StoreName[] {
  return TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

let warned = false;
/** Says loudly that a PostgreSQL run was skipped; under REQUIRE_POSTGRES (CI) a skip is a failure. */
export function warnIfPostgresSkipped(suite: string): void {
  if (!TEST_DATABASE_URL && process.env.REQUIRE_POSTGRES) {
    throw new Error(`${suite}: REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not`);
  }
  if (!TEST_DATABASE_URL && !warned) {
    warned = true;
    process.stderr.write(
      `\n[SKIPPED on PostgreSQL] ${suite}: TEST_DATABASE_URL is not set, so only SQLite was exercised. ` +
        `.ci/run sets it.\n`,
    );
  }
}

export interface TestStore {
  config: DatabaseConfig;
  db: Database;
  /** Drops the PostgreSQL schema / closes the database. */
  dispose(): Promise<void>;
}

/** A fresh, empty store: an in-memory SQLite or a private schema in the test PostgreSQL. */
export async function createTestStore(
  store: StoreName,
  options: {
    migrate?: boolean;
    sqliteFile?: string;
    poolSize?: number;
    /** Connect to the same PostgreSQL schema as another test store (a second "process"); it owns the cleanup. */
    schemaOf?: TestStore;
  } = {},
): Promise<TestStore> {
  let config: DatabaseConfig;
  let dropSchema: (() => Promise<void>) | undefined;
  if (store === 'sqlite') {
    const file = options.sqliteFile ?? ':memory:';
    config = { type: 'sqlite', file, url: `sqlite:${file}` };
  } else {
    if (!TEST_DATABASE_URL) {
      throw new Error('TEST_DATABASE_URL is not set');
    }
    const shared = options.schemaOf?.config.type === 'postgres' ? options.schemaOf.config.schema : undefined;
    const schema = shared ?? `t_${randomBytes(6).toString('hex')}`;
    if (!shared) {
      const admin = new Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
    }
    config = { type: 'postgres', url: TEST_DATABASE_URL, poolSize: options.poolSize ?? 10, schema };
    dropSchema = shared
      ? undefined
      : async () => {
          const client = new Client({ connectionString: TEST_DATABASE_URL });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await client.end();
        };
  }
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  const db = new Database(dataSource);
  if (options.migrate ?? true) {
    await db.migrate();
  }
  return {
    config,
    db,
    dispose: async () => {
      await db.close();
      await dropSchema?.();
    },
  };
}
