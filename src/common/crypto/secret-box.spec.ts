import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box';

const key = (version: number) => ({ version, key: randomBytes(32) });
const context = { workspaceId: 'ws-a', purpose: 'connector:c1:credentials' };

describe(SecretBox.name, () => {
  it('round-trips a secret and never contains the plaintext', () => {
    const box = new SecretBox(key(1));
    const sealed = box.seal('{"refreshToken":"rt-secret"}', context);
    expect(sealed).not.toContain('rt-secret');
    expect(box.open(sealed, context)).toBe('{"refreshToken":"rt-secret"}');
  });

  it('uses a fresh IV each time', () => {
    const box = new SecretBox(key(1));
    expect(box.seal('same', context)).not.toBe(box.seal('same', context));
  });

  it('refuses a ciphertext moved to another workspace or purpose', () => {
    const box = new SecretBox(key(1));
    const sealed = box.seal('secret', context);
    expect(() => box.open(sealed, { ...context, workspaceId: 'ws-b' })).toThrow(SecretBoxError);
    expect(() => box.open(sealed, { ...context, purpose: 'other' })).toThrow(SecretBoxError);
  });

  it('refuses tampered ciphertext', () => {
    const box = new SecretBox(key(1));
    const parts = box.seal('secret value', context).split('.');
    const ciphertext = Buffer.from(parts[4], 'base64url');
    ciphertext[0] = ciphertext[0] ^ 1;
    parts[4] = ciphertext.toString('base64url');
    expect(() => box.open(parts.join('.'), context)).toThrow(SecretBoxError);
  });

  it('opens envelopes sealed with a previous key after rotation and flags them for re-sealing', () => {
    const old = key(1);
    const sealed = new SecretBox(old).seal('secret', context);
    const rotated = new SecretBox(key(2), [old]);
    expect(rotated.open(sealed, context)).toBe('secret');
    expect(rotated.needsRotation(sealed)).toBe(true);
    expect(rotated.needsRotation(rotated.seal('secret', context))).toBe(false);
    expect(() => new SecretBox(key(2)).open(sealed, context)).toThrow(/no key with version 1/);
  });

  it('rejects garbage', () => {
    const box = new SecretBox(key(1));
    for (const garbage of ['', 'v1', 'v2.1.a.b.c', 'v1.1.a.b.c.d', 'plaintext']) {
      expect(() => box.open(garbage, context)).toThrow(SecretBoxError);
    }
  });
});
