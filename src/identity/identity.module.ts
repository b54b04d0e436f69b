import { Module } from '@nestjs/common';
import { LeaseService } from '../common/leases/lease.service';
import { VisitorsService } from '../visitors/visitors.service';
import { IdentityResolver } from './identity-resolver';

/** Visitors and their links to CRM records: shared by enrichment (API role) and CRM writes (worker role). */
@Module({ providers: [IdentityResolver, VisitorsService, LeaseService], exports: [IdentityResolver, VisitorsService] })
export class IdentityModule {}
