import { Inject, Injectable, Logger } from '@nestjs/common';
import { ChatMessageEntity } from '../chat/chat-message.entity';
import { ChatSessionEntity, type ChatSession } from '../chat/chat-session.entity';
import { findSession } from '../chat/find-session';
import { NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConnectorContextFactory } from '../connectors/connector-context.factory';
import { ConnectorEntity, type ConnectorRow } from '../connectors/connector.entity';
import { ConnectorError } from '../connectors/connector.errors';
import type { ConnectorKind } from '../connectors/connector-kinds';
import { Database } from '../database/database';
import { IdentityResolver } from '../identity/identity-resolver';
import type { NormalizedIdentifiers } from '../identity/identity.types';
import { identityKey, normalizeIdentifiers } from '../identity/normalize-identifiers';
import type { Visitor } from '../visitors/visitor.entity';
import { VisitorsService } from '../visitors/visitors.service';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import { ContextCache, type CachedContext } from './context-cache';
import type { ContextHistoryItem, SourceStatus, VisitorContext } from './enrichment.types';
import { mergeContext } from './merge-context';
import { matchReferencedOrder } from './order-reference';

type MergeSource = Parameters<typeof mergeContext>[0]['sources'][number];

export interface EnrichRequest {
  sessionId?: string;
  visitor: Record<string, unknown>;
  message?: string;
}

const LIST_LIMIT = 10;
const HISTORY_LIMIT = 10;
// A changed default region reaches enrichment within this time.
const REGION_TTL_MS = 5_000;

function statusOf(error: unknown, deadline: AbortSignal): { status: SourceStatus; error: string } {
  if (deadline.aborted) {
    return { status: 'timeout', error: 'timeout' };
  }
  if (error instanceof ConnectorError) {
    if (error.code === 'timeout') {
      return { status: 'timeout', error: error.code };
    }
    if (error.code === 'rate_limited' || error.code === 'quota_exhausted') {
      return { status: 'rate_limited', error: error.code };
    }
    return { status: 'error', error: error.code };
  }
  return { status: 'error', error: 'unknown' };
}

/** Resolves the moment the signal aborts: a CRM call that ignores its signal still cannot make us late. */
function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) {
      reject(new Error('deadline'));
    }
    signal.addEventListener('abort', () => reject(new Error('deadline')), { once: true });
  });
}

/**
 * One context per visitor, from every enrich-role CRM in parallel, before the agent types: each CRM has its own
 * timeout under one overall deadline, and a slow or failing CRM shows up in `sources` instead of failing the call.
 * Cached (stale-while-revalidate) per workspace and resolved identity.
 */
@Injectable()
export class EnrichmentService {
  private readonly logger = new Logger(EnrichmentService.name);
  /** Concurrent misses for one identity share a single build (and so a single create-if-missing). */
  private readonly regions = new Map<string, { region: string; until: number }>();
  private readonly building = new Map<
    string,
    Promise<{ context: CachedContext; fetchedAt: Date; visitorId: string }>
  >();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly cache: ContextCache,
    private readonly visitors: VisitorsService,
    private readonly resolver: IdentityResolver,
    private readonly contexts: ConnectorContextFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The workspace's phone region, read at most every few seconds (the cache-hit path must stay cheap). */
  private async defaultRegion(workspaceId: string): Promise<string> {
    const remembered = this.regions.get(workspaceId);
    if (remembered && remembered.until > Date.now()) {
      return remembered.region;
    }
    const workspace = await this.db.run((manager) =>
      this.db.repo(WorkspaceEntity, manager).findOneBy({ id: workspaceId }),
    );
    if (!workspace) {
      throw new NotFoundError('Workspace');
    }
    this.regions.set(workspaceId, { region: workspace.defaultRegion, until: Date.now() + REGION_TTL_MS });
    return workspace.defaultRegion;
  }

  async enrich(workspaceId: string, request: EnrichRequest): Promise<VisitorContext> {
    const normalized = normalizeIdentifiers(request.visitor, await this.defaultRegion(workspaceId));
    if (!normalized.ok) {
      throw new ValidationFailedError(normalized.problems);
    }
    const { sessionId } = request;
    const session = sessionId
      ? await this.db.run((manager) => findSession(this.db, manager, workspaceId, sessionId))
      : null;
    const message = request.message ?? (session ? await this.firstVisitorMessage(session) : undefined);
    const result = await this.contextFor(workspaceId, normalized.identifiers);
    if (session && !session.visitorId && result.visitorId) {
      await this.db.run((manager) =>
        this.db
          .repo(ChatSessionEntity, manager)
          .update({ id: session.id, workspaceId }, { visitorId: result.visitorId }),
      );
    }
    return this.present(result, message);
  }

