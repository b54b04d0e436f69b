import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource } from '../../src/database/data-source';

describe('embedded SQLite store', () => {
  it('runs in WAL mode with every commit synced (an acknowledged write survives a power loss)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccb-durability-'));
    const file = join(dir, 'ccb.db');
    const dataSource = createDataSource({ type: 'sqlite', file, url: `sqlite:${file}` });
    await dataSource.initialize();
    try {
      const [journal] = await dataSource.query<Array<{ journal_mode: string }>>('PRAGMA journal_mode');
      const [sync] = await dataSource.query<Array<{ synchronous: number }>>('PRAGMA synchronous');
      // 2 = FULL; WAL's own default in better-sqlite3 would be 1 (NORMAL).
      expect({ journal: journal.journal_mode, synchronous: sync.synchronous }).toEqual({
        journal: 'wal',
        synchronous: 2,
      });
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
