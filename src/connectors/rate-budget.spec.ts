import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConnectorRateBudget } from './rate-budget';

describe(ConnectorRateBudget.name, () => {
  it('runs a live lookup ahead of background work already waiting for the same budget', async () => {
    const budget = new ConnectorRateBudget();
    const order: string[] = [];
    const limit = { operations: 2, intervalMs: 150, maxConcurrent: 1 };
    const task = (name: string) => async () => {
      order.push(name);
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const background = Array.from({ length: 5 }, (_, index) =>
      budget.schedule('crm-1', limit, 'background', task(`bg${index}`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const live = budget.schedule('crm-1', limit, 'live', task('live'));
    await Promise.all([...background, live]);
    // Two background operations had the first interval's budget; the live one is next, before bg2..bg4.
    expect(order.indexOf('live')).toBe(2);
    expect(order).toHaveLength(6);
  });

  it('keeps budgets per connector: one busy CRM does not slow another', async () => {
    const budget = new ConnectorRateBudget();
    const limit = { operations: 1, intervalMs: 10_000, maxConcurrent: 1 };
    await budget.schedule('busy', limit, 'background', async () => undefined);
    const blocked = budget.schedule('busy', limit, 'background', async () => 'late');
    const started = Date.now();
    await expect(budget.schedule('other', limit, 'live', async () => 'ok')).resolves.toBe('ok');
    expect(Date.now() - started).toBeLessThan(500);
    expect(budget.queued('busy')).toBe(1);
    void blocked;
  });

  it('never starts more than the budget within one interval, even across what a fixed refresh clock would split', async () => {
    const budget = new ConnectorRateBudget();
    const limit = { operations: 3, intervalMs: 200, maxConcurrent: 10 };
    const starts: number[] = [];
    const task = async () => void starts.push(Date.now());
    // The first call creates the limiter; a burst arrives 150 ms later, just before a clock-driven refill at 200 ms.
    await budget.schedule('crm-1', limit, 'background', task);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await Promise.all(Array.from({ length: 6 }, () => budget.schedule('crm-1', limit, 'background', task)));
    expect(starts).toHaveLength(7);
    for (const start of starts) {
      // A few ms of slack for timer granularity: the point is 3, not 5 (what a refill at 200 ms allowed).
      const inWindow = starts.filter((other) => other >= start && other < start + limit.intervalMs - 10);
      expect(inWindow.length).toBeLessThanOrEqual(limit.operations);
    }
    // And the budget is used: the seventh start is one unit-return after the fourth, not later.
    expect(starts[6] - starts[0]).toBeLessThan(3 * limit.intervalMs);
    await budget.onApplicationShutdown();
  });

  it('lets a running job finish its CRM calls while the worker drains at shutdown', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running: { job?: Promise<string> } = {};
    @Injectable()
    class DrainingWorker implements BeforeApplicationShutdown {
      constructor(readonly budget: ConnectorRateBudget) {}
      // Like JobWorker: shutdown waits for the running job (its grace period).
      async beforeApplicationShutdown(): Promise<void> {
        await running.job?.catch(() => undefined);
      }
    }
    const app = await Test.createTestingModule({ providers: [ConnectorRateBudget, DrainingWorker] }).compile();
    await app.init();
    const { budget } = app.get(DrainingWorker);
    const limit = { operations: 10, intervalMs: 1000, maxConcurrent: 2 };
    // A job making two calls; shutdown begins while the first is on the wire.
    const job = (async () => {
      await budget.schedule('crm-1', limit, 'background', () => held);
      return budget.schedule('crm-1', limit, 'background', async () => 'second call ran');
    })();
    running.job = job;
    const closed = app.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await expect(job).resolves.toBe('second call ran');
    await closed;
  });
});
