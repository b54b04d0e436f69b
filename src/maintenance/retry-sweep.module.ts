import { Module } from '@nestjs/common';
import { RetrySweepHandler } from './retry-sweep.handler';

/** The retry sweep (worker role). Needs only the global database, clock and job store. */
@Module({ providers: [RetrySweepHandler], exports: [RetrySweepHandler] })
export class RetrySweepModule {}
