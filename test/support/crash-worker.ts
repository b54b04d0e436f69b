/**
 * A real worker process for crash tests: `node -r ./test/support/swc-register.js test/support/crash-worker.ts`.
 * argv[2]: JSON DatabaseConfig; argv[3]: marker file. Handler 'test.block' writes "started <id>" to the marker
 * and then never finishes, so the parent can SIGKILL this process mid-job.
 */
import { appendFileSync } from 'node:fs';
import type { DatabaseConfig } from '../../src/config/app-config';
import { Database } from '../../src/database/database';
import { createDataSource } from '../../src/database/data-source';
import { queueConfig, queueKit } from './queue-kit';

async function main(): Promise<void> {
  const dbConfig = JSON.parse(process.argv[2] ?? '{}') as DatabaseConfig;
  const marker = process.argv[3];
  const dataSource = createDataSource(dbConfig);
  await dataSource.initialize();
  const db = new Database(dataSource);
  const { worker } = queueKit(
    db,
    {
      'test.block': {
        handle: async ({ job }) => {
          appendFileSync(marker, `started ${job.id}\n`);
          await new Promise(() => undefined);
        },
      },
    },
    { config: queueConfig({ JOB_LEASE_MS: '1500', WORKER_POLL_INTERVAL_MS: '50' }) },
  );
  worker.start();
}

void main();
