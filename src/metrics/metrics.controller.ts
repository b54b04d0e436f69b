import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/auth/access.decorator';
import { JobStore } from '../jobs/job-store';
import { DeadLetterSummary } from './dead-letter-summary';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint. Public like /health: it carries counts and latencies, no workspace data. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly jobs: JobStore,
    private readonly deadLetters: DeadLetterSummary,
  ) {}

  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const [counts, deadLetters] = await Promise.all([this.jobs.countByState(), this.deadLetters.counts()]);
    for (const [state, count] of Object.entries(counts)) {
      this.metrics.jobsByState.set({ state }, count);
    }
    this.metrics.setDeadLetters(deadLetters);
    return this.metrics.registry.metrics();
  }
}
