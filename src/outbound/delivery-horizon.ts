import type { BackoffPolicy } from '../jobs/retry-policy';

/** Receivers may be down for a day (a deploy gone wrong, a weekend): deliveries keep trying at least this long. */
export const WEBHOOK_RETRY_HORIZON_MS = 24 * 60 * 60 * 1000;
/** Upper bound on attempts, whatever the backoff settings (the same bound JOB_MAX_ATTEMPTS has). */
export const WEBHOOK_MAX_ATTEMPTS_CAP = 100;

/**
 * The shortest and longest time between a job's first attempt and its last, given `maxAttempts` and the queue's
 * backoff (`backoffDelayMs`: after attempt k the job waits between exp(k)/2 and exp(k), exp(k) = min(max, base·2^(k-1));
 * there are maxAttempts − 1 waits). 429s with Retry-After refund their attempt, so they only lengthen this.
 */
export function retryHorizonMs(maxAttempts: number, policy: BackoffPolicy): { minMs: number; maxMs: number } {
  let total = 0;
  for (let attempt = 1; attempt < maxAttempts; attempt += 1) {
    total += Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  }
  return { minMs: total / 2, maxMs: total };
}

/**
 * maxAttempts for a webhook delivery: the smallest count whose *shortest* retry horizon (every jitter at its
 * minimum) reaches 24 h, capped at WEBHOOK_MAX_ATTEMPTS_CAP.
 *
 * With the defaults (JOB_BACKOFF_BASE_MS 1 s, JOB_BACKOFF_MAX_MS 1 h) the waits are 1 s, 2 s, … 2048 s (attempts
 * 1–12, 4095 s in all), then 1 h each. "30 attempts" would NOT be enough: 29 waits = 4095 s + 17 h = 18.1 h at
 * most, only 9.1 h at the jitter's minimum. The answer here is 60 attempts: 59 waits = 4095 s + 47 h of steps,
 * i.e. between 24.1 h and 48.1 h (36 h on average). With a much smaller JOB_BACKOFF_MAX_MS the cap wins and the
 * horizon is shorter than a day (retryHorizonMs tells by how much).
 */
export function webhookMaxAttempts(policy: BackoffPolicy, horizonMs = WEBHOOK_RETRY_HORIZON_MS): number {
  let total = 0;
  for (let attempts = 1; attempts < WEBHOOK_MAX_ATTEMPTS_CAP; attempts += 1) {
    if (total / 2 >= horizonMs) {
      return attempts;
    }
    total += Math.min(policy.maxMs, policy.baseMs * 2 ** (attempts - 1));
  }
  return WEBHOOK_MAX_ATTEMPTS_CAP;
}
