import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { LeaseService } from '../common/leases/lease.service';
import { newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { Database, row } from '../database/database';
import type { ConnectionContext, CrmConnector } from '../connectors/crm-connector.port';
import type { CrmPerson, MatchedBy, PersonMatch } from '../connectors/crm.types';
import { IdentityLinkEntity, type IdentityLink } from '../visitors/identity-link.entity';
import type { Visitor } from '../visitors/visitor.entity';
import type { NormalizedIdentifiers } from './identity.types';

export interface Resolution {
  chosen: CrmPerson | null;
  matches: Array<{ person: CrmPerson; matchedBy: MatchedBy | 'link' | 'created' }>;
}

const PRIORITY: MatchedBy[] = ['external_id', 'email', 'phone'];
const CREATE_LEASE_MS = 15_000;
/** Record the read-back at most this often: the lookup path stays write-free in the common case. */
const REVERIFY_RECORD_MS = 60 * 60 * 1000;

function newest(people: CrmPerson[]): CrmPerson {
  return [...people].sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''))[0];
}

/**
 * Which CRM record is this visitor? A stored link answers without searching (and is re-checked: a deleted or
 * merged record makes us search again). Otherwise the strongest identifier that matches wins (external id > email
 * > phone); several records for it are an ambiguous match: the most recently updated is used and the others are
 * reported, never merged. Optionally the person is created, once, through the connector's race-free upsert.
 */
@Injectable()
export class IdentityResolver {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly leases: LeaseService,
  ) {}

  async resolve(
    connector: CrmConnector,
    ctx: ConnectionContext,
    visitor: Visitor,
    identifiers: NormalizedIdentifiers,
    options: { createIfMissing: boolean; identityKey: string },
  ): Promise<Resolution> {
    const link = await this.db.run((manager) =>
      this.db.repo(IdentityLinkEntity, manager).findOneBy({ visitorId: visitor.id, connectorId: ctx.connectorId }),
    );
    if (link) {
      const person = await connector.getPerson(ctx, link.recordId);
      if (person) {
        if (this.clock.now().getTime() - link.verifiedAt.getTime() > REVERIFY_RECORD_MS) {
          await this.db.run((manager) =>
            this.db.repo(IdentityLinkEntity, manager).update({ id: link.id }, { verifiedAt: this.clock.now() }),
          );
        }
        return { chosen: person, matches: [{ person, matchedBy: 'link' }] };
      }
      await this.db.run((manager) => this.db.repo(IdentityLinkEntity, manager).delete({ id: link.id }));
    }

    const found = await connector.findPeople(ctx, identifiers);
    const best = this.strongest(found);
    if (best.length > 0) {
      const chosen = newest(best.map((match) => match.person));
      const matchedBy = best[0].matchedBy;
      await this.saveLink(
        ctx,
        visitor,
        chosen.id,
        matchedBy,
        best.length === 1 ? 1 : 0.5,
        best.map((m) => m.person.id).filter((id) => id !== chosen.id),
      );
      return { chosen, matches: best };
    }

    if (!options.createIfMissing || !connector.descriptor.capabilities.upsertPerson) {
      return { chosen: null, matches: [] };
    }
    return this.createOnce(connector, ctx, visitor, identifiers, options.identityKey);
  }

  /** One creator per (connector, identity) across instances; the upsert itself is the CRM-side guarantee. */
  private async createOnce(
    connector: CrmConnector,
    ctx: ConnectionContext,
    visitor: Visitor,
    identifiers: NormalizedIdentifiers,
    identityKey: string,
  ): Promise<Resolution> {
    // Keyed by identity, not by our visitor row: two instances that each created a visitor row still share it.
    const leaseName = `create-person:${ctx.connectorId}:${createHash('sha256').update(identityKey).digest('hex')}`;
    const owner = newId();
    for (;;) {
      ctx.signal.throwIfAborted();
      if (await this.leases.acquire(leaseName, owner, CREATE_LEASE_MS)) {
        try {
          const again = this.strongest(await connector.findPeople(ctx, identifiers));
          if (again.length > 0) {
            const chosen = newest(again.map((match) => match.person));
            await this.saveLink(ctx, visitor, chosen.id, again[0].matchedBy, again.length === 1 ? 1 : 0.5, []);
            return { chosen, matches: again };
          }
          const ref = await connector.upsertPerson(ctx, {
            ...(identifiers.externalId ? { externalId: identifiers.externalId } : {}),
            ...(identifiers.email ? { email: identifiers.email } : {}),
            ...(identifiers.phone ? { phone: identifiers.phone } : {}),
            ...(identifiers.name ? { name: identifiers.name } : {}),
          });
          const person = await connector.getPerson(ctx, ref.id);
          await this.saveLink(ctx, visitor, ref.id, 'created', 1, []);
          return person
            ? { chosen: person, matches: [{ person, matchedBy: 'created' }] }
            : { chosen: null, matches: [] };
        } finally {
          await this.leases.release(leaseName, owner);
        }
      }
      // Someone else is creating this person right now: wait for their link.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const link = await this.db.run((manager) =>
        this.db.repo(IdentityLinkEntity, manager).findOneBy({ visitorId: visitor.id, connectorId: ctx.connectorId }),
      );
      if (link) {
        const person = await connector.getPerson(ctx, link.recordId);
        if (person) {
          return { chosen: person, matches: [{ person, matchedBy: 'link' }] };
        }
      }
    }
  }

  /** The visitor's link to a record of this connector, if it was verified within `maxAgeMs`. */
  async linkVerifiedSince(visitorId: string, connectorId: string, maxAgeMs: number): Promise<IdentityLink | null> {
    const link = await this.db.run((manager) =>
      this.db.repo(IdentityLinkEntity, manager).findOneBy({ visitorId, connectorId }),
    );
    return link && link.verifiedAt.getTime() >= this.clock.now().getTime() - maxAgeMs ? link : null;
  }

  /** A write through the link failed: the next use re-reads the record before trusting it. */
  async markUnverified(linkId: string): Promise<void> {
    await this.db.run((manager) =>
      this.db.repo(IdentityLinkEntity, manager).update({ id: linkId }, { verifiedAt: new Date(0) }),
    );
  }

  private strongest(found: PersonMatch[]): PersonMatch[] {
    for (const matchedBy of PRIORITY) {
      const matches = found.filter((match) => match.matchedBy === matchedBy);
      if (matches.length > 0) {
        return matches;
      }
    }
    return [];
  }

  private async saveLink(
    ctx: ConnectionContext,
    visitor: Visitor,
    recordId: string,
    matchedBy: IdentityLink['matchedBy'],
    confidence: number,
    candidates: string[],
  ): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction(async (manager) => {
      const repo = this.db.repo(IdentityLinkEntity, manager);
      await repo.delete({ visitorId: visitor.id, connectorId: ctx.connectorId });
      await repo.insert(
        row<IdentityLink>({
          id: newId(),
          workspaceId: ctx.workspaceId,
          visitorId: visitor.id,
          connectorId: ctx.connectorId,
          objectType: 'person',
          recordId,
          matchedBy,
          confidence,
          candidates,
          createdAt: now,
          verifiedAt: now,
        }),
      );
    });
  }
}
