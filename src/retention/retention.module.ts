import { Module } from '@nestjs/common';
import { PurgeJobHandler } from './purge.handler';

@Module({ providers: [PurgeJobHandler], exports: [PurgeJobHandler] })
export class RetentionModule {}
