import { defineEntity } from '../database/portable-schema';

/** A person on the chat side, identified by whatever the chat system knows (normalised). */
export interface Visitor {
  id: string;
  workspaceId: string;
  externalId: string | null;
  /** Trimmed, lower-cased. */
  email: string | null;
  /** E.164. */
  phone: string | null;
  cookieId: string | null;
  name: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const VisitorEntity = defineEntity<Visitor>(
  'visitors',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'external_id', kind: 'string', length: 255, nullable: true },
    { name: 'email', kind: 'string', length: 320, nullable: true },
    { name: 'phone', kind: 'string', length: 20, nullable: true },
    { name: 'cookie_id', kind: 'string', length: 255, nullable: true },
    { name: 'name', kind: 'string', length: 255, nullable: true },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'updated_at', kind: 'timestamp' },
  ],
  [
    { name: 'ix_visitors_workspace_external', columns: ['workspace_id', 'external_id'] },
    { name: 'ix_visitors_workspace_email', columns: ['workspace_id', 'email'] },
    { name: 'ix_visitors_workspace_phone', columns: ['workspace_id', 'phone'] },
  ],
);
