import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type JobOutcome = 'done' | 'retried' | 'parked' | 'dead';

/** One registry per app instance (not prom-client's global), so tests can start several apps in one process. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly jobsFinished = new Counter({
    name: 'jobs_finished_total',
    help: 'Job executions by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: 'job_duration_seconds',
    help: 'Job execution time by type',
    labelNames: ['type'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
    registers: [this.registry],
  });
  private readonly connectorCalls = new Histogram({
    name: 'connector_call_duration_seconds',
    help: 'CRM calls by connector kind, operation and outcome (ok or the error code)',
    labelNames: ['kind', 'operation', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 1.5, 3, 10, 30],
    registers: [this.registry],
  });
  /** Filled at scrape time by whoever knows the counts (the job store). */
  readonly jobsByState = new Gauge({
    name: 'jobs',
    help: 'Jobs in the queue by state (dead = the dead-letter list)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  /** Dead-lettered and parked jobs by type and failure code, refreshed at scrape time (see DeadLetterSummary). */
  private readonly deadLetters = new Gauge({
    name: 'jobs_dead_letters',
    help: 'Jobs that stopped without succeeding: dead (gave up) or parked (waits for a human), by type and failure code',
    labelNames: ['state', 'type', 'code'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Replaces the whole dead-letter picture, so a type/code whose jobs were purged or retried disappears. */
  setDeadLetters(rows: ReadonlyArray<{ state: string; type: string; code: string; count: number }>): void {
    this.deadLetters.reset();
    for (const { state, type, code, count } of rows) {
      this.deadLetters.set({ state, type, code }, count);
    }
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  jobFinished(type: string, outcome: JobOutcome): void {
    this.jobsFinished.inc({ type, outcome });
  }

  startConnectorCall(kind: string, operation: string): (outcome: string) => void {
    const end = this.connectorCalls.startTimer({ kind, operation });
    return (outcome) => {
      end({ outcome });
    };
  }

  startJobTimer(type: string): () => void {
    const end = this.jobDuration.startTimer({ type });
    return () => {
      end();
    };
  }
}
