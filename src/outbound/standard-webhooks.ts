import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com/) signing, pure and dependency-free, so receivers can check
 * our deliveries with any of that specification's libraries (or with `verifyStandardWebhook` below).
 *
 * - `webhook-id`: the message id, the same on every retry of one message (receivers dedupe on it);
 * - `webhook-timestamp`: unix seconds of the attempt;
 * - `webhook-signature`: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, space-separated when several
 *   keys sign (rotation); the key is the base64-decoded part of the `whsec_…` secret.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
/** Receivers should refuse timestamps further than this from their clock (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}

/** A fresh `whsec_<base64 of 32 random bytes>` secret. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The HMAC key of a secret: base64 after `whsec_` (a secret pasted without the prefix is accepted too). */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new WebhookSecretError('webhook secret is not base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24) {
    throw new WebhookSecretError('webhook secret is shorter than 24 bytes');
  }
  return key;
}

export interface StandardWebhookMessage {
  /** The message id (`webhook-id`). */
  id: string;
  /** Unix seconds (`webhook-timestamp`). */
  timestamp: number;
  /** The exact bytes sent as the request body. */
  body: string;
  /** `whsec_…` */
  secret: string;
}

function digest(key: Buffer, id: string, timestamp: string, body: string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest();
}

/** The `webhook-signature` header value: `v1,<base64>`. */
export function signStandardWebhook(message: StandardWebhookMessage): string {
  if (!Number.isSafeInteger(message.timestamp) || message.timestamp < 0) {
    throw new RangeError('timestamp must be whole unix seconds');
  }
  const signature = digest(webhookSecretKey(message.secret), message.id, String(message.timestamp), message.body);
  return `v1,${signature.toString('base64')}`;
}

/** The three headers of one delivery attempt. */
export function standardWebhookHeaders(message: StandardWebhookMessage): Record<string, string> {
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestamp),
    'webhook-signature': signStandardWebhook(message),
  };
}

export interface VerifyInput {
  /** `webhook-id` header. */
  id: string;
  /** `webhook-timestamp` header, as received. */
  timestamp: string;
  /** The raw request body, exactly as received. */
  body: string;
  /** `webhook-signature` header (one or more space-separated `v1,<base64>` entries). */
  signature: string;
  secret: string;
  /** The receiver's clock in unix seconds (default: now). */
  nowSeconds?: number;
  toleranceSeconds?: number;
}

export type VerifyResult =
  { ok: true } | { ok: false; reason: 'bad_timestamp' | 'too_old' | 'too_new' | 'bad_signature' };

/**
 * Checks a received delivery: the timestamp must be within the tolerance (replays of old captures fail) and one of
 * the `v1` signatures must match, compared in constant time.
 */
export function verifyStandardWebhook(input: VerifyInput): VerifyResult {
  if (!/^\d{1,15}$/.test(input.timestamp)) {
    return { ok: false, reason: 'bad_timestamp' };
  }
  const timestamp = Number(input.timestamp);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (timestamp < now - tolerance) {
    return { ok: false, reason: 'too_old' };
  }
  if (timestamp > now + tolerance) {
    return { ok: false, reason: 'too_new' };
  }
  // Compared as canonical base64 text: lenient decoding would accept variants differing in the padding bits.
  const expected = Buffer.from(
    digest(webhookSecretKey(input.secret), input.id, input.timestamp, input.body).toString('base64'),
  );
  for (const entry of input.signature.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) {
      continue;
    }
    const candidate = Buffer.from(value);
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) {
      return { ok: true };
    }
  }
  return { ok: false, reason: 'bad_signature' };
}
