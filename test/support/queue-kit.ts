import { Clock } from '../../src/common/time/clock';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import type { Database } from '../../src/database/database';
import type { JobHandler } from '../../src/jobs/job-handler';
import { JobStore } from '../../src/jobs/job-store';
import { JobWorker } from '../../src/jobs/job-worker';
import { MetricsService } from '../../src/metrics/metrics.service';

/** A clock tests move by hand, so backoff and lease expiry need no sleeping. */
export class ManualClock extends Clock {
  constructor(private current = new Date('2026-06-01T00:00:00Z')) {
    super();
  }

  override now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export function queueConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    ROOT_TOKEN: 'root_'.padEnd(30, 'x'),
    WORKER_POLL_INTERVAL_MS: '20',
    ...env,
  });
}

export function queueKit(
  db: Database,
  handlers: Record<string, JobHandler<unknown>>,
  options: { clock?: Clock; config?: AppConfig } = {},
): { store: JobStore; worker: JobWorker; clock: Clock; config: AppConfig } {
  const clock = options.clock ?? new Clock();
  const config = options.config ?? queueConfig();
  const store = new JobStore(db, clock, config);
  const worker = new JobWorker(store, clock, new MetricsService(), config, handlers);
  return { store, worker, clock, config };
}
