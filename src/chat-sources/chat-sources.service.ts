import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import { SecretBox } from '../common/crypto/secret-box';
import { NotFoundError } from '../common/errors/domain-error';
import { isUuid, newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { Database, row } from '../database/database';
import { ChatSourceEntity, type ChatSource, type SignatureMode } from './chat-source.entity';

export interface ChatSourceView {
  id: string;
  kind: string;
  name: string;
  signatureMode: SignatureMode;
  accountId: string | null;
  hasSecret: boolean;
  /** Where the chat system must send its webhooks. */
  webhookPath: string;
  createdAt: string;
}

function purpose(id: string): string {
  return `chat-source:${id}:secret`;
}

function view(source: ChatSource): ChatSourceView {
  return {
    id: source.id,
    kind: source.kind,
    name: source.name,
    signatureMode: source.signatureMode,
    accountId: source.accountId,
    hasSecret: source.secretEncrypted !== null,
    webhookPath: `/v1/webhooks/${source.kind}/${source.id}`,
    createdAt: source.createdAt.toISOString(),
  };
}

@Injectable()
export class ChatSourcesService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
  ) {}

  create(
    actor: Actor,
    workspaceId: string,
    input: { name: string; signatureMode: SignatureMode; secret?: string; accountId?: string },
  ): Promise<ChatSourceView> {
    return this.db.transaction(async (manager) => {
      const now = this.clock.now();
      const id = newId();
      const source: ChatSource = {
        id,
        workspaceId,
        kind: 'chatwoot',
        name: input.name,
        secretEncrypted: input.secret ? this.secrets.seal(input.secret, { workspaceId, purpose: purpose(id) }) : null,
        signatureMode: input.signatureMode,
        accountId: input.accountId ?? null,
        createdAt: now,
        updatedAt: now,
      };
      await this.db.repo(ChatSourceEntity, manager).insert(row(source));
      await this.audit.record(manager, actor, {
        workspaceId,
        action: 'chat_source.created',
        targetType: 'chat_source',
        targetId: id,
        details: { name: input.name, signatureMode: input.signatureMode, secret: input.secret ? 'set' : 'none' },
      });
      return view(source);
    });
  }

  async list(workspaceId: string): Promise<ChatSourceView[]> {
    const sources = await this.db.run((manager) =>
      this.db.repo(ChatSourceEntity, manager).find({ where: { workspaceId }, order: { createdAt: 'ASC' } }),
    );
    return sources.map(view);
  }

  async remove(actor: Actor, workspaceId: string, id: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      const result = isUuid(id)
        ? await this.db.repo(ChatSourceEntity, manager).delete({ id, workspaceId })
        : { affected: 0 };
      if (!result.affected) {
        throw new NotFoundError('Chat source');
      }
      await this.audit.record(manager, actor, {
        workspaceId,
        action: 'chat_source.deleted',
        targetType: 'chat_source',
        targetId: id,
      });
    });
  }

  /** For the public webhook route: the source by id alone (the id in the URL is what identifies the tenant). */
  async forWebhook(id: string): Promise<{ source: ChatSource; secret: string | null } | null> {
    const source = isUuid(id)
      ? await this.db.run((manager) => this.db.repo(ChatSourceEntity, manager).findOneBy({ id }))
      : null;
    if (!source) {
      return null;
    }
    const secret = source.secretEncrypted
      ? this.secrets.open(source.secretEncrypted, { workspaceId: source.workspaceId, purpose: purpose(source.id) })
      : null;
    return { source, secret };
  }
}
