/**
 * The one place that decides what a failed job does next. Every failure is reduced to a code from this closed set
 * (connectors map vendor errors onto it); the switch below is exhaustive, so a new code cannot be forgotten.
 */
export const FAILURE_CODES = [
  'auth_expired',
  'forbidden',
  'rate_limited',
  'quota_exhausted',
  'not_found',
  'invalid_request',
  'conflict',
  'unavailable',
  'timeout',
  'unknown',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export interface JobFailure {
  code: FailureCode;
  message: string;
  /** The remote side said when to come back (Retry-After, rate-limit reset). */
  retryAfterMs?: number;
}

/** Errors that know their failure code (ConnectorError and friends) implement this. */
export interface ClassifiedError {
  readonly failure: JobFailure;
}

function isClassified(error: unknown): error is ClassifiedError {
  const failure = (error as Partial<ClassifiedError> | null)?.failure;
  return !!failure && (FAILURE_CODES as readonly string[]).includes(failure.code);
}

export function toJobFailure(error: unknown): JobFailure {
  if (isClassified(error)) {
    return error.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'unknown', message };
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed and half random, so retries of many jobs that
 * failed together spread out, yet each retry still waits at least half the exponential step.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

export type NextStep =
  /** Run again at `runAt`. `refundAttempt`: the failure was the remote side pacing us, not the job failing. */
  | { kind: 'retry'; runAt: Date; refundAttempt: boolean; pauseGroupUntil?: Date }
  /** Keep the job but stop trying until a human fixes the cause (re-authorise the connector). */
  | { kind: 'park'; reason: string }
  /** Give up; the job keeps its last error for the dead-letter list. */
  | { kind: 'dead'; reason: string };

export function decideNextStep(
  failure: JobFailure,
  attempts: number,
  maxAttempts: number,
  now: Date,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): NextStep {
  const later = (delayMs: number) => new Date(now.getTime() + delayMs);
  switch (failure.code) {
    case 'rate_limited':
    case 'quota_exhausted': {
      // Honour the CRM's own schedule, and hold back every job for that CRM, not only this one.
      const waitMs = Math.max(failure.retryAfterMs ?? 0, backoffDelayMs(1, policy, random));
      return { kind: 'retry', runAt: later(waitMs), refundAttempt: true, pauseGroupUntil: later(waitMs) };
    }
    case 'unavailable':
    case 'timeout':
    case 'conflict':
    case 'unknown': {
      if (attempts >= maxAttempts) {
        return { kind: 'dead', reason: `gave up after ${attempts} attempts: ${failure.code}: ${failure.message}` };
      }
      const waitMs = Math.max(failure.retryAfterMs ?? 0, backoffDelayMs(attempts, policy, random));
      return { kind: 'retry', runAt: later(waitMs), refundAttempt: false };
    }
    case 'auth_expired':
    case 'forbidden':
      return { kind: 'park', reason: `${failure.code}: ${failure.message}` };
    case 'not_found':
    case 'invalid_request':
      return { kind: 'dead', reason: `${failure.code}: ${failure.message}` };
  }
}
