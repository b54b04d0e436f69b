import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectorsController } from './connectors.controller';
import { ConnectorsModule } from './connectors.module';
import { ConnectorsService } from './connectors.service';

/** The admin API for connectors (API role). */
@Module({
  imports: [ConnectorsModule, AuditModule],
  providers: [ConnectorsService],
  controllers: [ConnectorsController],
})
export class ConnectorsApiModule {}
