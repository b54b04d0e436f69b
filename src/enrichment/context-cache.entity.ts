import { defineEntity } from '../database/portable-schema';

/**
 * The shared (cross-instance) layer of the enrichment cache: the last context built for one resolved identity.
 * Workspace data like any other: purged by retention and by visitor erasure.
 */
export interface ContextCacheEntry {
  id: string;
  workspaceId: string;
  /** identityKey() of the normalised identifiers (ext:… / email:… / phone:…). */
  identityKey: string;
  visitorId: string | null;
  context: Record<string, unknown>;
  /** When the CRMs were asked. Fresh until fetchedAt + fresh TTL; served stale until fetchedAt + max age. */
  fetchedAt: Date;
  /** Set by webhooks / incremental pulls: the entry must not be served fresh any more. */
  invalidatedAt: Date | null;
}

export const ContextCacheEntity = defineEntity<ContextCacheEntry>(
  'context_cache',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'identity_key', kind: 'string', length: 300 },
    { name: 'visitor_id', kind: 'uuid', nullable: true },
    { name: 'context', kind: 'json' },
    { name: 'fetched_at', kind: 'timestamp' },
    { name: 'invalidated_at', kind: 'timestamp', nullable: true },
  ],
  [
    { name: 'uq_context_cache_identity', columns: ['workspace_id', 'identity_key'], unique: true },
    { name: 'ix_context_cache_visitor', columns: ['workspace_id', 'visitor_id'] },
    { name: 'ix_context_cache_fetched', columns: ['fetched_at'] },
  ],
);