  async sessionContext(workspaceId: string, sessionId: string): Promise<VisitorContext> {
    const session = await this.db.run((manager) => findSession(this.db, manager, workspaceId, sessionId));
    if (!session?.visitorId) {
      throw new NotFoundError('Session');
    }
    const visitor = await this.visitors.get(workspaceId, session.visitorId);
    if (!visitor) {
      throw new NotFoundError('Session');
    }
    const identifiers: NormalizedIdentifiers = {
      ...(visitor.externalId ? { externalId: visitor.externalId } : {}),
      ...(visitor.email ? { email: visitor.email } : {}),
      ...(visitor.phone ? { phone: visitor.phone } : {}),
      ...(visitor.name ? { name: visitor.name } : {}),
    };
    const result = await this.contextFor(workspaceId, identifiers);
    return this.present(result, await this.firstVisitorMessage(session));
  }

  /** Pre-warms from raw identifiers (a chat widget opened), read with the workspace's phone region; bad ones are skipped. */
  prewarmVisitor(workspaceId: string, visitor: Record<string, unknown>): void {
    void this.defaultRegion(workspaceId)
      .then((region) => {
        const normalized = normalizeIdentifiers(visitor, region);
        if (normalized.ok) {
          this.prewarm(workspaceId, normalized.identifiers);
        }
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'pre-warming a context failed'));
  }

