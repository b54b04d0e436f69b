import { Injectable } from '@nestjs/common';
import { ChatMessageEntity, type ChatMessage } from '../chat/chat-message.entity';
import { ChatSessionEntity, type ChatSession } from '../chat/chat-session.entity';
import { ConnectorContextFactory, type OpenConnection } from '../connectors/connector-context.factory';
import { ConnectorError } from '../connectors/connector.errors';
import type { ConnectorKind } from '../connectors/connector-kinds';
import type { CrmPerson } from '../connectors/crm.types';
import { Database } from '../database/database';
import { IdentityResolver } from '../identity/identity-resolver';
import type { NormalizedIdentifiers } from '../identity/identity.types';
import { identityKey } from '../identity/normalize-identifiers';
import type { ClassifiedError, FailureCode } from '../jobs/retry-policy';
import { VisitorsService } from '../visitors/visitors.service';
import type { TranscriptMessage } from '../transcripts/transcript-format';
import { WorkspaceEntity, type Workspace } from '../workspaces/workspace.entity';

/** A write job that cannot succeed as things are (its session or connector is gone): dead-lettered with the reason. */
export class CrmWriteError extends Error implements ClassifiedError {
  readonly failure: { code: FailureCode; message: string };

  constructor(code: FailureCode, message: string) {
    super(message);
    this.name = 'CrmWriteError';
    this.failure = { code, message };
  }
}

export interface CrmWriteTarget {
  workspace: Workspace;
  session: ChatSession;
  messages: TranscriptMessage[];
  open: OpenConnection;
  person: CrmPerson;
}

function toTranscriptMessage(message: ChatMessage): TranscriptMessage {
  return {
    id: message.externalId,
    author: message.authorType,
    authorName: message.authorName,
    body: message.body,
    private: message.private,
    attachments: message.attachments,
    occurredAt: message.occurredAt,
  };
}

/** What every CRM write job needs first: the session, its messages, the connector, and the person in that CRM. */
@Injectable()
export class CrmWriteContext {
  constructor(
    private readonly db: Database,
    private readonly contexts: ConnectorContextFactory,
    private readonly visitors: VisitorsService,
    private readonly resolver: IdentityResolver,
  ) {}

  async load(
    workspaceId: string,
    sessionId: string,
    connectorId: string,
    signal: AbortSignal,
  ): Promise<CrmWriteTarget> {
    const [workspace, session] = await Promise.all([
      this.db.run((manager) => this.db.repo(WorkspaceEntity, manager).findOneBy({ id: workspaceId })),
      this.db.run((manager) => this.db.repo(ChatSessionEntity, manager).findOneBy({ id: sessionId, workspaceId })),
    ]);
    if (!workspace || !session) {
      throw new CrmWriteError('not_found', 'the session no longer exists (purged or erased)');
    }
    const row = await this.contexts.load(workspaceId, connectorId).catch(() => {
      throw new CrmWriteError('not_found', 'the connector was deleted');
    });
    if (row.status === 'needs_reauth') {
      throw new ConnectorError(row.kind as ConnectorKind, 'auth_expired', 'connector needs re-authorisation');
    }
    if (row.status === 'disabled') {
      throw new ConnectorError(row.kind as ConnectorKind, 'forbidden', 'connector is disabled');
    }
    const visitor = session.visitorId ? await this.visitors.get(workspaceId, session.visitorId) : null;
    if (!visitor || (!visitor.externalId && !visitor.email && !visitor.phone)) {
      throw new CrmWriteError(
        'invalid_request',
        'the session has no visitor identifiers to find the person in the CRM',
      );
    }
    const identifiers: NormalizedIdentifiers = {
      ...(visitor.externalId ? { externalId: visitor.externalId } : {}),
      ...(visitor.email ? { email: visitor.email } : {}),
      ...(visitor.phone ? { phone: visitor.phone } : {}),
      ...(visitor.name ? { name: visitor.name } : {}),
    };
    const open = await this.contexts.open(row, { priority: 'background', signal });
    const resolution = await this.resolver.resolve(open.connector, open.ctx, visitor, identifiers, {
      createIfMissing: row.roles.includes('create_if_missing'),
      identityKey: identityKey(identifiers),
    });
    if (!resolution.chosen) {
      throw new CrmWriteError('not_found', 'the person is not in this CRM (enable create_if_missing to create them)');
    }
    const messages = await this.db.run((manager) =>
      this.db
        .repo(ChatMessageEntity, manager)
        .find({ where: { workspaceId, sessionId }, order: { occurredAt: 'ASC', createdAt: 'ASC' } }),
    );
    return { workspace, session, messages: messages.map(toTranscriptMessage), open, person: resolution.chosen };
  }
}
