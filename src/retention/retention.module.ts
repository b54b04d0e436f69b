import { Module } from '@nestjs/common';
import { ContextCacheModule } from '../enrichment/context-cache.module';
import { PurgeJobHandler } from './purge.handler';

@Module({ imports: [ContextCacheModule], providers: [PurgeJobHandler], exports: [PurgeJobHandler] })
export class RetentionModule {}
