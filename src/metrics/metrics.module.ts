import { Global, Module } from '@nestjs/common';
import { DeadLetterSummary } from './dead-letter-summary';
import { MetricsService } from './metrics.service';

@Global()
@Module({ providers: [MetricsService, DeadLetterSummary], exports: [MetricsService, DeadLetterSummary] })
export class MetricsModule {}
