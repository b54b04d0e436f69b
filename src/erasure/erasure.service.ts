import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ChatMessageEntity } from '../chat/chat-message.entity';
import { ChatSessionEntity } from '../chat/chat-session.entity';
import type { Actor } from '../common/auth/principal';
import { ValidationFailedError } from '../common/errors/domain-error';
import { Database } from '../database/database';
import { ContextCacheEntity } from '../enrichment/context-cache.entity';
import { normalizeIdentifiers } from '../identity/normalize-identifiers';
import { IdentityLinkEntity } from '../visitors/identity-link.entity';
import { VisitorEntity } from '../visitors/visitor.entity';
import { WorkspaceEntity } from '../workspaces/workspace.entity';

export interface ErasureReport {
  visitors: number;
  sessions: number;
  messages: number;
  cachedContexts: number;
  links: Array<{ connectorId: string; recordId: string }>;
}

/**
 * Erases what this service stores about a person (GDPR Art. 17): visitors matching the identifiers, their chat
 * sessions and messages, cached contexts and identity links — in one transaction. The CRM records are the CRMs'
 * own data: the report lists the linked records so the operator can notify those recipients (Art. 19).
 */
@Injectable()
export class ErasureService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  async erase(actor: Actor, workspaceId: string, raw: Record<string, unknown>): Promise<ErasureReport> {
    const workspace = await this.db.run((manager) =>
      this.db.repo(WorkspaceEntity, manager).findOneBy({ id: workspaceId }),
    );
    const normalized = normalizeIdentifiers(raw, workspace?.defaultRegion ?? 'US');
    if (!normalized.ok) {
      throw new ValidationFailedError(normalized.problems);
    }
    const { externalId, email, phone } = normalized.identifiers;
    return this.db.transaction(async (manager) => {
      const visitors = this.db.repo(VisitorEntity, manager);
      const matches = [
        ...(externalId ? await visitors.findBy({ workspaceId, externalId }) : []),
        ...(email ? await visitors.findBy({ workspaceId, email }) : []),
        ...(phone ? await visitors.findBy({ workspaceId, phone }) : []),
      ];
      const visitorIds = [...new Set(matches.map((visitor) => visitor.id))];
      const report: ErasureReport = {
        visitors: visitorIds.length,
        sessions: 0,
        messages: 0,
        cachedContexts: 0,
        links: [],
      };
      if (visitorIds.length > 0) {
        const sessions = await this.db
          .repo(ChatSessionEntity, manager)
          .find({ where: { workspaceId, visitorId: In(visitorIds) }, select: { id: true } });
        const sessionIds = sessions.map((session) => session.id);
        if (sessionIds.length > 0) {
          report.messages =
            (await this.db.repo(ChatMessageEntity, manager).delete({ workspaceId, sessionId: In(sessionIds) }))
              .affected ?? 0;
          report.sessions =
            (await this.db.repo(ChatSessionEntity, manager).delete({ workspaceId, id: In(sessionIds) })).affected ?? 0;
        }
        const links = await this.db
          .repo(IdentityLinkEntity, manager)
          .findBy({ workspaceId, visitorId: In(visitorIds) });
        report.links = links.map((link) => ({ connectorId: link.connectorId, recordId: link.recordId }));
        await this.db.repo(IdentityLinkEntity, manager).delete({ workspaceId, visitorId: In(visitorIds) });
        report.cachedContexts =
          (await this.db.repo(ContextCacheEntity, manager).delete({ workspaceId, visitorId: In(visitorIds) }))
            .affected ?? 0;
        await visitors.delete({ workspaceId, id: In(visitorIds) });
      }
      // The audit entry names no identifier: recording who was erased would keep what we just deleted.
      await this.audit.record(manager, actor, {
        workspaceId,
        action: 'visitor.erased',
        targetType: 'visitor',
        targetId: null,
        details: {
          visitors: report.visitors,
          sessions: report.sessions,
          messages: report.messages,
          crmRecords: report.links.length,
        },
      });
      return report;
    });
  }
}
