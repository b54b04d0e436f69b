import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
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
 *
 * The budget is a sliding window: each operation's unit comes back one interval after that operation started, so
 * no span of `intervalMs` ever holds more than `operations` starts, wherever the CRM's own window begins. (A
 * reservoir refilled on a fixed clock, as before, let a burst just before a refill and another just after it land in
 * one CRM window: up to twice the budget, measured by bench P4 as 22% 429s on HubSpot's 110-per-window limit.)
 * Idle, the whole budget is available at once, so a live lookup never waits for pacing it does not need.
 */
@Injectable()
export class ConnectorRateBudget implements OnApplicationShutdown {
  private readonly limiters = new Map<string, Bottleneck>();
  /** Units on their way back (one per operation started within the last interval), cleared on shutdown. */
  private readonly returns = new Set<NodeJS.Timeout>();

  schedule<T>(connectorId: string, budget: RateBudget, priority: CallPriority, work: () => Promise<T>): Promise<T> {
    const limiter = this.limiter(connectorId, budget);
    return limiter.schedule({ priority: PRIORITY[priority] }, () => {
      // Bottleneck took one unit from the reservoir to start this; it comes back one interval from now.
      const timer = setTimeout(() => {
        this.returns.delete(timer);
        void limiter.incrementReservoir(1);
      }, budget.intervalMs);
      timer.unref();
      this.returns.add(timer);
      return work();
    });
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

  /**
   * Last in the shutdown (Nest runs onModuleDestroy, then beforeApplicationShutdown, then this): the worker's
   * running jobs finish their CRM calls during its grace period first. Stopped in onModuleDestroy, the limiters
   * refused those calls ("This limiter has been stopped") and, while a hung call kept stop() waiting, every job the
   * still-running worker claimed failed the same way and used up an attempt.
   */
  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.returns) {
      clearTimeout(timer);
    }
    this.returns.clear();
    await Promise.all([...this.limiters.values()].map((limiter) => limiter.stop({ dropWaitingJobs: true })));
    this.limiters.clear();
  }

  private limiter(connectorId: string, budget: RateBudget): Bottleneck {
    // Keyed by the budget too: an admin's new budget takes effect on the next call.
    const key = `${connectorId}|${budget.operations}|${budget.intervalMs}|${budget.maxConcurrent}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      // No refresh interval: units return per operation (see schedule), never all at once on a clock.
      limiter = new Bottleneck({ maxConcurrent: budget.maxConcurrent, reservoir: budget.operations });
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}
