import { Mutex } from 'async-mutex';
import type { DataSource, EntityManager, ObjectLiteral, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Dialect, EntityDefinition } from './portable-schema';

/**
 * TypeORM's write types cannot see through `Record<string, unknown>` JSON columns; rows built from our entity
 * interfaces are complete by construction, so this is the one sanctioned cast for inserts and updates.
 */
export function row<T>(value: T | Partial<T>): QueryDeepPartialEntity<T> {
  return value as QueryDeepPartialEntity<T>;
}

// Any fixed 64-bit number: identifies "the migration lock" among advisory locks on a shared PostgreSQL.
const MIGRATION_LOCK_ID = 7_312_004_211;

/**
 * The service's handle on its store. On PostgreSQL it is a thin pass-through over the pool. Embedded SQLite has
 * one connection, so two interleaved transactions would share it (and one's rollback would undo the other's
 * writes): there, every unit of work takes a mutex first.
 */
export class Database {
  readonly dialect: Dialect;
  private readonly serial: Mutex | undefined;

  constructor(readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
    this.serial = this.dialect === 'sqlite' ? new Mutex() : undefined;
  }

  /** Runs `work` in one transaction. Never call it from inside another unit of work: pass the manager down. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = () => this.dataSource.transaction(work);
    return this.serial ? this.serial.runExclusive(run) : run();
  }

  /** Runs `work` outside a transaction (single statements, reads). */
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = () => work(this.dataSource.manager);
    return this.serial ? this.serial.runExclusive(run) : run();
  }

  repo<T extends ObjectLiteral>(entity: EntityDefinition<T>, manager: EntityManager): Repository<T> {
    return manager.getRepository<T>(entity.name);
  }

  /** Positional placeholder for raw SQL. */
  param(position: number): string {
    return this.dialect === 'postgres' ? `$${position}` : '?';
  }

  /** A timestamp as a raw-SQL parameter, in the form TypeORM stores it on this store. */
  time(value: Date): Date | string {
    // TypeORM writes SQLite datetimes as UTC 'YYYY-MM-DD HH:MM:SS.SSS'; comparisons must use the same text form.
    return this.dialect === 'postgres' ? value : value.toISOString().replace('T', ' ').replace('Z', '');
  }

  async ping(): Promise<void> {
    await this.run((manager) => manager.query('SELECT 1'));
  }

  async pendingMigrations(): Promise<boolean> {
    return this.run(() => this.dataSource.showMigrations());
  }

  /** Applies pending migrations; on PostgreSQL under an advisory lock so instances starting together take turns. */
  async migrate(): Promise<string[]> {
    if (this.dialect === 'sqlite') {
      return this.run(async () => (await this.dataSource.runMigrations()).map((migration) => migration.name));
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      return (await this.dataSource.runMigrations()).map((migration) => migration.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
      await runner.release();
    }
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) {
      await this.dataSource.destroy();
    }
  }
}
