import { defineEntity } from '../database/portable-schema';

export type ChatSessionStatus = 'open' | 'escalated' | 'closed';

export interface ChatSession {
  id: string;
  workspaceId: string;
  /** The chat system's own id for the conversation. */
  externalId: string;
  visitorId: string | null;
  channel: string;
  status: ChatSessionStatus;
  startedAt: Date;
  closedAt: Date | null;
  /** occurredAt of the newest state-changing event applied: an older event never overwrites a newer one. */
  stateChangedAt: Date;
  tags: string[];
  csatRating: number | null;
  csatScale: number | null;
  csatComment: string | null;
  sentiment: number | null;
  priority: string | null;
  /** Reference to the case/ticket created on escalation: {connectorId, recordId, url}. */
  caseRef: Record<string, unknown> | null;
  summary: string | null;
  /** Tie-breaker for state events with the same stateChangedAt. */
  stateSequence: number | null;
  tagsChangedAt: Date | null;
  csatAt: Date | null;
  escalatedAt: Date | null;
  escalationReason: string | null;
  /** How many times the session was closed: each close's transcript is its own CRM record. */
  closeCount: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export const ChatSessionEntity = defineEntity<ChatSession>(
  'chat_sessions',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'external_id', kind: 'string', length: 255 },
    { name: 'visitor_id', kind: 'uuid', nullable: true },
    { name: 'channel', kind: 'string', length: 32 },
    { name: 'status', kind: 'string', length: 20 },
    { name: 'started_at', kind: 'timestamp' },
    { name: 'closed_at', kind: 'timestamp', nullable: true },
    { name: 'state_changed_at', kind: 'timestamp' },
    { name: 'tags', kind: 'json' },
    { name: 'csat_rating', kind: 'int', nullable: true },
    { name: 'csat_scale', kind: 'int', nullable: true },
    { name: 'csat_comment', kind: 'text', nullable: true },
    { name: 'sentiment', kind: 'float', nullable: true },
    { name: 'priority', kind: 'string', length: 20, nullable: true },
    { name: 'case_ref', kind: 'json', nullable: true },
    { name: 'summary', kind: 'text', nullable: true },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'updated_at', kind: 'timestamp' },
    { name: 'state_sequence', kind: 'bigint', nullable: true },
    { name: 'tags_changed_at', kind: 'timestamp', nullable: true },
    { name: 'csat_at', kind: 'timestamp', nullable: true },
    { name: 'escalated_at', kind: 'timestamp', nullable: true },
    { name: 'escalation_reason', kind: 'text', nullable: true },
    { name: 'close_count', kind: 'int', nullable: true },
  ],
  [
    { name: 'uq_chat_sessions_workspace_external', columns: ['workspace_id', 'external_id'], unique: true },
    { name: 'ix_chat_sessions_workspace_visitor', columns: ['workspace_id', 'visitor_id'] },
    { name: 'ix_chat_sessions_workspace_closed', columns: ['workspace_id', 'closed_at'] },
  ],
);
