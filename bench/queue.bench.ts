import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Clock } from '../src/common/time/clock';
import { loadConfig, type DatabaseConfig } from '../src/config/app-config';
import { Database } from '../src/database/database';
import { createDataSource } from '../src/database/data-source';
import { JobStore } from '../src/jobs/job-store';
import { JobWorker } from '../src/jobs/job-worker';
import { MetricsService } from '../src/metrics/metrics.service';
import type { BenchRow } from './table';

async function open(config: DatabaseConfig, migrate: boolean): Promise<Database> {
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  const db = new Database(dataSource);
  if (migrate) {
    await db.migrate();
  }
  return db;
}

/** Enqueues `jobs` no-op jobs, then times 4 workers draining them. Returns jobs/s. */
async function drainRate(configs: DatabaseConfig[], jobs: number): Promise<{ perSecond: number; ranTwice: number }> {
  const dbs = [await open(configs[0], true)];
  for (const config of configs.slice(1)) {
    dbs.push(await open(config, false));
  }
  const appConfig = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    ROOT_TOKEN: 'r'.repeat(30),
    WORKER_CONCURRENCY: '4',
  });
  const clock = new Clock();
  const runs = new Map<string, number>();
  const stores = dbs.map((db) => new JobStore(db, clock, appConfig));
  for (let offset = 0; offset < jobs; offset += 1000) {
    await dbs[0].transaction(async (manager) => {
      for (let n = offset; n < Math.min(jobs, offset + 1000); n += 1) {
        await stores[0].enqueue(manager, { type: 'bench.noop', payload: { n }, workspaceId: randomUUID() });
      }
    });
  }
  const handler = {
    handle: async ({ job }: { job: { id: string } }) => void runs.set(job.id, (runs.get(job.id) ?? 0) + 1),
  };
  const workers = [0, 1, 2, 3].map(
    (i) => new JobWorker(stores[i % stores.length], clock, new MetricsService(), appConfig, { 'bench.noop': handler }),
  );
  const started = process.hrtime.bigint();
  await Promise.all(workers.map((worker) => worker.drain()));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(dbs.map((db) => db.close()));
  return { perSecond: jobs / seconds, ranTwice: [...runs.values()].filter((count) => count > 1).length };
}

export async function queueBench(postgresUrl: string | undefined, jobs: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ccb-bench-'));
  try {
    const file = join(dir, 'bench.sqlite');
    const sqlite = await drainRate([{ type: 'sqlite', file, url: `sqlite:${file}` }], jobs);
    rows.push({
      id: 'Q1',
      measure: `queue drain, 4 workers, SQLite file (WAL), ${jobs} jobs`,
      value: `${sqlite.perSecond.toFixed(0)} jobs/s`,
      goal: 'no job twice',
      verdict: sqlite.ranTwice === 0 ? 'met' : 'missed',
      note: `${sqlite.ranTwice} ran twice`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!postgresUrl) {
    rows.push({
      id: 'Q2',
      measure: 'queue drain, 4 workers, PostgreSQL',
      value: '-',
      goal: '-',
      verdict: 'skipped',
      note: 'no PostgreSQL URL',
    });
    return rows;
  }
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const admin = new Client({ connectionString: postgresUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const config: DatabaseConfig = { type: 'postgres', url: postgresUrl, poolSize: 4, schema };
    // Four pools, as four worker processes would have.
    const pg = await drainRate([config, config, config, config], jobs);
    rows.push({
      id: 'Q2',
      measure: `queue drain, 4 workers, PostgreSQL (SKIP LOCKED), ${jobs} jobs`,
      value: `${pg.perSecond.toFixed(0)} jobs/s`,
      goal: 'no job twice',
      verdict: pg.ranTwice === 0 ? 'met' : 'missed',
      note: `${pg.ranTwice} ran twice`,
    });
  } catch (error) {
    rows.push({
      id: 'Q2',
      measure: 'queue drain, 4 workers, PostgreSQL',
      value: '-',
      goal: '-',
      verdict: 'skipped',
      note: `PostgreSQL unreachable: ${(error as Error).message}`,
    });
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
  return rows;
}
