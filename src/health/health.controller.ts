import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../common/auth/access.decorator';
import { Database } from '../database/database';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: Database,
  ) {}

  /** The process is up and serving. No dependencies: a slow database must not get healthy pods restarted. */
  @Get('live')
  @Public()
  @ApiOkResponse({ description: '{"status":"ok"}' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready for traffic: the database answers and every migration is applied. */
  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'Database unreachable or migrations pending' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      async () => {
        const check = this.indicators.check('database');
        try {
          await this.db.ping();
          return check.up({ dialect: this.db.dialect });
        } catch (error) {
          return check.down({ message: error instanceof Error ? error.message : 'unreachable' });
        }
      },
      async () => {
        const check = this.indicators.check('migrations');
        try {
          return (await this.db.pendingMigrations()) ? check.down({ message: 'pending migrations' }) : check.up();
        } catch {
          return check.down({ message: 'could not read migration state' });
        }
      },
    ]);
  }
}
