import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChatMessageEntity, type ChatMessage } from '../chat/chat-message.entity';
import { ChatSessionEntity, type ChatSession } from '../chat/chat-session.entity';
import { findSession } from '../chat/find-session';
import { NotFoundError, ValidationFailedError, type FieldProblem } from '../common/errors/domain-error';
import { newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { ConnectorEntity, type ConnectorRow } from '../connectors/connector.entity';
import { connectorJobGroup } from '../connectors/connectors.service';
import { Database, row } from '../database/database';
import { EnrichmentService } from '../enrichment/enrichment.service';
import type { NormalizedIdentifiers } from '../identity/identity.types';
import { normalizeIdentifiers } from '../identity/normalize-identifiers';
import { JobQueue } from '../jobs/job-queue';
import { combineMessageScores, scoreSentiment } from '../sentiment/sentiment';
import { feedbackVersion } from '../transcripts/feedback-format';
import { VisitorsService } from '../visitors/visitors.service';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import type { ChatEvent } from './chat-event.types';
import { parseEventsRequest } from './chat-event.schema';
import { rememberReceivedEvent } from './received-events';
import { applyEvent, type SessionEffect } from './session-state';

export interface IngestResult {
  accepted: number;
  duplicate: number;
}

/**
 * Takes chat events in. Everything an event causes — the dedupe record, the session state, the messages and every
 * job (transcript pushes, cases) — commits in one transaction before the caller hears 202, so an acknowledged
 * event is never lost; a repeated event id changes nothing.
 */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly visitors: VisitorsService,
    private readonly jobs: JobQueue,
    private readonly enrichment: EnrichmentService,
  ) {}

  async ingestBody(workspaceId: string, body: unknown, source = 'events'): Promise<IngestResult> {
    const parsed = parseEventsRequest(body);
    if (!parsed.ok) {
      throw new ValidationFailedError(parsed.problems);
    }
    return this.ingest(workspaceId, parsed.events, source, Array.isArray((body as { events?: unknown }).events));
  }

  async ingest(workspaceId: string, events: ChatEvent[], source: string, batch = false): Promise<IngestResult> {
    const workspace = await this.db.run((manager) =>
      this.db.repo(WorkspaceEntity, manager).findOneBy({ id: workspaceId }),
    );
    if (!workspace) {
      throw new NotFoundError('Workspace');
    }
    // Validate every visitor before writing anything: a bad identifier is a 400 and changes nothing.
    const identifiers: Array<NormalizedIdentifiers | null> = [];
    const problems: FieldProblem[] = [];
    events.forEach((event, index) => {
      if (!event.visitor) {
        identifiers.push(null);
        return;
      }
      const normalized = normalizeIdentifiers(event.visitor, workspace.defaultRegion);
      if (normalized.ok) {
        identifiers.push(normalized.identifiers);
      } else {
        const prefix = batch ? `events.${index}.` : '';
        problems.push(
          ...normalized.problems
            .filter((problem) => problem.field !== 'visitor')
            .map((problem) => ({ ...problem, field: `${prefix}${problem.field}` })),
        );
        identifiers.push(null);
      }
    });
    if (problems.length > 0) {
      throw new ValidationFailedError(problems);
    }

    const prewarm: NormalizedIdentifiers[] = [];
    const result = await this.db.transaction(async (manager) => {
      // Read once per request, and only when an event causes CRM work (most events are messages, which do not).
      let active: ConnectorRow[] | undefined;
      const connectors = async () =>
        (active ??= await this.db
          .repo(ConnectorEntity, manager)
          .find({ where: { workspaceId, status: 'active' }, order: { createdAt: 'ASC' } }));
      let accepted = 0;
      let duplicate = 0;
      for (const [index, event] of events.entries()) {
        if (
          !(await rememberReceivedEvent(this.db, manager, {
            workspaceId,
            source,
            eventKey: event.id,
            receivedAt: this.clock.now(),
          }))
        ) {
          duplicate += 1;
          continue;
        }
        accepted += 1;
        const effects = await this.apply(manager, workspaceId, event, identifiers[index] ?? null);
        for (const effect of effects.effects) {
          if (effect.kind === 'prewarm' && effects.identifiers) {
            prewarm.push(effects.identifiers);
          } else {
            await this.enqueue(manager, workspaceId, effects.session, effect, await connectors());
          }
        }
      }
      return { accepted, duplicate };
    });
    for (const identity of prewarm) {
      this.enrichment.prewarm(workspaceId, identity);
    }
    return result;
  }

  async session(workspaceId: string, sessionId: string): Promise<{ session: ChatSession; messageCount: number }> {
    const session = await this.db.run((manager) => findSession(this.db, manager, workspaceId, sessionId));
    if (!session) {
      throw new NotFoundError('Session');
    }
    const messageCount = await this.db.run((manager) =>
      this.db.repo(ChatMessageEntity, manager).countBy({ workspaceId, sessionId: session.id }),
    );
    return { session, messageCount };
  }

  /**
   * Every escalated session whose case is not known to be resolved, across CRMs: highest priority first, then the
   * longest waiting. (Case status updates from CRM webhooks and incremental pulls mark them resolved.)
   */
  async openCases(workspaceId: string): Promise<ChatSession[]> {
    const escalated = await this.db.run((manager) =>
      this.db
        .repo(ChatSessionEntity, manager)
        .createQueryBuilder('session')
        .where('session.workspaceId = :workspaceId', { workspaceId })
        .andWhere('session.escalatedAt IS NOT NULL')
        .getMany(),
    );
    const rank: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
    return escalated
      .filter((session) => (session.caseRef as { state?: string } | null)?.state !== 'solved')
      .sort(
        (a, b) =>
          (rank[a.priority ?? 'normal'] ?? 2) - (rank[b.priority ?? 'normal'] ?? 2) ||
          (a.escalatedAt?.getTime() ?? 0) - (b.escalatedAt?.getTime() ?? 0),
      );
  }

  private async apply(
    manager: EntityManager,
    workspaceId: string,
    event: ChatEvent,
    identifiers: NormalizedIdentifiers | null,
  ): Promise<{ session: ChatSession; effects: SessionEffect[]; identifiers: NormalizedIdentifiers | null }> {
    const repo = this.db.repo(ChatSessionEntity, manager);
    const now = this.clock.now();
    const occurredAt = new Date(event.occurredAt);
    let session = await repo.findOneBy({ workspaceId, externalId: event.sessionId });
    const created = !session;
    if (!session) {
      session = {
        id: newId(),
        workspaceId,
        externalId: event.sessionId,
        visitorId: null,
        channel: event.channel ?? 'web',
        status: 'open',
        startedAt: occurredAt,
        closedAt: null,
        // The creation itself is no state event: any real one (even an older-looking close) is newer than this.
        stateChangedAt: new Date(0),
        tags: [],
        csatRating: null,
        csatScale: null,
        csatComment: null,
        sentiment: null,
        priority: null,
        caseRef: null,
        summary: null,
        stateSequence: null,
        tagsChangedAt: null,
        csatAt: null,
        escalatedAt: null,
        escalationReason: null,
        closeCount: null,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insert(row(session));
    }
    let knownIdentifiers = identifiers;
    if (identifiers && !session.visitorId) {
      const visitor = await this.visitors.findOrCreate(manager, workspaceId, identifiers);
      session.visitorId = visitor.id;
    } else if (!identifiers && session.visitorId) {
      knownIdentifiers = null;
    }
    let sentiment = session.sentiment;
    if (event.type === 'message.created') {
      await this.addMessage(manager, session, event);
      if (event.message.author === 'visitor') {
        sentiment = await this.sessionSentiment(manager, session);
      }
    }
    const { state, effects } = applyEvent(session, event, created);
    const next: ChatSession = {
      ...session,
      ...state,
      sentiment,
      channel: event.channel ?? session.channel,
      updatedAt: now,
    };
    await repo.update({ id: session.id, workspaceId }, row(next));
    return { session: next, effects, identifiers: knownIdentifiers };
  }

  private async addMessage(
    manager: EntityManager,
    session: ChatSession,
    event: Extract<ChatEvent, { type: 'message.created' }>,
  ): Promise<void> {
    const message: ChatMessage = {
      id: newId(),
      workspaceId: session.workspaceId,
      sessionId: session.id,
      externalId: event.message.id,
      authorType: event.message.author,
      authorName: event.message.authorName ?? null,
      body: event.message.text,
      private: event.message.private ?? false,
      attachments: event.message.attachments ?? [],
      // Visitor messages only: the customer's mood is what escalations and transcripts report.
      sentiment:
        event.message.author === 'visitor' && !event.message.private ? scoreSentiment(event.message.text).score : null,
      occurredAt: new Date(event.occurredAt),
      createdAt: this.clock.now(),
    };
    // Same message id twice (a retried delivery with a new event id) stays one message.
    await this.db
      .repo(ChatMessageEntity, manager)
      .createQueryBuilder()
      .insert()
      .values(row(message))
      .orIgnore()
      .execute();
  }

  /**
   * The whole conversation's customer sentiment, recomputed when the visitor writes (later messages weigh more),
   * from the scores stored with each visitor message: no text is re-read or re-scored, so a long chat costs one
   * small column read per message, not a re-analysis of the whole conversation.
   */
  private async sessionSentiment(manager: EntityManager, session: ChatSession): Promise<number | null> {
    const messages = await this.db.repo(ChatMessageEntity, manager).find({
      where: { workspaceId: session.workspaceId, sessionId: session.id, authorType: 'visitor', private: false },
      order: { occurredAt: 'ASC', createdAt: 'ASC' },
      select: { sentiment: true },
    });
    const scores = messages.flatMap((message) => (message.sentiment === null ? [] : [message.sentiment]));
    return scores.length === 0 ? null : combineMessageScores(scores).score;
  }

  private async enqueue(
    manager: EntityManager,
    workspaceId: string,
    session: ChatSession,
    effect: SessionEffect,
    connectors: ConnectorRow[],
  ): Promise<void> {
    switch (effect.kind) {
      case 'push_feedback': {
        // One job per version of the values: the same rating and tags sent again make no second job or note.
        const version = feedbackVersion(session);
        for (const connector of connectors.filter((candidate) => candidate.roles.includes('transcripts'))) {
          await this.jobs.enqueue(manager, {
            type: 'feedback.push',
            payload: { sessionId: session.id, connectorId: connector.id, version },
            workspaceId,
            idempotencyKey: `feedback:${session.id}:${connector.id}:${version}`,
            groupKey: connectorJobGroup(connector.id),
          });
        }
        return;
      }
      case 'push_transcript':
        for (const connector of connectors.filter((candidate) => candidate.roles.includes('transcripts'))) {
          await this.jobs.enqueue(manager, {
            type: 'transcript.push',
            payload: { sessionId: session.id, connectorId: connector.id, generation: effect.generation },
            workspaceId,
            idempotencyKey: `transcript:${session.id}:${connector.id}:${effect.generation}`,
            groupKey: connectorJobGroup(connector.id),
          });
        }
        return;
      case 'escalate':
      case 'csat_followup': {
        const target = connectors.find((candidate) => candidate.roles.includes('escalation'));
        if (!target) {
          this.logger.warn(`session ${session.id}: ${effect.kind} but the workspace has no escalation connector`);
          return;
        }
        const reason = effect.kind === 'escalate' ? 'escalation' : 'low_csat';
        await this.jobs.enqueue(manager, {
          type: 'case.create',
          payload: { sessionId: session.id, connectorId: target.id, reason },
          workspaceId,
          idempotencyKey: `case:${session.id}:${reason}`,
          groupKey: connectorJobGroup(target.id),
          // An escalation is live work: a customer is waiting for a human.
          priority: 10,
        });
        return;
      }
      case 'prewarm':
        return;
    }
  }
}
