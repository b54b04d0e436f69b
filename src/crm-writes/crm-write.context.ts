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
import type { Visitor } from '../visitors/visitor.entity';
import { ConnectorRegistry } from '../connectors/connector.registry';
import type { ConnectorDescriptor } from '../connectors/connector-descriptor';
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

export interface CrmWriteTarget extends SessionForWrite {
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

/** A trusted link is used for writes without re-reading the record; see `personForWrite`. */
const WRITE_LINK_TRUST_MS = 24 * 60 * 60 * 1000;

export interface SessionForWrite {
  workspace: Workspace;
  session: ChatSession;
  messages: TranscriptMessage[];
  visitor: Visitor;
  identifiers: NormalizedIdentifiers;
}

/** Who to write on: the person's record id, and the link it came from when it was trusted without a CRM read. */
export interface PersonForWrite {
  personId: string;
  trustedLinkId: string | null;
}

/** What every CRM write job needs first: the session, its messages, the connector, and the person in that CRM. */
@Injectable()
export class CrmWriteContext {
  constructor(
    private readonly db: Database,
    private readonly contexts: ConnectorContextFactory,
    private readonly visitors: VisitorsService,
    private readonly resolver: IdentityResolver,
    private readonly registry: ConnectorRegistry,
  ) {}

  /** Everything at once, for one job (case creation needs the full person: its tier decides VIP priority). */
  async load(
    workspaceId: string,
    sessionId: string,
    connectorId: string,
    signal: AbortSignal,
  ): Promise<CrmWriteTarget> {
    const loaded = await this.session(workspaceId, sessionId);
    const open = await this.connect(workspaceId, connectorId, signal);
    const resolution = await this.resolve(open, loaded);
    return { ...loaded, open, person: resolution };
  }

  /** The connector's descriptor, or null when the connector is gone (its jobs then fail one by one). */
  async descriptor(workspaceId: string, connectorId: string): Promise<ConnectorDescriptor | null> {
    const row = await this.contexts.load(workspaceId, connectorId).catch(() => null);
    return row ? this.registry.get(row.kind).descriptor : null;
  }

  /** An open connection for writes (background priority: live lookups go first on the same rate budget). */
  async connect(workspaceId: string, connectorId: string, signal: AbortSignal): Promise<OpenConnection> {
    return (await this.opener(workspaceId, connectorId, signal))();
  }

  /**
   * Checks the connector once and returns a function that opens a connection to it: each CRM operation of a batch
   * opens its own, so each gets the full per-call deadline (one hung call fails that operation only).
   */
  async opener(workspaceId: string, connectorId: string, signal: AbortSignal): Promise<() => Promise<OpenConnection>> {
    const row = await this.contexts.load(workspaceId, connectorId).catch(() => {
      throw new CrmWriteError('not_found', 'the connector was deleted');
    });
    if (row.status === 'needs_reauth') {
      throw new ConnectorError(row.kind as ConnectorKind, 'auth_expired', 'connector needs re-authorisation');
    }
    if (row.status === 'disabled') {
      throw new ConnectorError(row.kind as ConnectorKind, 'forbidden', 'connector is disabled');
    }
    return () => this.contexts.open(row, { priority: 'background', signal });
  }

  /** The session with its messages in order, and the visitor identifiers to find the person by. */
  async session(workspaceId: string, sessionId: string): Promise<SessionForWrite> {
    const [workspace, session] = await Promise.all([
      this.db.run((manager) => this.db.repo(WorkspaceEntity, manager).findOneBy({ id: workspaceId })),
      this.db.run((manager) => this.db.repo(ChatSessionEntity, manager).findOneBy({ id: sessionId, workspaceId })),
    ]);
    if (!workspace || !session) {
      throw new CrmWriteError('not_found', 'the session no longer exists (purged or erased)');
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
    const messages = await this.db.run((manager) =>
      this.db
        .repo(ChatMessageEntity, manager)
        .find({ where: { workspaceId, sessionId }, order: { occurredAt: 'ASC', createdAt: 'ASC' } }),
    );
    return { workspace, session, messages: messages.map(toTranscriptMessage), visitor, identifiers };
  }

  /**
   * The person to write a note on. A link verified within the last day is used as it is: re-reading the record
   * before every note would cost one CRM call per record and defeat batching. If the record went away meanwhile,
   * the write fails for that record, `distrust` marks the link, and the retry resolves the person again.
   */
  async personForWrite(
    connectorId: string,
    open: () => Promise<OpenConnection>,
    loaded: SessionForWrite,
  ): Promise<PersonForWrite> {
    const link = await this.resolver.linkVerifiedSince(loaded.visitor.id, connectorId, WRITE_LINK_TRUST_MS);
    if (link) {
      return { personId: link.recordId, trustedLinkId: link.id };
    }
    const person = await this.resolve(await open(), loaded);
    return { personId: person.id, trustedLinkId: null };
  }

  /** The next write through this link re-reads the record first. */
  distrust(linkId: string): Promise<void> {
    return this.resolver.markUnverified(linkId);
  }

  private async resolve(open: OpenConnection, loaded: SessionForWrite): Promise<CrmPerson> {
    const resolution = await this.resolver.resolve(open.connector, open.ctx, loaded.visitor, loaded.identifiers, {
      createIfMissing: open.row.roles.includes('create_if_missing'),
      identityKey: identityKey(loaded.identifiers),
    });
    if (!resolution.chosen) {
      throw new CrmWriteError('not_found', 'the person is not in this CRM (enable create_if_missing to create them)');
    }
    return resolution.chosen;
  }
}
