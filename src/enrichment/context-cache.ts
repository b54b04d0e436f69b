import { Inject, Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database, row } from '../database/database';
import { IdentityLinkEntity } from '../visitors/identity-link.entity';
import { ContextCacheEntity, type ContextCacheEntry } from './context-cache.entity';
import type { VisitorContext } from './enrichment.types';

/** What is cached: the context without the per-request parts (referenced order, cache flags). */
export type CachedContext = Omit<VisitorContext, 'referencedOrder' | 'cache'>;

export interface CacheHit {
  context: CachedContext;
  visitorId: string | null;
  fetchedAt: Date;
  invalidated: boolean;
}

// Other instances' invalidations reach this process's memory layer within this time at the latest.
const MEMORY_TTL_MS = 5_000;
// Record ids per IN (…) list: far below SQLite's bound-parameter limit, and a bounded statement on PostgreSQL.
const IDS_PER_QUERY = 500;

/**
 * Two layers: a small per-process LRU (hit path without a database read) in front of the shared table that every
 * instance reads and writes. Invalidations go to the table and to this process's memory.
 */
@Injectable()
export class ContextCache {
  private readonly memory = new Map<string, { hit: CacheHit; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(workspaceId: string, identityKey: string): Promise<CacheHit | null> {
    const memoryKey = `${workspaceId}|${identityKey}`;
    const remembered = this.memory.get(memoryKey);
    if (remembered && remembered.until > Date.now()) {
      // Refresh recency: Map keeps insertion order, so re-inserting makes this the newest entry.
      this.memory.delete(memoryKey);
      this.memory.set(memoryKey, remembered);
      return remembered.hit;
    }
    const stored = await this.db.run((manager) =>
      this.db.repo(ContextCacheEntity, manager).findOneBy({ workspaceId, identityKey }),
    );
    if (!stored) {
      this.memory.delete(memoryKey);
      return null;
    }
    const hit: CacheHit = {
      context: stored.context as unknown as CachedContext,
      visitorId: stored.visitorId,
      fetchedAt: stored.fetchedAt,
      invalidated: stored.invalidatedAt !== null,
    };
    this.remember(memoryKey, hit);
    return hit;
  }

  async put(
    workspaceId: string,
    identityKey: string,
    visitorId: string | null,
    context: CachedContext,
    fetchedAt: Date,
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      const repo = this.db.repo(ContextCacheEntity, manager);
      const existing = await repo.findOneBy({ workspaceId, identityKey });
      const entry: ContextCacheEntry = {
        id: existing?.id ?? newId(),
        workspaceId,
        identityKey,
        visitorId,
        context: context,
        fetchedAt,
        invalidatedAt: null,
      };
      if (existing) {
        // A slower refresh must not overwrite a newer one.
        if (existing.fetchedAt > fetchedAt) {
          return;
        }
        await repo.update({ id: existing.id }, row(entry));
      } else {
        await repo.createQueryBuilder().insert().values(row(entry)).orIgnore().execute();
      }
    });
    this.remember(`${workspaceId}|${identityKey}`, { context, visitorId, fetchedAt, invalidated: false });
  }

  /** A CRM told us this record changed: every cached context that shows it must be fetched again. */
  invalidateRecord(connectorId: string, recordId: string, manager?: EntityManager): Promise<number> {
    return this.invalidateRecords(connectorId, [recordId], manager);
  }

  /**
   * Same for many records of one connector. Given a manager, the invalidation joins the caller's transaction, so it
   * commits (or not) with whatever told us about the change (a webhook's dedupe record, a pull's cursor).
   */
  async invalidateRecords(connectorId: string, recordIds: string[], manager?: EntityManager): Promise<number> {
    const unique = [...new Set(recordIds)];
    if (unique.length === 0) {
      return 0;
    }
    const work = async (m: EntityManager): Promise<number> => {
      const visitorsByWorkspace = new Map<string, Set<string>>();
      for (let start = 0; start < unique.length; start += IDS_PER_QUERY) {
        const links = await this.db.repo(IdentityLinkEntity, m).find({
          where: { connectorId, recordId: In(unique.slice(start, start + IDS_PER_QUERY)) },
          select: { workspaceId: true, visitorId: true },
        });
        for (const link of links) {
          const visitors = visitorsByWorkspace.get(link.workspaceId) ?? new Set<string>();
          visitors.add(link.visitorId);
          visitorsByWorkspace.set(link.workspaceId, visitors);
        }
      }
      let count = 0;
      for (const [workspaceId, visitors] of visitorsByWorkspace) {
        count += await this.invalidateVisitorsWith(m, workspaceId, [...visitors]);
      }
      return count;
    };
    return manager ? work(manager) : this.db.run(work);
  }

  invalidateVisitors(workspaceId: string, visitorIds: string[]): Promise<number> {
    if (visitorIds.length === 0) {
      return Promise.resolve(0);
    }
    return this.db.run((manager) => this.invalidateVisitorsWith(manager, workspaceId, visitorIds));
  }

  private async invalidateVisitorsWith(
    manager: EntityManager,
    workspaceId: string,
    visitorIds: string[],
  ): Promise<number> {
    let affected = 0;
    for (let start = 0; start < visitorIds.length; start += IDS_PER_QUERY) {
      const result = await this.db
        .repo(ContextCacheEntity, manager)
        .update(
          { workspaceId, visitorId: In(visitorIds.slice(start, start + IDS_PER_QUERY)) },
          { invalidatedAt: this.clock.now() },
        );
      affected += result.affected ?? 0;
    }
    // Dropped before a surrounding transaction commits: a read racing that commit can keep the old entry here for
    // at most MEMORY_TTL_MS, the same bound every other instance already has.
    for (const [key, entry] of this.memory) {
      if (key.startsWith(`${workspaceId}|`) && entry.hit.visitorId && visitorIds.includes(entry.hit.visitorId)) {
        this.memory.delete(key);
      }
    }
    return affected;
  }

  /** Entries past the max age are never served again: retention removes them. */
  async purgeExpired(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.enrichment.cacheMaxAgeMs);
    const result = await this.db.run((manager) =>
      this.db
        .repo(ContextCacheEntity, manager)
        .createQueryBuilder()
        .delete()
        .where('fetched_at < :before', { before })
        .execute(),
    );
    return result.affected ?? 0;
  }

  private remember(key: string, hit: CacheHit): void {
    const capacity = this.config.enrichment.memoryCacheEntries;
    if (capacity === 0) {
      return;
    }
    this.memory.delete(key);
    this.memory.set(key, { hit, until: Date.now() + Math.min(MEMORY_TTL_MS, this.config.enrichment.cacheFreshMs) });
    while (this.memory.size > capacity) {
      const oldest = this.memory.keys().next().value as string;
      this.memory.delete(oldest);
    }
  }
}
