import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ChatSessionEntity, type ChatSession } from '../chat/chat-session.entity';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { isUuid } from '../common/ids';
import { Clock } from '../common/time/clock';
import { ConnectorContextFactory } from '../connectors/connector-context.factory';
import { ConnectorEntity } from '../connectors/connector.entity';
import { WebhookRejectedError } from '../connectors/connector.errors';
import type { ChangeEvent, WebhookRequest } from '../connectors/crm.types';
import { Database, row } from '../database/database';
import { ContextCache } from '../enrichment/context-cache';
import { rememberReceivedEvent } from '../events/received-events';
import { OutboundWebhooksService } from '../outbound/outbound-webhooks.service';

function changeKey(change: ChangeEvent): string {
  return (
    change.eventId ??
    createHash('sha256')
      .update([change.kind, change.recordId, change.occurredAt, change.summary ?? ''].join('|'))
      .digest('hex')
  );
}

/**
 * A CRM told us something changed. Verified by the connector (the vendor's signature and replay window), each change
 * is taken once: a solved case or an agent's reply on an escalated chat's case becomes an outbound webhook to the
 * chat system (committed with the dedupe record), and a changed person invalidates cached contexts that show them.
 */
@Injectable()
export class CrmWebhooksService {
  private readonly logger = new Logger(CrmWebhooksService.name);

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly contexts: ConnectorContextFactory,
    private readonly cache: ContextCache,
    private readonly outbound: OutboundWebhooksService,
  ) {}

  async receive(connectorId: string, request: WebhookRequest): Promise<{ accepted: number; duplicate: number }> {
    const connectorRow = isUuid(connectorId)
      ? await this.db.run((manager) => this.db.repo(ConnectorEntity, manager).findOneBy({ id: connectorId }))
      : null;
    if (!connectorRow) {
      throw new NotFoundError('Connector');
    }
    const { connector, ctx } = await this.contexts.open(connectorRow, { timeoutMs: 5000 });
    let changes: ChangeEvent[];
    try {
      changes = await connector.parseWebhook(ctx, request);
    } catch (error) {
      if (error instanceof WebhookRejectedError) {
        throw new DomainError(
          `webhook_${error.reason}`,
          error.reason === 'malformed' ? 'invalid' : 'unauthenticated',
          error.message,
        );
      }
      throw error;
    }
    const workspaceId = connectorRow.workspaceId;
    const touched = new Set<string>();
    const result = await this.db.transaction(async (manager) => {
      let accepted = 0;
      let duplicate = 0;
      for (const change of changes) {
        if (
          !(await rememberReceivedEvent(this.db, manager, {
            workspaceId,
            source: `crm:${connectorRow.id}`,
            eventKey: changeKey(change),
            receivedAt: this.clock.now(),
          }))
        ) {
          duplicate += 1;
          continue;
        }
        accepted += 1;
        touched.add(change.personId ?? change.recordId);
        if (change.kind !== 'person.changed') {
          await this.updateCase(manager, workspaceId, connectorRow.id, change);
        }
      }
      return { accepted, duplicate };
    });
    for (const recordId of touched) {
      await this.cache.invalidateRecord(connectorRow.id, recordId).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'cache invalidation failed');
      });
    }
    return result;
  }

  /** The escalated chats whose case this is: record the new state, and tell the chat system when it matters. */
  private async updateCase(
    manager: EntityManager,
    workspaceId: string,
    connectorId: string,
    change: ChangeEvent,
  ): Promise<void> {
    const repo = this.db.repo(ChatSessionEntity, manager);
    const escalated = await repo
      .createQueryBuilder('session')
      .where('session.workspaceId = :workspaceId', { workspaceId })
      .andWhere('session.escalatedAt IS NOT NULL')
      .getMany();
    const sessions = escalated.filter((session) => {
      const ref = session.caseRef as { connectorId?: string; recordId?: string } | null;
      return ref?.connectorId === connectorId && ref.recordId === change.recordId;
    });
    for (const session of sessions) {
      const state =
        change.kind === 'case.solved' ? 'solved' : ((session.caseRef as { state?: string } | null)?.state ?? 'open');
      await repo.update(
        { id: session.id, workspaceId },
        row<ChatSession>({
          caseRef: { ...(session.caseRef ?? {}), state, lastChangeAt: change.occurredAt },
          updatedAt: this.clock.now(),
        }),
      );
      if (change.kind === 'case.solved' || change.kind === 'case.agent_replied') {
        await this.outbound.enqueueForEvent(
          manager,
          workspaceId,
          change.kind,
          {
            sessionId: session.externalId,
            case: {
              connectorId,
              recordId: change.recordId,
              state,
              url: (session.caseRef as { url?: string } | null)?.url ?? null,
            },
            ...(change.summary ? { summary: change.summary } : {}),
            occurredAt: change.occurredAt,
          },
          `${connectorId}:${changeKey(change)}:${session.id}`,
        );
      }
    }
  }
}
