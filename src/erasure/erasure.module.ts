import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ErasureController } from './erasure.controller';
import { ErasureService } from './erasure.service';

@Module({ imports: [AuditModule], providers: [ErasureService], controllers: [ErasureController] })
export class ErasureModule {}
