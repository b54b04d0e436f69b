import type { EntityManager } from 'typeorm';
import { isUuid } from '../common/ids';
import type { Database } from '../database/database';
import { ChatSessionEntity, type ChatSession } from './chat-session.entity';

/**
 * A session of the workspace by the chat system's id (what callers normally send) or, failing that, by our own id.
 * Other workspaces' sessions are never found.
 */
export async function findSession(
  db: Database,
  manager: EntityManager,
  workspaceId: string,
  sessionId: string,
): Promise<ChatSession | null> {
  const repo = db.repo(ChatSessionEntity, manager);
  return (
    (await repo.findOneBy({ workspaceId, externalId: sessionId })) ??
    (isUuid(sessionId) ? await repo.findOneBy({ workspaceId, id: sessionId }) : null)
  );
}
