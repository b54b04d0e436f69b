import { createRng, sampleLatencyMs, uniformsFromKey } from './prng';

describe('latency draws', () => {
  const fault = { kind: 'lognormal', p50Ms: 150, p99Ms: 800, perRequest: true } as const;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  it('per request: the same request always waits the same time, different requests differ', () => {
    const a = sampleLatencyMs(fault, uniformsFromKey('GET /crm/v8/Contacts/search?email=a@example.com '));
    const again = sampleLatencyMs(fault, uniformsFromKey('GET /crm/v8/Contacts/search?email=a@example.com '));
    const b = sampleLatencyMs(fault, uniformsFromKey('GET /crm/v8/Contacts/search?email=b@example.com '));
    expect(again).toBe(a);
    expect(b).not.toBe(a);
  });

  it('per request or random, the draws follow the configured quantiles', () => {
    const keyed = Array.from({ length: 4000 }, (_, i) => sampleLatencyMs(fault, uniformsFromKey(`GET /x/${i}`)));
    const rng = createRng(7);
    const random = Array.from({ length: 4000 }, () => sampleLatencyMs(fault, rng));
    for (const draws of [keyed, random]) {
      expect(median(draws)).toBeGreaterThan(135);
      expect(median(draws)).toBeLessThan(165);
      const p99 = [...draws].sort((x, y) => x - y)[Math.floor(draws.length * 0.99)];
      expect(p99).toBeGreaterThan(600);
      expect(p99).toBeLessThan(1050);
    }
  });
});
