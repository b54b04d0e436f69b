import {
  ChatwootPayloadError,
  chatwootIdSchema,
  conversationEventSchema,
  parseChatwootPart,
  readChatwootEventName,
  readChatwootInstant,
} from './chatwoot-payload';

describe('Chatwoot payload parsing', () => {
  describe('readChatwootInstant', () => {
    it('reads unix seconds (conversation created_at, §3.3)', () => {
      expect(readChatwootInstant(1763805600)).toEqual({ iso: '2025-11-22T10:00:00.000Z', token: '1763805600' });
    });

    it('reads float epochs and keeps the microseconds as a tie-breaker (conversation updated_at, §3.3)', () => {
      expect(readChatwootInstant(1763805600.412377)).toEqual({
        iso: '2025-11-22T10:00:00.412Z',
        token: '1763805600.412377',
        subMillisecondMicros: 377,
      });
    });

    it('does not lose a millisecond to floating point rounding', () => {
      expect(readChatwootInstant(1763807400.918204)).toMatchObject({
        iso: '2025-11-22T10:30:00.918Z',
        subMillisecondMicros: 204,
      });
      expect(readChatwootInstant(1763805600.001)).toMatchObject({ iso: '2025-11-22T10:00:00.001Z' });
    });

    it('reads unix seconds sent as digit strings, normalising the token', () => {
      expect(readChatwootInstant(' 1763805600 ')).toEqual({ iso: '2025-11-22T10:00:00.000Z', token: '1763805600' });
      expect(readChatwootInstant('1763805600.50')).toMatchObject({ token: '1763805600.5', subMillisecondMicros: 0 });
    });

    it('reads ISO 8601 strings with a zone (message created_at, §3.4) and normalises them to UTC', () => {
      expect(readChatwootInstant('2025-11-22T10:00:05.123Z')).toEqual({
        iso: '2025-11-22T10:00:05.123Z',
        token: '2025-11-22T10:00:05.123Z',
      });
      expect(readChatwootInstant('2025-11-22T19:00:05.123+09:00')).toEqual({
        iso: '2025-11-22T10:00:05.123Z',
        token: '2025-11-22T19:00:05.123+09:00',
      });
    });

    it.each([
      ['a zone-less ISO string (would be read in local time)', '2025-11-22T10:00:05.123'],
      ['a date without a time', '2025-11-22'],
      ['free text', 'yesterday'],
      ['an impossible date', '2025-13-45T10:00:00Z'],
      ['milliseconds since the epoch', 1763805600000],
      ['a negative number', -5],
      ['zero (Chatwoot sends 0 for "never")', 0],
      ['NaN', Number.NaN],
      ['infinity', Number.POSITIVE_INFINITY],
    ])('refuses %s', (_case, value: number | string) => {
      expect(readChatwootInstant(value)).toHaveProperty('error');
    });
  });

  describe('ids', () => {
    it('accepts numbers and digit strings, normalised to the same text', () => {
      expect(chatwootIdSchema.parse(1042)).toBe('1042');
      expect(chatwootIdSchema.parse(' 1042 ')).toBe('1042');
      expect(chatwootIdSchema.parse('001042')).toBe('1042');
    });

    it.each([['abc'], [-1], [1.5], [''], ['12e3'], [null], [{}]])('refuses %p', (value) => {
      expect(chatwootIdSchema.safeParse(value).success).toBe(false);
    });
  });

  describe('changed_attributes', () => {
    const conversation = { id: 1042, updated_at: 1763807400.918204 };

    it('reads the array of single-key objects (§3.1) into one map', () => {
      const parsed = conversationEventSchema.parse({
        ...conversation,
        changed_attributes: [
          { status: { previous_value: 'resolved', current_value: 'open' } },
          { priority: { previous_value: null, current_value: 'high' } },
        ],
      });
      expect(Object.fromEntries(parsed.changed_attributes ?? [])).toEqual({
        status: { previous_value: 'resolved', current_value: 'open' },
        priority: { previous_value: null, current_value: 'high' },
      });
    });

    it('reads null (v4.9.1 conversation_status_changed), absence, and a plain object', () => {
      expect(
        conversationEventSchema.parse({ ...conversation, changed_attributes: null }).changed_attributes,
      ).toBeNull();
      expect(conversationEventSchema.parse(conversation).changed_attributes).toBeNull();
      const plain = conversationEventSchema.parse({
        ...conversation,
        changed_attributes: { status: { previous_value: 'resolved', current_value: 'open' } },
      });
      expect(plain.changed_attributes?.get('status')).toEqual({ previous_value: 'resolved', current_value: 'open' });
    });

    it.each([
      ['a string', 'status'],
      ['an entry that is not a change', [{ status: 'open' }]],
      ['a number', 5],
    ])('refuses %s', (_case, changedAttributes) => {
      expect(() =>
        parseChatwootPart(conversationEventSchema, { ...conversation, changed_attributes: changedAttributes }, 'x'),
      ).toThrow(ChatwootPayloadError);
    });
  });

  describe('errors', () => {
    it('names each bad field, without echoing values', () => {
      let error: unknown;
      try {
        parseChatwootPart(
          conversationEventSchema,
          { id: 'abc', created_at: 'hana.sato@example.com', labels: ['vip', 7], meta: { sender: { email: {} } } },
          'conversation_created',
        );
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ChatwootPayloadError);
      const payloadError = error as ChatwootPayloadError;
      expect(payloadError.message).toMatch(/^malformed Chatwoot conversation_created: /);
      expect(payloadError.issues.map((issue) => issue.split(':')[0])).toEqual([
        'id',
        'labels.1',
        'meta.sender.email',
        'created_at',
      ]);
      expect(payloadError.message).not.toContain('hana.sato');
    });

    it('caps the message at five issues and counts the rest', () => {
      const labels = Array.from({ length: 8 }, (_, index) => index);
      expect(() => parseChatwootPart(conversationEventSchema, { id: 1, labels }, 'conversation_updated')).toThrow(
        /\(and 3 more\)$/,
      );
    });

    it.each([[null], [[]], ['message_created'], [42], [{}], [{ event: 7 }], [{ event: 'Message Created' }]])(
      'refuses %p as a webhook body',
      (payload) => {
        expect(() => readChatwootEventName(payload)).toThrow(ChatwootPayloadError);
      },
    );
  });
});
