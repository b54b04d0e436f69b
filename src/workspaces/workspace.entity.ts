import { defineEntity } from '../database/portable-schema';

export interface Workspace {
  id: string;
  name: string;
  /** ISO 3166 region used to read phone numbers typed without a country code. */
  defaultRegion: string;
  /** IANA time zone for transcripts. */
  timeZone: string;
  /** Chat transcripts older than this are purged (never below 31). */
  retentionDays: number;
  createdAt: Date;
  updatedAt: Date;
}

export const WorkspaceEntity = defineEntity<Workspace>('workspaces', [
  { name: 'id', kind: 'uuid', primary: true },
  { name: 'name', kind: 'string', length: 200 },
  { name: 'default_region', kind: 'string', length: 2 },
  { name: 'time_zone', kind: 'string', length: 64 },
  { name: 'retention_days', kind: 'int' },
  { name: 'created_at', kind: 'timestamp' },
  { name: 'updated_at', kind: 'timestamp' },
]);
