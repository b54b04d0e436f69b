import type * as NodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signChatwootBody, verifyChatwootSignature, type ChatwootSignatureInput } from './chatwoot-signature';

const SECRET = 'whsec_cw_test_4f9a';
const SENT_AT = 1763805605; // 2025-11-22T10:00:05Z
const NOW = new Date(SENT_AT * 1000 + 1500);
/** A delivery exactly as Chatwoot would send it: the fixture file's bytes, untouched. */
const RAW_BODY = readFileSync(join(__dirname, '__fixtures__', 'message-created-incoming.json'));

function delivery(overrides: Partial<ChatwootSignatureInput> = {}): ChatwootSignatureInput {
  return {
    rawBody: RAW_BODY,
    signatureHeader: signChatwootBody(SECRET, SENT_AT, RAW_BODY),
    timestampHeader: String(SENT_AT),
    secret: SECRET,
    now: NOW,
    ...overrides,
  };
}

describe('Chatwoot webhook signatures', () => {
  describe('signChatwootBody', () => {
    it('matches an HMAC-SHA256 of "<timestamp>.<raw body>" computed independently (Python hmac)', () => {
      expect(signChatwootBody(SECRET, '1763805605', '{"event":"message_created","id":90001}')).toBe(
        'sha256=2e063221771f8e52d1191513b7104c60c9b5cf04a79e959f2a1759315217166e',
      );
    });

    it('gives the same value for a number or a string timestamp, and for a Buffer or a string body', () => {
      const body = '{"event":"message_created","id":90001}';
      expect(signChatwootBody(SECRET, SENT_AT, Buffer.from(body))).toBe(signChatwootBody(SECRET, `${SENT_AT}`, body));
    });
  });

  describe('verifyChatwootSignature', () => {
    it('accepts a correctly signed delivery', () => {
      expect(verifyChatwootSignature(delivery())).toEqual({ ok: true });
    });

    it('hashes the body as bytes: a body that is not valid UTF-8 still verifies', () => {
      const rawBody = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
      expect(
        verifyChatwootSignature(delivery({ rawBody, signatureHeader: signChatwootBody(SECRET, SENT_AT, rawBody) })),
      ).toEqual({ ok: true });
    });

    it('accepts upper-case hex and surrounding whitespace in the headers', () => {
      const signature = signChatwootBody(SECRET, SENT_AT, RAW_BODY);
      const upper = `sha256=${signature.slice('sha256='.length).toUpperCase()}`;
      expect(
        verifyChatwootSignature(delivery({ signatureHeader: ` ${upper} `, timestampHeader: ` ${SENT_AT}` })),
      ).toEqual({ ok: true });
    });

    it.each([
      ['no signature header', { signatureHeader: undefined }],
      ['an empty signature header', { signatureHeader: '' }],
      ['no timestamp header', { timestampHeader: undefined }],
      ['a blank timestamp header', { timestampHeader: '  ' }],
    ])('reports %s as missing', (_case, overrides: Partial<ChatwootSignatureInput>) => {
      expect(verifyChatwootSignature(delivery(overrides))).toEqual({ ok: false, reason: 'missing' });
    });

    it.each([
      ['a signature without the sha256= prefix', { signatureHeader: 'a'.repeat(64) }],
      ['another algorithm', { signatureHeader: `sha1=${'a'.repeat(40)}` }],
      ['a short digest', { signatureHeader: `sha256=${'a'.repeat(62)}` }],
      ['non-hex digits', { signatureHeader: `sha256=${'g'.repeat(64)}` }],
      ['two signatures', { signatureHeader: `sha256=${'a'.repeat(64)}, sha256=${'b'.repeat(64)}` }],
      ['a timestamp with letters', { timestampHeader: '17638056O5' }],
      ['a fractional timestamp', { timestampHeader: `${SENT_AT}.5` }],
      ['a millisecond timestamp', { timestampHeader: String(SENT_AT * 1000) }],
      ['an ISO timestamp', { timestampHeader: '2025-11-22T10:00:05Z' }],
    ])('reports %s as malformed', (_case, overrides: Partial<ChatwootSignatureInput>) => {
      expect(verifyChatwootSignature(delivery(overrides))).toEqual({ ok: false, reason: 'malformed' });
    });

    it('accepts timestamps up to 5 minutes away, either way', () => {
      expect(verifyChatwootSignature(delivery({ now: new Date((SENT_AT + 300) * 1000) }))).toEqual({ ok: true });
      expect(verifyChatwootSignature(delivery({ now: new Date((SENT_AT - 300) * 1000) }))).toEqual({ ok: true });
    });

    it('refuses a replay older than 5 minutes and a timestamp more than 5 minutes ahead as stale', () => {
      expect(verifyChatwootSignature(delivery({ now: new Date((SENT_AT + 301) * 1000) }))).toEqual({
        ok: false,
        reason: 'stale',
      });
      expect(verifyChatwootSignature(delivery({ now: new Date((SENT_AT - 301) * 1000) }))).toEqual({
        ok: false,
        reason: 'stale',
      });
    });

    it('honours a custom tolerance', () => {
      const now = new Date((SENT_AT + 61) * 1000);
      expect(verifyChatwootSignature(delivery({ now, toleranceSeconds: 60 }))).toEqual({ ok: false, reason: 'stale' });
      expect(verifyChatwootSignature(delivery({ now, toleranceSeconds: 61 }))).toEqual({ ok: true });
    });

    it('reports staleness before comparing signatures (no HMAC work for old deliveries)', () => {
      const now = new Date((SENT_AT + 3600) * 1000);
      expect(verifyChatwootSignature(delivery({ now, signatureHeader: `sha256=${'0'.repeat(64)}` }))).toEqual({
        ok: false,
        reason: 'stale',
      });
    });

    it('refuses a signature made with another secret', () => {
      const signatureHeader = signChatwootBody('another-secret', SENT_AT, RAW_BODY);
      expect(verifyChatwootSignature(delivery({ signatureHeader }))).toEqual({ ok: false, reason: 'mismatch' });
    });

    it('refuses a body changed by one byte', () => {
      const rawBody = Buffer.from(RAW_BODY);
      rawBody[rawBody.length - 3] ^= 0x01;
      expect(verifyChatwootSignature(delivery({ rawBody }))).toEqual({ ok: false, reason: 'mismatch' });
    });

    it('refuses a captured delivery replayed with a fresh timestamp (the timestamp is signed)', () => {
      const timestampHeader = String(SENT_AT + 60);
      expect(verifyChatwootSignature(delivery({ timestampHeader }))).toEqual({ ok: false, reason: 'mismatch' });
    });

    it('refuses a body re-serialised from parsed JSON', () => {
      const rawBody = Buffer.from(JSON.stringify(JSON.parse(RAW_BODY.toString('utf8'))));
      expect(verifyChatwootSignature(delivery({ rawBody }))).toEqual({ ok: false, reason: 'mismatch' });
    });

    it('compares digests with crypto.timingSafeEqual on two 32-byte buffers', () => {
      // The module object the implementation calls into (an `import * as` namespace would be a copy).
      const spy = jest.spyOn(jest.requireActual<typeof NodeCrypto>('node:crypto'), 'timingSafeEqual');
      try {
        verifyChatwootSignature(delivery({ signatureHeader: `sha256=${'0'.repeat(64)}` }));
        expect(spy).toHaveBeenCalledTimes(1);
        const [given, expected] = spy.mock.calls[0] as [Buffer, Buffer];
        expect([given.length, expected.length]).toEqual([32, 32]);
      } finally {
        spy.mockRestore();
      }
    });

    it('treats an empty secret or a negative tolerance as configuration errors', () => {
      expect(() => verifyChatwootSignature(delivery({ secret: '' }))).toThrow(TypeError);
      expect(() => signChatwootBody('', SENT_AT, RAW_BODY)).toThrow(TypeError);
      expect(() => verifyChatwootSignature(delivery({ toleranceSeconds: -1 }))).toThrow(RangeError);
    });
  });
});
