import { defineEntity } from '../database/portable-schema';

export type SignatureMode = 'off' | 'warn' | 'enforce';

/** A chat system that pushes webhooks to us (a Chatwoot account), with how strictly its signatures are checked. */
export interface ChatSource {
  id: string;
  workspaceId: string;
  kind: string;
  name: string;
  /** Chatwoot's webhook secret, sealed; null when signatures are off. */
  secretEncrypted: string | null;
  signatureMode: SignatureMode;
  /** The Chatwoot account id (v4.9.1 conversation payloads do not carry it). */
  accountId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const ChatSourceEntity = defineEntity<ChatSource>(
  'chat_sources',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'kind', kind: 'string', length: 32 },
    { name: 'name', kind: 'string', length: 200 },
    { name: 'secret_encrypted', kind: 'text', nullable: true },
    { name: 'signature_mode', kind: 'string', length: 16 },
    { name: 'account_id', kind: 'string', length: 64, nullable: true },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'updated_at', kind: 'timestamp' },
  ],
  [{ name: 'ix_chat_sources_workspace', columns: ['workspace_id'] }],
);
