import { MIGRATIONS } from '../../migrations';
import { createTestStore, testStores, warnIfPostgresSkipped, type TestStore } from '../support/test-database';

describe.each(testStores())('migrations on %s', (store) => {
  let testStore: TestStore;

  beforeAll(() => warnIfPostgresSkipped('migrations'));
  afterEach(async () => testStore?.dispose());

  async function pendingSchemaChanges(): Promise<string[]> {
    const sqlInMemory = await testStore.db.dataSource.driver.createSchemaBuilder().log();
    return sqlInMemory.upQueries.map((query) => query.query);
  }

  it('creates exactly the schema the entities describe (no drift)', async () => {
    testStore = await createTestStore(store);
    expect(await pendingSchemaChanges()).toEqual([]);
    expect(await testStore.db.pendingMigrations()).toBe(false);
  });

  it('goes up, down and up again and still has no drift', async () => {
    testStore = await createTestStore(store);
    const dataSource = testStore.db.dataSource;
    for (let step = 0; step < MIGRATIONS.length; step += 1) {
      await dataSource.undoLastMigration();
    }
    const tables = await dataSource.createQueryRunner().getTables(['jobs', 'workspaces', 'leases']);
    expect(tables).toHaveLength(0);
    expect(await testStore.db.pendingMigrations()).toBe(true);
    await testStore.db.migrate();
    expect(await pendingSchemaChanges()).toEqual([]);
  });
});
