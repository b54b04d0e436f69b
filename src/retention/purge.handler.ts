import { Inject, Injectable, Logger } from '@nestjs/common';
import { In, LessThan } from 'typeorm';
import { ChatMessageEntity } from '../chat/chat-message.entity';
import { ChatSessionEntity } from '../chat/chat-session.entity';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { ContextCache } from '../enrichment/context-cache';
import { ReceivedEventEntity } from '../events/received-event.entity';
import type { JobContext, JobHandler } from '../jobs/job-handler';
import { JobStore } from '../jobs/job-store';
import type { JobPayloads } from '../jobs/job-types';
import { WorkspaceEntity } from '../workspaces/workspace.entity';

const DAY_MS = 86_400_000;
// Deleting in slices keeps each transaction short (SQLite holds its single writer for the duration).
const SLICE = 500;

export interface PurgeReport {
  sessions: number;
  messages: number;
  jobs: number;
  receivedEvents: number;
  cachedContexts: number;
}

/** Enforces retention: chat data per workspace setting, finished jobs and dedupe records per service setting. */
@Injectable()
export class PurgeJobHandler implements JobHandler<JobPayloads['maintenance.purge']> {
  private readonly logger = new Logger(PurgeJobHandler.name);

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly jobs: JobStore,
    private readonly contextCache: ContextCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(context: JobContext<JobPayloads['maintenance.purge']>): Promise<void> {
    const report = await this.purge(context.signal);
    this.logger.log(`retention purge: ${JSON.stringify(report)}`);
  }

  async purge(signal?: AbortSignal): Promise<PurgeReport> {
    const now = this.clock.now().getTime();
    const report: PurgeReport = { sessions: 0, messages: 0, jobs: 0, receivedEvents: 0, cachedContexts: 0 };
    const workspaces = await this.db.run((manager) =>
      this.db.repo(WorkspaceEntity, manager).find({ select: { id: true, retentionDays: true } }),
    );
    for (const workspace of workspaces) {
      const cutoff = new Date(now - workspace.retentionDays * DAY_MS);
      for (;;) {
        signal?.throwIfAborted();
        const removed = await this.purgeSessionSlice(workspace.id, cutoff);
        report.sessions += removed.sessions;
        report.messages += removed.messages;
        if (removed.sessions < SLICE) {
          break;
        }
      }
    }
    report.jobs = await this.jobs.purgeFinished(new Date(now - this.config.jobs.retentionDays * DAY_MS));
    const eventsResult = await this.db.run((manager) =>
      this.db
        .repo(ReceivedEventEntity, manager)
        .delete({ receivedAt: LessThan(new Date(now - this.config.events.dedupeRetentionDays * DAY_MS)) }),
    );
    report.receivedEvents = eventsResult.affected ?? 0;
    report.cachedContexts = await this.contextCache.purgeExpired();
    return report;
  }

  /** Sessions closed before the cutoff, with their messages, in one transaction. Open sessions are kept. */
  private purgeSessionSlice(workspaceId: string, cutoff: Date): Promise<{ sessions: number; messages: number }> {
    return this.db.transaction(async (manager) => {
      const sessions = this.db.repo(ChatSessionEntity, manager);
      const expired = await sessions.find({
        select: { id: true },
        where: { workspaceId, closedAt: LessThan(cutoff) },
        take: SLICE,
      });
      if (expired.length === 0) {
        return { sessions: 0, messages: 0 };
      }
      const ids = expired.map((session) => session.id);
      const messages = await this.db.repo(ChatMessageEntity, manager).delete({ workspaceId, sessionId: In(ids) });
      await sessions.delete({ workspaceId, id: In(ids) });
      return { sessions: ids.length, messages: messages.affected ?? 0 };
    });
  }
}
