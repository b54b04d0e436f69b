import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys look like `ccb_<prefix>_<secret>`. The prefix is public (listings, logs, secret scanners); only the sha256
 * of the secret is stored. The secret has 256 bits of entropy, so a fast hash is sufficient (no need for bcrypt).
 */
const TOKEN = /^ccb_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface MintedApiKey {
  prefix: string;
  secretHash: string;
  token: string;
}

export function mintApiKey(): MintedApiKey {
  const prefix = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secretHash: hashSecret(secret), token: `ccb_${prefix}_${secret}` };
}

export function parseApiKey(token: string): { prefix: string; secret: string } | undefined {
  const match = TOKEN.exec(token);
  return match ? { prefix: match[1], secret: match[2] } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
