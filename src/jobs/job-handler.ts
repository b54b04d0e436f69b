import type { Job } from './job.entity';
import type { JobPayloads, JobType } from './job-types';

export interface JobContext<P> {
  job: Job;
  payload: P;
  /** Aborted when the worker shuts down past its grace period: stop and let the job be retried. */
  signal: AbortSignal;
}

/**
 * Runs one job. Must be idempotent: a job can run more than once (a worker dying after the effect but before
 * completing it). Throw to fail; errors carrying a `failure` code steer the retry policy.
 */
export interface JobHandler<P = unknown> {
  handle(context: JobContext<P>): Promise<void>;
}

export type JobHandlerMap = { [K in JobType]: JobHandler<JobPayloads[K]> };

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
