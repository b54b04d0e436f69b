import { defineEntity } from '../database/portable-schema';

export type JobState = 'queued' | 'running' | 'done' | 'dead' | 'parked';

export interface Job {
  id: string;
  /** Null for service-wide work (retention purge of every workspace). */
  workspaceId: string | null;
  type: string;
  payload: Record<string, unknown>;
  state: JobState;
  /** Lower runs first: live work ahead of background sync. */
  priority: number;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  /** Fencing token of the worker holding the lease. */
  lockedBy: string | null;
  lockedUntil: Date | null;
  /** `<workspace or "system">:<key>`, unique: the same key never makes a second job. */
  idempotencyKey: string | null;
  /** Jobs sharing a group (a connector) pause together when that CRM says "slow down". */
  groupKey: string | null;
  lastError: string | null;
  lastErrorCode: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export const JobEntity = defineEntity<Job>(
  'jobs',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid', nullable: true },
    { name: 'type', kind: 'string', length: 64 },
    { name: 'payload', kind: 'json' },
    { name: 'state', kind: 'string', length: 16 },
    { name: 'priority', kind: 'int' },
    { name: 'attempts', kind: 'int' },
    { name: 'max_attempts', kind: 'int' },
    { name: 'run_at', kind: 'timestamp' },
    { name: 'locked_by', kind: 'string', length: 64, nullable: true },
    { name: 'locked_until', kind: 'timestamp', nullable: true },
    { name: 'idempotency_key', kind: 'string', length: 300, nullable: true },
    { name: 'group_key', kind: 'string', length: 100, nullable: true },
    { name: 'last_error', kind: 'text', nullable: true },
    { name: 'last_error_code', kind: 'string', length: 32, nullable: true },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'updated_at', kind: 'timestamp' },
    { name: 'finished_at', kind: 'timestamp', nullable: true },
  ],
  [
    { name: 'uq_jobs_idempotency_key', columns: ['idempotency_key'], unique: true },
    { name: 'ix_jobs_state_run_at', columns: ['state', 'run_at'] },
    { name: 'ix_jobs_state_locked_until', columns: ['state', 'locked_until'] },
    { name: 'ix_jobs_group_state', columns: ['group_key', 'state'] },
    { name: 'ix_jobs_workspace_state', columns: ['workspace_id', 'state'] },
  ],
);