  /** Pre-warms the cache (session started) without waiting for the answer. */
  prewarm(workspaceId: string, identifiers: NormalizedIdentifiers): void {
    void this.contextFor(workspaceId, identifiers).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'pre-warming a context failed');
    });
  }

  private async contextFor(
    workspaceId: string,
    identifiers: NormalizedIdentifiers,
  ): Promise<{ context: CachedContext; fetchedAt: Date; stale: boolean; hit: boolean; visitorId: string | null }> {
    const key = identityKey(identifiers);
    const cached = await this.cache.get(workspaceId, key);
    const now = this.clock.now().getTime();
    if (cached) {
      const age = now - cached.fetchedAt.getTime();
      if (!cached.invalidated && age <= this.config.enrichment.cacheFreshMs) {
        return { ...cached, stale: false, hit: true };
      }
      if (age <= this.config.enrichment.cacheMaxAgeMs) {
        // Serve what we have at once; one refresh runs behind it.
        void this.build(workspaceId, key, identifiers).catch((error: unknown) => {
          this.logger.warn({ err: error }, 'background context refresh failed');
        });
        return { ...cached, stale: true, hit: true };
      }
    }
    const built = await this.build(workspaceId, key, identifiers);
    return { ...built, stale: false, hit: false };
  }

  private build(
    workspaceId: string,
    key: string,
    identifiers: NormalizedIdentifiers,
  ): Promise<{ context: CachedContext; fetchedAt: Date; visitorId: string }> {
    const buildKey = `${workspaceId}|${key}`;
    const pending = this.building.get(buildKey);
    if (pending) {
      return pending;
    }
    const promise = this.fetchFresh(workspaceId, key, identifiers).finally(() => this.building.delete(buildKey));
    this.building.set(buildKey, promise);
    return promise;
  }

  private async fetchFresh(
    workspaceId: string,
    key: string,
    identifiers: NormalizedIdentifiers,
  ): Promise<{ context: CachedContext; fetchedAt: Date; visitorId: string }> {
    const fetchedAt = this.clock.now();
    const deadline = AbortSignal.timeout(this.config.enrichment.deadlineMs);
    const visitor = await this.db.transaction((manager) =>
      this.visitors.findOrCreate(manager, workspaceId, identifiers),
    );
    const connectors = await this.db.run((manager) =>
      this.db
        .repo(ConnectorEntity, manager)
        .find({ where: { workspaceId, status: 'active' }, order: { createdAt: 'ASC' } }),
    );
    const enrichers = connectors.filter((connector) => connector.roles.includes('enrich'));
    const [sources, history] = await Promise.all([
      Promise.all(enrichers.map((connector) => this.fetchSource(connector, visitor, identifiers, key, deadline))),
      this.history(workspaceId, visitor.id),
    ]);
    const merged = mergeContext({ sources, history, now: fetchedAt });
    const { referencedOrder: _ignored, ...context } = merged;
    await this.cache.put(workspaceId, key, visitor.id, context, fetchedAt);
    return { context, fetchedAt, visitorId: visitor.id };
  }

  private async fetchSource(
    connectorRow: ConnectorRow,
    visitor: Visitor,
    identifiers: NormalizedIdentifiers,
    key: string,
    deadline: AbortSignal,
  ): Promise<MergeSource> {
    const started = process.hrtime.bigint();
    const base = {
      connector: { id: connectorRow.id, kind: connectorRow.kind as ConnectorKind, name: connectorRow.name },
    };
    const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    try {
      const work = (async () => {
        const { connector, ctx } = await this.contexts.open(connectorRow, {
          timeoutMs: this.config.enrichment.connectorTimeoutMs,
          signal: deadline,
          priority: 'live',
        });
        const resolution = await this.resolver.resolve(connector, ctx, visitor, identifiers, {
          createIfMissing: connectorRow.roles.includes('create_if_missing'),
          identityKey: key,
        });
        if (!resolution.chosen) {
          return { matches: [], chosen: null, orders: [], notes: [], openCases: [] };
        }
        const personId = resolution.chosen.id;
        const [orders, notes, openCases] = await Promise.all([
          connector.descriptor.capabilities.orders
            ? connector.listOrders(ctx, personId, LIST_LIMIT)
            : Promise.resolve([]),
          connector.descriptor.capabilities.notes
            ? connector.listNotes(ctx, personId, LIST_LIMIT)
            : Promise.resolve([]),
          connector.descriptor.capabilities.cases
            ? connector.listOpenCases(ctx, personId, LIST_LIMIT)
            : Promise.resolve([]),
        ]);
        return { matches: resolution.matches, chosen: resolution.chosen, orders, notes, openCases };
      })();
      const result = await Promise.race([work, abortion(deadline)]);
      return {
        ...base,
        status: 'ok',
        latencyMs: elapsed(),
        fetchedAt: this.clock.now().toISOString(),
        error: null,
        result,
      };
    } catch (error) {
      const { status, error: code } = statusOf(error, deadline);
      return { ...base, status, latencyMs: elapsed(), fetchedAt: null, error: code };
    }
  }

  private async history(workspaceId: string, visitorId: string): Promise<ContextHistoryItem[]> {
    const sessions = await this.db.run((manager) =>
      this.db.repo(ChatSessionEntity, manager).find({
        where: { workspaceId, visitorId },
        order: { startedAt: 'DESC' },
        take: HISTORY_LIMIT,
      }),
    );
    return sessions.map((session) => ({
      sessionId: session.id,
      externalId: session.externalId,
      startedAt: session.startedAt.toISOString(),
      closedAt: session.closedAt ? session.closedAt.toISOString() : null,
      channel: session.channel,
      tags: session.tags,
      csat: session.csatRating !== null ? { rating: session.csatRating, scale: session.csatScale ?? 5 } : null,
      summary: session.summary,
    }));
  }

  private present(
    result: { context: CachedContext; fetchedAt: Date; stale: boolean; hit: boolean },
    message: string | undefined,
  ): VisitorContext {
    const referencedOrder = message ? matchReferencedOrder(message, result.context.orders) : null;
    const orders = referencedOrder
      ? [referencedOrder, ...result.context.orders.filter((order) => order !== referencedOrder)]
      : result.context.orders;
    const sources = result.stale
      ? result.context.sources.map((source) =>
          source.status === 'ok' ? { ...source, status: 'stale' as const } : source,
        )
      : result.context.sources;
    return {
      ...result.context,
      orders,
      sources,
      referencedOrder,
      cache: { hit: result.hit, stale: result.stale, ageMs: this.clock.now().getTime() - result.fetchedAt.getTime() },
    };
  }

  private async firstVisitorMessage(session: ChatSession): Promise<string | undefined> {
    const first = await this.db.run((manager) =>
      this.db.repo(ChatMessageEntity, manager).findOne({
        where: { workspaceId: session.workspaceId, sessionId: session.id, authorType: 'visitor' },
        order: { occurredAt: 'ASC' },
      }),
    );
    return first?.body;
  }
}
