import { Inject, Injectable, Logger } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConnectorContextFactory } from '../connectors/connector-context.factory';
import { ConnectorEntity, type ConnectorRow } from '../connectors/connector.entity';
import { ConnectorError } from '../connectors/connector.errors';
import type { ChangePage } from '../connectors/crm.types';
import { Database, row } from '../database/database';
import type { JobContext, JobHandler } from '../jobs/job-handler';
import type { JobPayloads } from '../jobs/job-types';
import { CrmChangeApplier } from './crm-change-applier';

export interface PullReport {
  /** done: read up to the end or the page limit; skipped: connector gone or not active; superseded: another run moved the cursor. */
  outcome: 'done' | 'skipped' | 'superseded';
  pages: number;
  accepted: number;
  duplicate: number;
}

/** The cursor moved under this run: another pull of the same connector got there first. */
class CursorMoved extends Error {}

const MAX_ERROR_LENGTH = 1000;

/**
 * One incremental pull of one connector: `listChanges` page by page, at most CRM_PULL_MAX_PAGES per run. Each page's
 * changes are applied exactly as a webhook's are (CrmChangeApplier) in the same transaction that saves the page's
 * cursor, so a run that dies after page n resumes after page n and never applies a page twice. Saving the cursor is
 * a compare-and-swap on the cursor the page was read from: two runs of one connector cannot both apply a page (on
 * PostgreSQL the second waits on the row lock, then finds the cursor moved and stops).
 */
@Injectable()
export class CrmPullHandler implements JobHandler<JobPayloads['crm.pull']> {
  private readonly logger = new Logger(CrmPullHandler.name);

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly contexts: ConnectorContextFactory,
    private readonly applier: CrmChangeApplier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle({ job, payload, signal }: JobContext<JobPayloads['crm.pull']>): Promise<void> {
    if (!job.workspaceId) {
      return;
    }
    const report = await this.pull(job.workspaceId, payload.connectorId, signal);
    if (report.accepted > 0 || report.outcome !== 'done') {
      this.logger.log(`pull of connector ${payload.connectorId}: ${JSON.stringify(report)}`);
    }
  }

  async pull(workspaceId: string, connectorId: string, signal?: AbortSignal): Promise<PullReport> {
    const report: PullReport = { outcome: 'done', pages: 0, accepted: 0, duplicate: 0 };
    const stored = await this.load(workspaceId, connectorId);
    // A connector that needs re-authorisation or was disabled is pulled again by the first tick after it is fixed.
    if (!stored || stored.status !== 'active') {
      return { ...report, outcome: 'skipped' };
    }
    let cursor = stored.pullCursor;
    while (report.pages < this.config.crm.pullMaxPages) {
      signal?.throwIfAborted();
      // A fresh context per page: its deadline (CRM_CALL_TIMEOUT_MS) is per call, not per run.
      const { connector, ctx } = await this.contexts.open(stored, { priority: 'background', signal });
      let page: ChangePage;
      try {
        page = await connector.listChanges(ctx, cursor);
      } catch (error) {
        await this.recordError(stored, error);
        throw error;
      }
      const from = cursor;
      try {
        const applied = await this.db.transaction(async (manager) => {
          // The compare-and-swap comes first: on PostgreSQL it also locks the row until this page is committed.
          const moved = await this.db
            .repo(ConnectorEntity, manager)
            .update(
              { id: stored.id, workspaceId, pullCursor: from === null ? IsNull() : from },
              row<ConnectorRow>({ pullCursor: page.cursor, lastPullAt: this.clock.now(), lastPullError: null }),
            );
          if ((moved.affected ?? 0) === 0) {
            throw new CursorMoved();
          }
          return this.applier.apply(manager, stored, page.changes);
        });
        report.accepted += applied.accepted;
        report.duplicate += applied.duplicate;
      } catch (error) {
        if (error instanceof CursorMoved) {
          return { ...report, outcome: 'superseded' };
        }
        throw error;
      }
      report.pages += 1;
      cursor = page.cursor;
      if (!page.hasMore) {
        break;
      }
    }
    return report;
  }

  private load(workspaceId: string, connectorId: string): Promise<ConnectorRow | null> {
    return this.db.run((manager) => this.db.repo(ConnectorEntity, manager).findOneBy({ id: connectorId, workspaceId }));
  }

  /** Shown on GET /v1/connectors/:id; the job's own retry/park/dead decision is the retry policy's. */
  private async recordError(connector: ConnectorRow, error: unknown): Promise<void> {
    const code = error instanceof ConnectorError ? error.code : 'unknown';
    const message = error instanceof Error ? error.message : String(error);
    await this.db
      .run((manager) =>
        this.db
          .repo(ConnectorEntity, manager)
          .update(
            { id: connector.id, workspaceId: connector.workspaceId },
            row<ConnectorRow>({ lastPullError: `${code}: ${message}`.slice(0, MAX_ERROR_LENGTH) }),
          ),
      )
      .catch((recordFailure: unknown) => {
        this.logger.warn({ err: recordFailure }, `could not record the pull error of connector ${connector.id}`);
      });
  }
}
