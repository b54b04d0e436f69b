import { defineEntity } from '../database/portable-schema';

/** Inbound dedupe: one row per (workspace, source, event key) ever accepted, kept for the senders' retry horizon. */
export interface ReceivedEvent {
  id: string;
  workspaceId: string;
  /** 'events' (our API), 'chatwoot:<sourceId>', 'crm:<connectorId>'. */
  source: string;
  /** The sender's event id, or a hash of the content when the sender has none. */
  eventKey: string;
  receivedAt: Date;
}

export const ReceivedEventEntity = defineEntity<ReceivedEvent>(
  'received_events',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'source', kind: 'string', length: 100 },
    { name: 'event_key', kind: 'string', length: 200 },
    { name: 'received_at', kind: 'timestamp' },
  ],
  [
    { name: 'uq_received_events_key', columns: ['workspace_id', 'source', 'event_key'], unique: true },
    { name: 'ix_received_events_received', columns: ['received_at'] },
  ],
);
