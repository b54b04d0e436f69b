import { Injectable } from '@nestjs/common';
import { Clock } from '../time/clock';
import { Database } from '../../database/database';
import { LeaseEntity } from './lease.entity';

/**
 * Cross-instance mutual exclusion with expiry, on the service's own database (no Redis needed). A holder that dies
 * loses the lease when it expires, so nothing stays locked forever.
 */
@Injectable()
export class LeaseService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** True when `owner` now holds `name` until now + ttlMs (fresh, expired-and-taken-over, or already its own). */
  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    return this.db.transaction(async (manager) => {
      const repo = this.db.repo(LeaseEntity, manager);
      await repo.createQueryBuilder().insert().values({ name, owner, expiresAt }).orIgnore().execute();
      const taken = await repo
        .createQueryBuilder()
        .update()
        .set({ owner, expiresAt })
        .where('name = :name AND (owner = :owner OR expires_at < :now)', { name, owner, now })
        .execute();
      if ((taken.affected ?? 0) > 0) {
        return true;
      }
      const current = await repo.findOneBy({ name });
      return current?.owner === owner;
    });
  }

  async release(name: string, owner: string): Promise<void> {
    await this.db.run((manager) => this.db.repo(LeaseEntity, manager).delete({ name, owner }));
  }
}
