import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JobEntity } from '../../src/jobs/job.entity';
import { queueConfig, queueKit } from '../support/queue-kit';
import { createTestStore, testStores, warnIfPostgresSkipped, type TestStore } from '../support/test-database';

const ROOT = resolve(__dirname, '../..');

describe.each(testStores())('a worker killed mid-job on %s', (storeName) => {
  let dir: string;
  let testStore: TestStore;

  beforeAll(() => warnIfPostgresSkipped('worker crash'));
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccb-crash-'));
    testStore = await createTestStore(
      storeName,
      storeName === 'sqlite' ? { sqliteFile: join(dir, 'queue.sqlite') } : {},
    );
  });
  afterEach(async () => {
    await testStore.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has its job run again by another worker after the lease expires', async () => {
    const marker = join(dir, 'marker');
    const kit = queueKit(testStore.db, {}, { config: queueConfig({ JOB_LEASE_MS: '1500' }) });
    const { id } = await testStore.db.transaction((manager) =>
      kit.store.enqueue(manager, { type: 'test.block', payload: {}, workspaceId: null }),
    );

    const child = spawn(
      process.execPath,
      [
        '-r',
        './test/support/swc-register.js',
        'test/support/crash-worker.ts',
        JSON.stringify(testStore.config),
        marker,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 20_000;
    while (!existsSync(marker) || !readFileSync(marker, 'utf8').includes(id)) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`child never started the job: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    // Still leased to the dead worker: nobody may take it yet.
    const reran: string[] = [];
    const survivor = queueKit(testStore.db, { 'test.block': { handle: async ({ job }) => void reran.push(job.id) } });
    await survivor.worker.drain();
    expect(reran).toEqual([]);

    await new Promise((r) => setTimeout(r, 1600));
    await survivor.worker.drain();
    expect(reran).toEqual([id]);
    const job = await testStore.db.run((manager) => testStore.db.repo(JobEntity, manager).findOneByOrFail({ id }));
    expect(job).toMatchObject({ state: 'done', attempts: 2 });
  }, 40_000);
});
