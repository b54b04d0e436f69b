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

/** How one job of a batch ended: each job settles on its own (retry, park, dead) unless the whole call failed. */
export type JobOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * A handler that can run several due jobs of one type and group together (transcript notes into one CRM batch call
 * under backlog). With no backlog a batch is one job, so the batch path is also the normal path.
 */
export interface BatchJobHandler<P = unknown> extends JobHandler<P> {
  /** At most how many jobs (this one included) to run together; 1 turns batching off for this job. */
  batchLimit(job: Job): Promise<number>;
  /** One outcome per context, in the same order. Throwing fails every job of the batch with that error. */
  handleBatch(contexts: Array<JobContext<P>>): Promise<JobOutcome[]>;
}

export function isBatchHandler(handler: JobHandler<unknown>): handler is BatchJobHandler<unknown> {
  return typeof (handler as Partial<BatchJobHandler>).handleBatch === 'function';
}

export type JobHandlerMap = { [K in JobType]: JobHandler<JobPayloads[K]> };

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
