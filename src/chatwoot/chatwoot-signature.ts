/**
 * Chatwoot webhook signatures, as added by Chatwoot PR #13573 (absent in v4.9.1; §3.1 "Signing" of
 * shared/reference/chatwoot-webhooks.md (the team reference notes)):
 *
 *   X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Chatwoot-Timestamp>.<raw body>")>
 *   X-Chatwoot-Timestamp: <unix seconds>
 *
 * The timestamp is inside the signed string, so a captured delivery cannot be replayed with a fresh one; deliveries
 * outside the window (both ways, for clock skew) are refused as stale. Pure: the caller passes the clock.
 * Whether a failure refuses the delivery is the caller's choice per tenant (off / warn / enforce, §3.1), because
 * v4.9.1 does not sign at all and bug #13809 made the secret shown by the API differ from the signing key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CHATWOOT_SIGNATURE_HEADER = 'x-chatwoot-signature';
export const CHATWOOT_TIMESTAMP_HEADER = 'x-chatwoot-timestamp';
export const DEFAULT_CHATWOOT_TOLERANCE_SECONDS = 300;

const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/i;
/** Whole seconds; 12 digits reach the year 33658, so anything longer is not a unix timestamp. */
const TIMESTAMP_FORMAT = /^\d{1,12}$/;

export interface ChatwootSignatureInput {
  /** The body exactly as received: re-serialised JSON would not match the signature. */
  rawBody: Buffer;
  signatureHeader?: string;
  timestampHeader?: string;
  secret: string;
  now: Date;
  /** Accepted distance between the timestamp and `now`, either way. Default 300 (5 minutes). */
  toleranceSeconds?: number;
}

export type ChatwootSignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';
export type ChatwootSignatureResult = { ok: true } | { ok: false; reason: ChatwootSignatureFailure };

/** Checks, in order: both headers present, well-formed, timestamp within the window, HMAC equal (constant time). */
export function verifyChatwootSignature(input: ChatwootSignatureInput): ChatwootSignatureResult {
  const tolerance = input.toleranceSeconds ?? DEFAULT_CHATWOOT_TOLERANCE_SECONDS;
  assertUsableSecret(input.secret);
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new RangeError('toleranceSeconds must be a non-negative number');
  }
  const signature = input.signatureHeader?.trim();
  const timestamp = input.timestampHeader?.trim();
  if (!signature || !timestamp) {
    return { ok: false, reason: 'missing' };
  }
  const signatureHex = SIGNATURE_FORMAT.exec(signature)?.[1];
  if (signatureHex === undefined || !TIMESTAMP_FORMAT.test(timestamp)) {
    return { ok: false, reason: 'malformed' };
  }
  if (Math.abs(input.now.getTime() / 1000 - Number(timestamp)) > tolerance) {
    return { ok: false, reason: 'stale' };
  }
  // Both sides are 32 bytes (the format check guarantees 64 hex digits), as timingSafeEqual requires.
  const given = Buffer.from(signatureHex, 'hex');
  const expected = hmac(input.secret, timestamp, input.rawBody);
  return timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** The `X-Chatwoot-Signature` value Chatwoot would send for this body (tests, the demo's fake Chatwoot). */
export function signChatwootBody(secret: string, timestamp: string | number, rawBody: Buffer | string): string {
  assertUsableSecret(secret);
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `sha256=${hmac(secret, String(timestamp), body).toString('hex')}`;
}

/** The body is hashed as bytes, never decoded: a re-encoding would change what was signed. */
function hmac(secret: string, timestamp: string, rawBody: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(rawBody).digest();
}

/** An empty secret would let anyone sign: a configuration error, not a request error. */
function assertUsableSecret(secret: string): void {
  if (secret.length === 0) {
    throw new TypeError('the Chatwoot webhook secret must not be empty');
  }
}
