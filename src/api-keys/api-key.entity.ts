import { defineEntity } from '../database/portable-schema';

export const API_KEY_SCOPES = ['admin', 'chat'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKey {
  id: string;
  workspaceId: string;
  name: string;
  /** Public, unique part of the key (shown in listings and logs). */
  prefix: string;
  /** sha256 of the secret part, hex. The secret is high-entropy, so a fast hash is the right tool. */
  secretHash: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  revokedAt: Date | null;
}

export const ApiKeyEntity = defineEntity<ApiKey>(
  'api_keys',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'name', kind: 'string', length: 200 },
    { name: 'prefix', kind: 'string', length: 32 },
    { name: 'secret_hash', kind: 'string', length: 64 },
    { name: 'scopes', kind: 'json' },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'revoked_at', kind: 'timestamp', nullable: true },
  ],
  [
    { name: 'uq_api_keys_prefix', columns: ['prefix'], unique: true },
    { name: 'ix_api_keys_workspace', columns: ['workspace_id'] },
  ],
);
