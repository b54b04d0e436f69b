import { defineEntity } from '../database/portable-schema';

/** "Jobs of this group (a connector) wait until then": set when a CRM answers 429 or says its quota is spent. */
export interface JobPause {
  groupKey: string;
  pausedUntil: Date;
  reason: string;
}

export const JobPauseEntity = defineEntity<JobPause>('job_pauses', [
  { name: 'group_key', kind: 'string', length: 100, primary: true },
  { name: 'paused_until', kind: 'timestamp' },
  { name: 'reason', kind: 'string', length: 32 },
]);
