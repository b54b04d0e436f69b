/**
 * Every job the service runs, with its payload. Payloads are tiny (ids): the handler loads current state when it
 * runs. The worker's handler map is typed against this, so a job type without a handler does not compile.
 */
export interface JobPayloads {
  /** Retention purge across all workspaces (scheduled). */
  'maintenance.purge': Record<string, never>;
  /** Push a closed session's transcript (close number `generation`) to one connector. */
  'transcript.push': { sessionId: string; connectorId: string; generation: number };
  /**
   * Write a closed session's CSAT and tags to one connector (they often arrive after the transcript). `version`
   * identifies the values (see feedbackVersion); a job whose values were superseded meanwhile writes nothing.
   */
  'feedback.push': { sessionId: string; connectorId: string; version: string };
  /** Open a case/ticket for a session in the escalation connector. */
  'case.create': { sessionId: string; connectorId: string; reason: 'escalation' | 'low_csat' };
  /** Deliver one outbound webhook message (Standard Webhooks) to one endpoint; `body` is fixed at enqueue time. */
  'webhook.deliver': { endpointId: string; messageId: string; eventType: string; body: string };
  /** A CRM_PULL_CRON tick: enqueue one `crm.pull` per active connector (scheduled). */
  'crm.pull.fan-out': Record<string, never>;
  /** Read one connector's changes since its saved cursor and apply them like CRM webhooks. */
  'crm.pull': { connectorId: string };
  /** Unpark jobs whose connector was fixed, dead-letter those whose connector is gone, clear expired pauses. */
  'maintenance.retry-sweep': Record<string, never>;
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
