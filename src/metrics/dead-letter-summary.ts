import { Injectable } from '@nestjs/common';
import { Database } from '../database/database';
import { JobEntity } from '../jobs/job.entity';

export interface DeadLetterCount {
  state: 'dead' | 'parked';
  type: string;
  /** The failure code of the last error (`none` when a job has none). */
  code: string;
  count: number;
}

/**
 * Dead and parked jobs grouped by type and failure code: one GROUP BY over the few rows in those states (the
 * state index finds them), cheap enough to run on every scrape, so the gauge is never staler than the scrape.
 */
@Injectable()
export class DeadLetterSummary {
  constructor(private readonly db: Database) {}

  async counts(): Promise<DeadLetterCount[]> {
    const rows = await this.db.run((manager) =>
      this.db
        .repo(JobEntity, manager)
        .createQueryBuilder('job')
        .select('job.state', 'state')
        .addSelect('job.type', 'type')
        .addSelect('job.lastErrorCode', 'code')
        .addSelect('COUNT(*)', 'count')
        .where('job.state IN (:...states)', { states: ['dead', 'parked'] })
        .groupBy('job.state')
        .addGroupBy('job.type')
        .addGroupBy('job.lastErrorCode')
        .getRawMany<{ state: 'dead' | 'parked'; type: string; code: string | null; count: string | number }>(),
    );
    return rows.map((row) => ({
      state: row.state,
      type: row.type,
      code: row.code ?? 'none',
      count: Number(row.count),
    }));
  }
}
