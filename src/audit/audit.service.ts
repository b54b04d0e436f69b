import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { actorName, type Actor } from '../common/auth/principal';
import { newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { Database, row } from '../database/database';
import { AuditEntryEntity, type AuditEntry } from './audit-entry.entity';

export interface AuditRecord {
  workspaceId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  /** Must never contain a secret: say "credentials replaced", not what they were. */
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Written inside the caller's transaction: the change and its audit entry commit together or not at all. */
  async record(manager: EntityManager, actor: Actor, record: AuditRecord): Promise<void> {
    await this.db.repo(AuditEntryEntity, manager).insert(
      row<AuditEntry>({
        id: newId(),
        workspaceId: record.workspaceId,
        actor: actorName(actor.principal),
        action: record.action,
        targetType: record.targetType,
        targetId: record.targetId,
        details: record.details ?? {},
        requestId: actor.requestId,
        createdAt: this.clock.now(),
      }),
    );
  }

  async list(workspaceId: string, options: { limit: number; before?: Date }): Promise<AuditEntry[]> {
    return this.db.run((manager) => {
      const query = this.db
        .repo(AuditEntryEntity, manager)
        .createQueryBuilder('entry')
        .where('entry.workspaceId = :workspaceId', { workspaceId })
        .orderBy('entry.createdAt', 'DESC')
        .limit(options.limit);
      if (options.before) {
        query.andWhere('entry.createdAt < :before', { before: options.before });
      }
      return query.getMany();
    });
  }
}
