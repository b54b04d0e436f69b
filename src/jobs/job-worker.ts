import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { JOB_HANDLERS, isBatchHandler, type JobHandler, type JobOutcome } from './job-handler';
import type { Job } from './job.entity';
import { JobStore } from './job-store';
import { decideNextStep, toJobFailure } from './retry-policy';

/**
 * Claims due jobs, runs them with bounded concurrency, and settles each as done, retried, parked or dead.
 * Runs only in the worker role (the embedded default runs both roles in one process).
 */
@Injectable()
export class JobWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobWorker.name);
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** One entry per claimed slot; a batch occupies one slot but holds the leases of all its jobs. */
  private readonly running = new Map<string, { jobs: Job[]; abort: AbortController; done: Promise<void> }>();
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private signalled = false;

  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(JOB_HANDLERS) private readonly handlers: Record<string, JobHandler<unknown>>,
  ) {}

  onApplicationBootstrap(): void {
    this.start();
  }

  start(): void {
    if (!this.loopDone) {
      this.stopping = false;
      this.loopDone = this.loop();
    }
  }

  /** Stops claiming, waits for running jobs up to the grace period, then gives their leases back. */
  async stop(graceMs = this.config.jobs.shutdownGraceMs): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.loopDone;
    this.loopDone = undefined;
    const all = Promise.all([...this.running.values()].map((entry) => entry.done));
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
    ]);
    if (timedOut) {
      for (const { jobs, abort } of this.running.values()) {
        abort.abort();
        for (const job of jobs) {
          await this.store.release(job, this.workerId).catch(() => undefined);
          this.logger.warn(`released job ${job.id} (${job.type}) at shutdown`);
        }
      }
    }
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** Runs jobs until none is due; for tests and the bench. */
  async drain(): Promise<void> {
    for (;;) {
      const jobs = await this.store.claim(this.workerId, this.config.jobs.concurrency);
      if (jobs.length === 0 && this.running.size === 0) {
        return;
      }
      await Promise.all(this.slots(jobs).map((slot) => this.launch(slot)));
      await Promise.all([...this.running.values()].map((entry) => entry.done));
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.signalled = false;
      const free = this.config.jobs.concurrency - this.running.size;
      if (free > 0) {
        try {
          for (const slot of this.slots(await this.store.claim(this.workerId, free))) {
            void this.launch(slot);
          }
        } catch (error) {
          this.logger.error({ err: error }, 'claiming jobs failed');
        }
      }
      // Sleep until the poll interval passes or a job finishes (a free slot may mean more work is waiting).
      if (!this.stopping && !this.signalled) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.config.jobs.pollIntervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private notify(): void {
    this.signalled = true;
    this.wake?.();
  }

  /** Claimed jobs a batching handler can run together (same type and group) share one slot. */
  private slots(jobs: Job[]): Job[][] {
    const slots: Job[][] = [];
    const batches = new Map<string, Job[]>();
    for (const job of jobs) {
      const handler = this.handlers[job.type];
      if (!handler || !isBatchHandler(handler) || !job.groupKey) {
        slots.push([job]);
        continue;
      }
      const key = `${job.type}\u0000${job.groupKey}`;
      const batch = batches.get(key);
      if (batch) {
        batch.push(job);
      } else {
        const fresh = [job];
        batches.set(key, fresh);
        slots.push(fresh);
      }
    }
    return slots;
  }

  private launch(jobs: Job[]): Promise<void> {
    const abort = new AbortController();
    const [first] = jobs;
    const entry = { jobs, abort, done: Promise.resolve() };
    entry.done = this.execute(entry.jobs, abort.signal).finally(() => {
      this.running.delete(first.id);
      this.notify();
    });
    this.running.set(first.id, entry);
    return entry.done;
  }

  /**
   * Runs the claimed job, plus, for a batching handler, the same group's other due jobs (claimed into `jobs`, so a
   * shutdown hands their leases back too). Every job is settled on its own.
   */
  private async execute(jobs: Job[], signal: AbortSignal): Promise<void> {
    const [job] = jobs;
    const handler = this.handlers[job.type];
    if (!handler) {
      await this.store.finishUnsuccessfully(job, this.workerId, 'dead', {
        code: 'invalid_request',
        message: `no handler for job type ${job.type}`,
      });
      this.metrics.jobFinished(job.type, 'dead');
      return;
    }
    if (isBatchHandler(handler) && job.groupKey) {
      const limit = await handler.batchLimit(job).catch(() => 1);
      jobs.push(...(await this.store.claimSiblings(job, this.workerId, limit - jobs.length)));
    }
    const runnable: Job[] = [];
    for (const candidate of jobs) {
      if (candidate.attempts > candidate.maxAttempts) {
        // Each lease expiry counts as an attempt: a job that keeps killing its worker ends up here.
        await this.store.finishUnsuccessfully(candidate, this.workerId, 'dead', {
          code: 'unknown',
          message: `lease expired on ${candidate.attempts - 1} attempts (worker crashed or hung)`,
        });
        this.metrics.jobFinished(candidate.type, 'dead');
      } else {
        runnable.push(candidate);
      }
    }
    if (runnable.length === 0) {
      return;
    }
    const heartbeat = setInterval(
      () => {
        for (const held of runnable) {
          void this.store.heartbeat(held, this.workerId).catch(() => undefined);
        }
      },
      Math.max(1000, Math.floor(this.config.jobs.leaseMs / 3)),
    );
    const stopTimer = this.metrics.startJobTimer(job.type);
    try {
      const contexts = runnable.map((held) => ({ job: held, payload: held.payload, signal }));
      let outcomes: JobOutcome[];
      try {
        if (isBatchHandler(handler)) {
          outcomes = await handler.handleBatch(contexts);
        } else {
          await handler.handle(contexts[0]);
          outcomes = [{ ok: true }];
        }
      } catch (error) {
        outcomes = runnable.map(() => ({ ok: false, error }));
      }
      for (const [index, held] of runnable.entries()) {
        const outcome = outcomes[index] ?? { ok: false, error: new Error('the handler reported no outcome') };
        if (outcome.ok) {
          await this.store.complete(held, this.workerId);
          this.metrics.jobFinished(held.type, 'done');
        } else {
          await this.settleFailure(held, outcome.error);
        }
      }
    } finally {
      clearInterval(heartbeat);
      stopTimer();
    }
  }

  private async settleFailure(job: Job, error: unknown): Promise<void> {
    const failure = toJobFailure(error);
    const step = decideNextStep(failure, job.attempts, job.maxAttempts, this.clock.now(), {
      baseMs: this.config.jobs.backoffBaseMs,
      maxMs: this.config.jobs.backoffMaxMs,
    });
    switch (step.kind) {
      case 'retry':
        if (step.pauseGroupUntil && job.groupKey) {
          await this.store.pauseGroup(job.groupKey, step.pauseGroupUntil, failure.code);
        }
        await this.store.retry(job, this.workerId, { ...step, error: failure });
        this.metrics.jobFinished(job.type, 'retried');
        break;
      case 'park':
        await this.store.finishUnsuccessfully(job, this.workerId, 'parked', {
          code: failure.code,
          message: step.reason,
        });
        this.metrics.jobFinished(job.type, 'parked');
        break;
      case 'dead':
        await this.store.finishUnsuccessfully(job, this.workerId, 'dead', { code: failure.code, message: step.reason });
        this.metrics.jobFinished(job.type, 'dead');
        this.logger.warn(`job ${job.id} (${job.type}) dead: ${step.reason}`);
        break;
    }
  }
}
