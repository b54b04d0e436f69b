import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { Database } from '../database/database';
import type { NormalizedIdentifiers } from '../identity/identity.types';
import { VisitorEntity, type Visitor } from './visitor.entity';

/** Our record of a chat visitor, found by the strongest identifier the chat system gave. */
@Injectable()
export class VisitorsService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Finds the visitor by external id > email > phone (within the workspace), filling in identifiers learnt since. */
  async findOrCreate(
    manager: EntityManager,
    workspaceId: string,
    identifiers: NormalizedIdentifiers,
  ): Promise<Visitor> {
    const repo = this.db.repo(VisitorEntity, manager);
    const lookups: Array<{ externalId: string } | { email: string } | { phone: string }> = [];
    if (identifiers.externalId) {
      lookups.push({ externalId: identifiers.externalId });
    }
    if (identifiers.email) {
      lookups.push({ email: identifiers.email });
    }
    if (identifiers.phone) {
      lookups.push({ phone: identifiers.phone });
    }
    for (const lookup of lookups) {
      const found = await repo.findOne({ where: { workspaceId, ...lookup }, order: { createdAt: 'ASC' } });
      if (found) {
        const learnt: Partial<Visitor> = {};
        if (!found.externalId && identifiers.externalId) {
          learnt.externalId = identifiers.externalId;
        }
        if (!found.email && identifiers.email) {
          learnt.email = identifiers.email;
        }
        if (!found.phone && identifiers.phone) {
          learnt.phone = identifiers.phone;
        }
        if (!found.name && identifiers.name) {
          learnt.name = identifiers.name;
        }
        if (Object.keys(learnt).length > 0) {
          learnt.updatedAt = this.clock.now();
          await repo.update({ id: found.id, workspaceId }, learnt);
        }
        return { ...found, ...learnt };
      }
    }
    const now = this.clock.now();
    const visitor: Visitor = {
      id: newId(),
      workspaceId,
      externalId: identifiers.externalId ?? null,
      email: identifiers.email ?? null,
      phone: identifiers.phone ?? null,
      cookieId: identifiers.cookieId ?? null,
      name: identifiers.name ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await repo.insert(visitor);
    return visitor;
  }

  async get(workspaceId: string, id: string): Promise<Visitor | null> {
    return this.db.run((manager) => this.db.repo(VisitorEntity, manager).findOneBy({ id, workspaceId }));
  }
}
