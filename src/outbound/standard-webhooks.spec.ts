import {
  generateWebhookSecret,
  signStandardWebhook,
  standardWebhookHeaders,
  verifyStandardWebhook,
  webhookSecretKey,
} from './standard-webhooks';
import { retryHorizonMs, webhookMaxAttempts } from './delivery-horizon';
import { parseRetryAfterMs } from './webhook-delivery.handler';

// The Standard Webhooks specification's published test vector (also used by the Svix libraries' tests).
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const verify = (overrides: Partial<Parameters<typeof verifyStandardWebhook>[0]> = {}) =>
  verifyStandardWebhook({
    id: vector.id,
    timestamp: String(vector.timestamp),
    body: vector.body,
    signature: vector.signature,
    secret: vector.secret,
    nowSeconds: vector.timestamp,
    ...overrides,
  });

describe('Standard Webhooks signing', () => {
  it('reproduces the specification’s test vector', () => {
    expect(signStandardWebhook(vector)).toBe(vector.signature);
    expect(standardWebhookHeaders(vector)).toEqual({
      'webhook-id': vector.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': vector.signature,
    });
    expect(verify()).toEqual({ ok: true });
  });

  it('refuses a tampered body, id, timestamp, signature or the wrong secret', () => {
    expect(verify({ body: '{"test": 2432232315}' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({ id: 'msg_other' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({ timestamp: String(vector.timestamp + 1) })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({ signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=' })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify({ signature: 'v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }).ok).toBe(false);
    expect(verify({ secret: generateWebhookSecret() })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts any matching entry of a multi-signature header (key rotation)', () => {
    const other = signStandardWebhook({ ...vector, secret: generateWebhookSecret() });
    expect(verify({ signature: `${other} ${vector.signature}` })).toEqual({ ok: true });
  });

  it('enforces the timestamp tolerance both ways', () => {
    expect(verify({ nowSeconds: vector.timestamp + 300 }).ok).toBe(true);
    expect(verify({ nowSeconds: vector.timestamp + 301 })).toEqual({ ok: false, reason: 'too_old' });
    expect(verify({ nowSeconds: vector.timestamp - 301 })).toEqual({ ok: false, reason: 'too_new' });
    expect(verify({ nowSeconds: vector.timestamp + 3600, toleranceSeconds: 3600 }).ok).toBe(true);
    expect(verify({ timestamp: '16142653a0' })).toEqual({ ok: false, reason: 'bad_timestamp' });
  });

  it('generates whsec_ secrets of 32 random bytes and refuses malformed ones', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookSecretKey(secret)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
    expect(() => webhookSecretKey('whsec_not base64!')).toThrow('not base64');
    expect(() => webhookSecretKey('whsec_c2hvcnQ=')).toThrow('shorter than 24 bytes');
  });
});

describe('webhook retry horizon', () => {
  const defaults = { baseMs: 1000, maxMs: 3_600_000 };
  const hours = (ms: number) => ms / 3_600_000;

  it('needs 60 attempts with the default backoff to keep trying for at least 24 h', () => {
    expect(webhookMaxAttempts(defaults)).toBe(60);
    expect(hours(retryHorizonMs(60, defaults).minMs)).toBeGreaterThanOrEqual(24);
    expect(hours(retryHorizonMs(59, defaults).minMs)).toBeLessThan(24);
    // The often-quoted "30 attempts with a 1 h cap" falls short even at the jitter's maximum.
    expect(hours(retryHorizonMs(30, defaults).maxMs)).toBeCloseTo(18.14, 1);
  });

  it('is capped when the backoff is tiny', () => {
    expect(webhookMaxAttempts({ baseMs: 10, maxMs: 20 })).toBe(100);
  });
});

describe(parseRetryAfterMs.name, () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('reads seconds and HTTP dates, caps at an hour, ignores junk', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs('Mon, 01 Jun 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('999999', now)).toBe(3_600_000);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});
