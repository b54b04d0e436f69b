import { scrubPii } from './logging';

describe('scrubPii', () => {
  it('masks emails and phone numbers in free text', () => {
    expect(scrubPii('lookup for Emma.Johnson+vip@example.com failed')).toBe('lookup for [email] failed');
    expect(scrubPii('called +81 90-1234-5678 and (415) 555-2671')).toBe('called [phone] and [phone]');
    expect(scrubPii('callback 090-1234-5678 or +14155552671')).toBe('callback [phone] or [phone]');
  });

  it('leaves ids, times and short numbers alone', () => {
    const text =
      'job 6b0e2c7e-1f7c-4a5e-9d11-0c4c0f6f7a10 took 1532 ms at 2026-11-22T10:00:00Z on http://127.0.0.1:37761 ' +
      'after migration CreateCoreSchema1763800000000';
    expect(scrubPii(text)).toBe(text);
  });
});
