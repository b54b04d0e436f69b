import { Module } from '@nestjs/common';
import { LeaseService } from '../common/leases/lease.service';
import { ConnectorsModule } from '../connectors/connectors.module';
import { IdentityResolver } from '../identity/identity-resolver';
import { VisitorsService } from '../visitors/visitors.service';
import { ContextCache } from './context-cache';
import { EnrichmentController } from './enrichment.controller';
import { EnrichmentService } from './enrichment.service';

@Module({
  imports: [ConnectorsModule],
  providers: [EnrichmentService, ContextCache, VisitorsService, IdentityResolver, LeaseService],
  controllers: [EnrichmentController],
  exports: [EnrichmentService, ContextCache],
})
export class EnrichmentModule {}
