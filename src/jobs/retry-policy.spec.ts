import { backoffDelayMs, decideNextStep, toJobFailure, type JobFailure } from './retry-policy';

const policy = { baseMs: 1000, maxMs: 60_000 };
const now = new Date('2026-01-01T00:00:00Z');
const at = (step: ReturnType<typeof decideNextStep>) =>
  step.kind === 'retry' ? step.runAt.getTime() - now.getTime() : NaN;

describe('backoffDelayMs', () => {
  it('doubles per attempt with jitter between half and the full step, capped', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(500);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(1000);
    expect(backoffDelayMs(2, policy, () => 0)).toBe(1000);
    expect(backoffDelayMs(4, policy, () => 1)).toBe(8000);
    expect(backoffDelayMs(30, policy, () => 1)).toBe(60_000);
    expect(backoffDelayMs(30, policy, () => 0)).toBe(30_000);
  });

  it('produces the documented schedule for attempts 1..6 (upper bounds)', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000,
    ]);
  });
});

describe('decideNextStep', () => {
  const failure = (code: JobFailure['code'], retryAfterMs?: number): JobFailure => ({
    code,
    message: 'boom',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

  it.each(['unavailable', 'timeout', 'conflict', 'unknown'] as const)(
    'retries %s with backoff until max attempts, then dead',
    (code) => {
      const retry = decideNextStep(failure(code), 3, 5, now, policy, () => 1);
      expect(retry).toMatchObject({ kind: 'retry', refundAttempt: false });
      expect(at(retry)).toBe(4000);
      expect(decideNextStep(failure(code), 5, 5, now, policy)).toMatchObject({ kind: 'dead' });
    },
  );

  it('honours a retry-after that is longer than the backoff', () => {
    expect(at(decideNextStep(failure('unavailable', 30_000), 1, 5, now, policy, () => 1))).toBe(30_000);
  });

  it.each(['rate_limited', 'quota_exhausted'] as const)(
    '%s waits for retry-after, refunds the attempt and pauses the group',
    (code) => {
      const step = decideNextStep(failure(code, 12_000), 9, 5, now, policy, () => 1);
      expect(step).toMatchObject({ kind: 'retry', refundAttempt: true });
      expect(at(step)).toBe(12_000);
      expect(step.kind === 'retry' && step.pauseGroupUntil?.getTime()).toBe(now.getTime() + 12_000);
    },
  );

  it.each(['auth_expired', 'forbidden'] as const)('parks %s (needs a human)', (code) => {
    expect(decideNextStep(failure(code), 1, 5, now, policy)).toMatchObject({ kind: 'park' });
  });

  it.each(['not_found', 'invalid_request'] as const)('dead-letters %s at once, keeping the reason', (code) => {
    expect(decideNextStep(failure(code), 1, 5, now, policy)).toEqual({ kind: 'dead', reason: `${code}: boom` });
  });
});

describe('toJobFailure', () => {
  it('keeps a classified failure and turns anything else into unknown', () => {
    const classified = { failure: { code: 'rate_limited', message: 'slow down', retryAfterMs: 5 } };
    expect(toJobFailure(classified)).toEqual(classified.failure);
    expect(toJobFailure(new Error('x'))).toEqual({ code: 'unknown', message: 'x' });
    expect(toJobFailure({ failure: { code: 'made_up', message: '' } })).toEqual({
      code: 'unknown',
      message: '[object Object]',
    });
  });
});
