import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database } from './database';
import { createDataSource } from './data-source';

@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Database> => {
        const dataSource = createDataSource(config.database);
        await dataSource.initialize();
        const db = new Database(dataSource);
        if (config.database.migrateOnStart) {
          const applied = await db.migrate();
          if (applied.length > 0) {
            new Logger('database').log(`applied migrations: ${applied.join(', ')}`);
          }
        }
        return db;
      },
    },
  ],
  exports: [Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
