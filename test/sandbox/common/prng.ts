import { createHash } from 'node:crypto';
import type { LatencyFault } from './sandbox.types';

/** mulberry32: tiny, fast and deterministic; good enough for test data and fault dice, not for secrets. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample (Box–Muller). */
export function normal(rng: () => number): number {
  const u = Math.max(rng(), Number.EPSILON);
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// z-score of the 99th percentile of the standard normal distribution.
const Z99 = 2.3263478740408408;

/**
 * A lognormal is fully described by two quantiles: median = e^mu and p99 = e^(mu + z99·sigma).
 * That is how the bench states CRM latency ("p50 ≈ 150 ms, p99 ≈ 800 ms"), so the fault is configured the same way.
 */
export function sampleLatencyMs(fault: LatencyFault, rng: () => number): number {
  switch (fault.kind) {
    case 'none':
      return 0;
    case 'fixed':
      return fault.ms;
    case 'lognormal': {
      const mu = Math.log(fault.p50Ms);
      const sigma = Math.max(0, (Math.log(fault.p99Ms) - mu) / Z99);
      return Math.exp(mu + sigma * normal(rng));
    }
  }
}

export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** Two uniforms in (0, 1) derived from `key`: the same key always gives the same pair. */
export function uniformsFromKey(key: string): () => number {
  const digest = createHash('sha256').update(key).digest();
  let offset = 0;
  return () => {
    const value = digest.readUInt32BE(offset % 32) / 4294967296;
    offset += 4;
    return value;
  };
}
