import type { EntityManager } from 'typeorm';
import { newId } from '../common/ids';
import type { Database } from '../database/database';
import { ReceivedEventEntity } from './received-event.entity';

/**
 * Records an inbound event inside the caller's transaction; true only the first time this (workspace, source, key)
 * is seen. The unique index decides, so two concurrent deliveries of the same event cannot both be taken.
 */
export async function rememberReceivedEvent(
  db: Database,
  manager: EntityManager,
  event: { workspaceId: string; source: string; eventKey: string; receivedAt: Date },
): Promise<boolean> {
  const repo = db.repo(ReceivedEventEntity, manager);
  const id = newId();
  await repo
    .createQueryBuilder()
    .insert()
    .values({ id, ...event })
    .orIgnore()
    .execute();
  const stored = await repo.findOne({
    where: { workspaceId: event.workspaceId, source: event.source, eventKey: event.eventKey },
    select: { id: true },
  });
  return stored?.id === id;
}
