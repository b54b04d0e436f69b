import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../../config/app-config';

const FORMAT = 'v1';

/** Thrown when ciphertext cannot be opened: wrong key, tampering, or a row moved to another workspace. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * AES-256-GCM envelopes for credentials at rest. Each envelope names the key version that sealed it (so keys can
 * rotate) and binds the workspace and purpose as associated data: a ciphertext copied to another workspace's row
 * fails to open instead of leaking that workspace's CRM access.
 *
 * Envelope: `v1.<keyVersion>.<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 */
export class SecretBox {
  private readonly keys: Map<number, Buffer>;

  constructor(
    private readonly current: EncryptionKey,
    previous: EncryptionKey[] = [],
  ) {
    this.keys = new Map([...previous, current].map((key) => [key.version, key.key]));
  }

  seal(plaintext: string, context: { workspaceId: string; purpose: string }): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(associatedData(this.current.version, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      FORMAT,
      this.current.version,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  open(envelope: string, context: { workspaceId: string; purpose: string }): string {
    const [format, versionText, ivText, tagText, ciphertextText, ...rest] = envelope.split('.');
    if (format !== FORMAT || rest.length > 0 || !versionText || !ivText || !tagText || ciphertextText === undefined) {
      throw new SecretBoxError('not a sealed secret');
    }
    const version = Number(versionText);
    const key = this.keys.get(version);
    if (!key) {
      throw new SecretBoxError(`no key with version ${versionText}`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(associatedData(version, context));
      decipher.setAuthTag(Buffer.from(tagText, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError('secret failed authentication');
    }
  }

  /** True when the envelope was sealed with an older key and should be re-sealed. */
  needsRotation(envelope: string): boolean {
    return envelope.split('.')[1] !== String(this.current.version);
  }
}

function associatedData(version: number, context: { workspaceId: string; purpose: string }): Buffer {
  return Buffer.from(`${FORMAT}|${version}|${context.workspaceId}|${context.purpose}`, 'utf8');
}
