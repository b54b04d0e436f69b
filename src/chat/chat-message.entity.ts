import { defineEntity } from '../database/portable-schema';

export type MessageAuthor = 'visitor' | 'agent' | 'bot' | 'system';

export interface ChatMessage {
  id: string;
  workspaceId: string;
  sessionId: string;
  externalId: string;
  authorType: MessageAuthor;
  authorName: string | null;
  body: string;
  /** Internal agent note: never in the customer-visible transcript. */
  private: boolean;
  attachments: Array<{ url: string; name?: string; contentType?: string }>;
  sentiment: number | null;
  occurredAt: Date;
  createdAt: Date;
}

export const ChatMessageEntity = defineEntity<ChatMessage>(
  'chat_messages',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'session_id', kind: 'uuid' },
    { name: 'external_id', kind: 'string', length: 255 },
    { name: 'author_type', kind: 'string', length: 16 },
    { name: 'author_name', kind: 'string', length: 255, nullable: true },
    { name: 'body', kind: 'text' },
    { name: 'private', kind: 'bool' },
    { name: 'attachments', kind: 'json' },
    { name: 'sentiment', kind: 'float', nullable: true },
    { name: 'occurred_at', kind: 'timestamp' },
    { name: 'created_at', kind: 'timestamp' },
  ],
  [
    { name: 'uq_chat_messages_session_external', columns: ['session_id', 'external_id'], unique: true },
    { name: 'ix_chat_messages_workspace_occurred', columns: ['workspace_id', 'occurred_at'] },
  ],
);
