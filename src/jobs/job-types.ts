/**
 * Every job the service runs, with its payload. Payloads are tiny (ids): the handler loads current state when it
 * runs. The worker's handler map is typed against this, so a job type without a handler does not compile.
 */
export interface JobPayloads {
  /** Retention purge across all workspaces (scheduled). */
  'maintenance.purge': Record<string, never>;
}

export type JobType = keyof JobPayloads;

export interface EnqueueSpec<T extends string = JobType, P = unknown> {
  type: T;
  payload: P;
  workspaceId: string | null;
  /** Unique within the workspace: enqueueing the same key twice yields one job. */
  idempotencyKey?: string;
  runAt?: Date;
  /** Lower runs first (default 100; live work uses less). */
  priority?: number;
  maxAttempts?: number;
  /** Jobs that pause together (a connector's id). */
  groupKey?: string;
}
