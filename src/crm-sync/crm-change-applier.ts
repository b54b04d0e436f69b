import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ChatSessionEntity, type ChatSession } from '../chat/chat-session.entity';
import { Clock } from '../common/time/clock';
import type { ChangeEvent } from '../connectors/crm.types';
import { Database, row } from '../database/database';
import { ContextCache } from '../enrichment/context-cache';
import { rememberReceivedEvent } from '../events/received-events';
import { OutboundWebhooksService } from '../outbound/outbound-webhooks.service';

/** What a session remembers about the case its escalation created (case-create writes the first four fields). */
interface CaseRef {
  connectorId?: string;
  recordId?: string;
  url?: string | null;
  state?: string;
  /** occurredAt of the newest change applied to the case. */
  lastChangeAt?: string;
  /** occurredAt of the newest change that told the case's state: an older one arriving later does not undo it. */
  stateAt?: string;
}

export interface AppliedChanges {
  accepted: number;
  duplicate: number;
}

/** The dedupe key of one change: the vendor's event id, or a digest of what the change says. */
export function changeKey(change: ChangeEvent): string {
  return (
    change.eventId ??
    createHash('sha256')
      .update([change.kind, change.recordId, change.occurredAt, change.summary ?? ''].join('|'))
      .digest('hex')
  );
}

/** Source name under which a connector's changes are remembered, whichever way (webhook or pull) they came. */
export function changeSource(connectorId: string): string {
  return `crm:${connectorId}`;
}

/**
 * Applies CRM changes, whether a webhook delivered them or a pull read them, inside the caller's transaction: each
 * change is taken once (received_events), a changed person invalidates the cached contexts that show them, and a case
 * change updates the escalated chats of that case (state, and a webhook to the chat system when it matters).
 *
 * A webhook and a pull report the same change under different vendor ids, so the key alone cannot make the pair
 * count once. The effects are therefore idempotent by state: `case.solved` notifies the chat system only when the
 * case was not solved yet, and invalidating a cache entry twice leaves it invalidated.
 */
@Injectable()
export class CrmChangeApplier {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly cache: ContextCache,
    private readonly outbound: OutboundWebhooksService,
  ) {}

  async apply(
    manager: EntityManager,
    connector: { id: string; workspaceId: string },
    changes: readonly ChangeEvent[],
  ): Promise<AppliedChanges> {
    const fresh: ChangeEvent[] = [];
    for (const change of changes) {
      const first = await rememberReceivedEvent(this.db, manager, {
        workspaceId: connector.workspaceId,
        source: changeSource(connector.id),
        eventKey: changeKey(change),
        receivedAt: this.clock.now(),
      });
      if (first) {
        fresh.push(change);
      }
    }
    const caseChanges = fresh.filter((change) => change.kind !== 'person.changed');
    if (caseChanges.length > 0) {
      await this.updateCases(manager, connector, caseChanges);
    }
    // A case change alters the person's open cases too, so their contexts go as well.
    await this.cache.invalidateRecords(
      connector.id,
      fresh.map((change) => change.personId ?? change.recordId),
      manager,
    );
    return { accepted: fresh.length, duplicate: changes.length - fresh.length };
  }

  /** The escalated chats whose case changed: record the new state, and tell the chat system when it matters. */
  private async updateCases(
    manager: EntityManager,
    connector: { id: string; workspaceId: string },
    changes: ChangeEvent[],
  ): Promise<void> {
    const { workspaceId } = connector;
    const repo = this.db.repo(ChatSessionEntity, manager);
    // One read per batch (a pulled page can hold hundreds of changes), indexed by the case's record id.
    const escalated = await repo
      .createQueryBuilder('session')
      .where('session.workspaceId = :workspaceId', { workspaceId })
      .andWhere('session.escalatedAt IS NOT NULL')
      .getMany();
    const byRecord = new Map<string, ChatSession[]>();
    for (const session of escalated) {
      const ref = session.caseRef as CaseRef | null;
      if (ref?.connectorId === connector.id && ref.recordId) {
        byRecord.set(ref.recordId, [...(byRecord.get(ref.recordId) ?? []), session]);
      }
    }
    for (const change of changes) {
      for (const session of byRecord.get(change.recordId) ?? []) {
        const ref = (session.caseRef ?? {}) as CaseRef;
        const previous = ref.state ?? 'open';
        const reported = change.kind === 'case.solved' ? 'solved' : change.caseState;
        // A solved case reopened in the CRM is open again; a late, older change cannot flip a newer state back.
        const newer = !ref.stateAt || Date.parse(change.occurredAt) >= Date.parse(ref.stateAt);
        const state = reported && newer ? reported : previous;
        const stateAt = reported && newer ? change.occurredAt : ref.stateAt;
        // Changes arrive out of order (a pull behind a webhook): the case's clock only moves forward.
        const lastChangeAt =
          ref.lastChangeAt && Date.parse(ref.lastChangeAt) > Date.parse(change.occurredAt)
            ? ref.lastChangeAt
            : change.occurredAt;
        const caseRef = { ...ref, state, lastChangeAt, ...(stateAt ? { stateAt } : {}) };
        await repo.update({ id: session.id, workspaceId }, row<ChatSession>({ caseRef, updatedAt: this.clock.now() }));
        // Later changes in this batch see this one.
        session.caseRef = caseRef;
        const eventType =
          change.kind === 'case.agent_replied'
            ? change.kind
            : change.kind === 'case.solved' && previous !== 'solved'
              ? change.kind
              : null;
        if (eventType) {
          await this.outbound.enqueueForEvent(
            manager,
            workspaceId,
            eventType,
            {
              sessionId: session.externalId,
              case: { connectorId: connector.id, recordId: change.recordId, state, url: ref.url ?? null },
              ...(change.summary ? { summary: change.summary } : {}),
              occurredAt: change.occurredAt,
            },
            `${connector.id}:${changeKey(change)}:${session.id}`,
          );
        }
      }
    }
  }
}
