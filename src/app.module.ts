import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { loggerParams } from './common/logging/logging';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsModule } from './metrics/metrics.module';
import { WorkerModule } from './worker.module';

/** Platform every role shares: config, logging, database, metrics, health, the queue. */
@Module({})
class PlatformModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        DatabaseModule,
        MetricsModule,
        JobsModule,
        HealthModule,
      ],
      controllers: [MetricsController],
      exports: [ConfigModule, DatabaseModule, MetricsModule, JobsModule],
    };
  }
}

/** Worker-only processes serve just the public /health and /metrics routes; errors still render as problem+json. */
@Module({ providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }] })
class ProbeOnlyModule {}

@Module({})
export class AppModule {
  static forRole(config: AppConfig, role: AppConfig['role'] = config.role): DynamicModule {
    const roleModules =
      role === 'api' ? [ApiModule] : role === 'worker' ? [ProbeOnlyModule, WorkerModule] : [ApiModule, WorkerModule];
    return { module: AppModule, imports: [PlatformModule.forRoot(config), ...roleModules] };
  }
}
