/** Fixed window counter, keyed (per app, per account...). HubSpot's 10-second and Zendesk's per-minute limits. */
export class WindowRateLimiter {
  private readonly windows = new Map<string, { startedAt: number; used: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  take(key = 'default'): { allowed: boolean; limit: number; remaining: number; resetMs: number } {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      window = { startedAt: now, used: 0 };
      this.windows.set(key, window);
    }
    const resetMs = window.startedAt + this.windowMs - now;
    if (window.used >= this.limit) {
      return { allowed: false, limit: this.limit, remaining: 0, resetMs };
    }
    window.used += 1;
    return { allowed: true, limit: this.limit, remaining: this.limit - window.used, resetMs };
  }
}

/** A 24-hour allowance (Salesforce API requests, Zoho credits). The sandbox never lives 24 h, so it never resets. */
export class DailyQuota {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Current usage without spending anything (for limit headers such as Sforce-Limit-Info). */
  peek(): { used: number; limit: number; remaining: number } {
    return { used: this.used, limit: this.limit, remaining: Math.max(0, this.limit - this.used) };
  }

  take(cost = 1): { allowed: boolean; used: number; limit: number; remaining: number } {
    if (this.used + cost > this.limit) {
      return { allowed: false, used: this.used, limit: this.limit, remaining: Math.max(0, this.limit - this.used) };
    }
    this.used += cost;
    return { allowed: true, used: this.used, limit: this.limit, remaining: this.limit - this.used };
  }
}
