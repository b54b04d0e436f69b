import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import Bottleneck from 'bottleneck';

/** Live lookups (an agent is waiting) go ahead of background work (transcripts, sync) on the same CRM budget. */
export type CallPriority = 'live' | 'background';

export interface RateBudget {
  /** Operations allowed per interval (an operation may make a few HTTP calls: keep headroom below the CRM limit). */
  operations: number;
  intervalMs: number;
  /** Operations in flight at once. */
  maxConcurrent: number;
}

export const DEFAULT_RATE_BUDGET: RateBudget = { operations: 20, intervalMs: 1000, maxConcurrent: 10 };

// Bottleneck runs lower numbers first (0–9, default 5).
const PRIORITY: Record<CallPriority, number> = { live: 1, background: 7 };

/**
 * One budget per connector in this process, shared by every caller, so the service paces itself below the CRM's
 * limit instead of learning it from 429s, and queues live lookups ahead of background work. Per process: several
 * instances each keep their own budget (set it to the CRM limit divided by the instance count); the job queue's
 * group pause covers the rest when the CRM still says 429.
 */
@Injectable()
export class ConnectorRateBudget implements OnModuleDestroy {
  private readonly limiters = new Map<string, Bottleneck>();

  schedule<T>(connectorId: string, budget: RateBudget, priority: CallPriority, work: () => Promise<T>): Promise<T> {
    return this.limiter(connectorId, budget).schedule({ priority: PRIORITY[priority] }, work);
  }

  /** Operations waiting for budget on one connector (for tests and metrics). */
  queued(connectorId: string): number {
    let waiting = 0;
    for (const [key, limiter] of this.limiters) {
      if (key.startsWith(`${connectorId}|`)) {
        waiting += limiter.queued();
      }
    }
    return waiting;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.limiters.values()].map((limiter) => limiter.stop({ dropWaitingJobs: true })));
    this.limiters.clear();
  }

  private limiter(connectorId: string, budget: RateBudget): Bottleneck {
    // Keyed by the budget too: an admin's new budget takes effect on the next call.
    const key = `${connectorId}|${budget.operations}|${budget.intervalMs}|${budget.maxConcurrent}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new Bottleneck({
        maxConcurrent: budget.maxConcurrent,
        reservoir: budget.operations,
        reservoirRefreshAmount: budget.operations,
        reservoirRefreshInterval: budget.intervalMs,
      });
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}
