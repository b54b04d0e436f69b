import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { ConnectorEntity } from '../connectors/connector.entity';
import { ConnectorRegistry } from '../connectors/connector.registry';
import { connectorJobGroup } from '../connectors/connectors.service';
import { Database } from '../database/database';
import type { JobContext, JobHandler } from '../jobs/job-handler';
import { JobEntity } from '../jobs/job.entity';
import { JobQueue } from '../jobs/job-queue';
import type { JobPayloads } from '../jobs/job-types';

/** Pulls are background work: behind live work (10) and ordinary writes (100) of the same connector. */
export const PULL_PRIORITY = 200;

/** Roles whose data a pull refreshes: cached contexts (enrich) and escalated cases (escalation). */
const ROLES_THAT_PULL = ['enrich', 'escalation'];

/**
 * A CRM_PULL_CRON tick: enqueues one `crm.pull` per active connector, keyed by connector and tick (this job's id,
 * itself unique per tick), so running this twice for one tick enqueues nothing new. Each pull is in the connector's
 * job group: a 429 pause of that connector holds its pulls too. A connector whose previous pull is still queued,
 * running or parked gets none: while a CRM is down, ticks would otherwise pile up pulls that all retry.
 */
@Injectable()
export class CrmPullFanOutHandler implements JobHandler<JobPayloads['crm.pull.fan-out']> {
  constructor(
    private readonly db: Database,
    private readonly registry: ConnectorRegistry,
    private readonly queue: JobQueue,
  ) {}

  async handle({ job }: JobContext<JobPayloads['crm.pull.fan-out']>): Promise<void> {
    await this.enqueuePulls(job.id);
  }

  async enqueuePulls(tickId: string): Promise<{ enqueued: number; pending: number }> {
    const incremental = new Set<string>(
      this.registry
        .descriptors()
        .filter((descriptor) => descriptor.capabilities.incrementalSync)
        .map((descriptor) => descriptor.kind),
    );
    return this.db.transaction(async (manager) => {
      const connectors = (
        await this.db.repo(ConnectorEntity, manager).find({
          where: { status: 'active' },
          select: { id: true, workspaceId: true, kind: true, roles: true },
          order: { createdAt: 'ASC' },
        })
      ).filter(
        (connector) =>
          incremental.has(connector.kind) && connector.roles.some((role) => ROLES_THAT_PULL.includes(role)),
      );
      const unfinished = await this.db.repo(JobEntity, manager).find({
        where: { type: 'crm.pull', state: In(['queued', 'running', 'parked']) },
        select: { groupKey: true },
      });
      const busy = new Set(unfinished.map((pull) => pull.groupKey));
      let enqueued = 0;
      let pending = 0;
      for (const connector of connectors) {
        const groupKey = connectorJobGroup(connector.id);
        if (busy.has(groupKey)) {
          pending += 1;
          continue;
        }
        const result = await this.queue.enqueue(manager, {
          type: 'crm.pull',
          payload: { connectorId: connector.id },
          workspaceId: connector.workspaceId,
          idempotencyKey: `crm.pull:${connector.id}:${tickId}`,
          groupKey,
          priority: PULL_PRIORITY,
        });
        if (!result.duplicate) {
          enqueued += 1;
        }
      }
      return { enqueued, pending };
    });
  }
}
