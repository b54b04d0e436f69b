import { Module } from '@nestjs/common';
import { LeaseService } from '../common/leases/lease.service';
import { ConnectorsModule } from '../connectors/connectors.module';
import { IdentityResolver } from '../identity/identity-resolver';
import { VisitorsService } from '../visitors/visitors.service';
import { ContextCacheModule } from './context-cache.module';
import { EnrichmentController } from './enrichment.controller';
import { EnrichmentService } from './enrichment.service';

@Module({
  imports: [ConnectorsModule, ContextCacheModule],
  providers: [EnrichmentService, VisitorsService, IdentityResolver, LeaseService],
  controllers: [EnrichmentController],
  exports: [EnrichmentService],
})
export class EnrichmentModule {}
