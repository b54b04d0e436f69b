import { identityKey, normalizeIdentifiers, type NormalizeResult, type RawIdentifiers } from './normalize-identifiers';

function identifiersOf(input: RawIdentifiers, region = 'JP') {
  const result = normalizeIdentifiers(input, region);
  if (!result.ok) {
    throw new Error(`expected ok, got ${JSON.stringify(result.problems)}`);
  }
  return result.identifiers;
}

function problemsOf(input: RawIdentifiers, region = 'JP') {
  const result: NormalizeResult = normalizeIdentifiers(input, region);
  if (result.ok) {
    throw new Error(`expected problems, got ${JSON.stringify(result.identifiers)}`);
  }
  return result.problems;
}

const phoneIn = (phone: unknown, region: string) => identifiersOf({ phone }, region).phone;

describe('normalizeIdentifiers: phone', () => {
  it.each([
    ['090-1234-5678', 'JP', '+819012345678'],
    ['090 1234 5678', 'JP', '+819012345678'],
    ['03-1234-5678', 'JP', '+81312345678'],
    ['+81 90-1234-5678', 'JP', '+819012345678'],
    ['+819012345678', 'US', '+819012345678'],
    ['(415) 555-2671', 'US', '+14155552671'],
    ['415.555.2671', 'US', '+14155552671'],
    ['+1 415 555 2671', 'JP', '+14155552671'],
    ['011 44 20 7946 0018', 'US', '+442079460018'],
    ['020 7946 0018', 'GB', '+442079460018'],
    ['+44 20 7946 0018', 'JP', '+442079460018'],
    ['+44 (0)20 7946 0018', 'GB', '+442079460018'],
  ])('%s in %s → %s', (raw, region, e164) => {
    expect(phoneIn(raw, region)).toBe(e164);
  });

  it('folds full-width digits and dashes typed on a Japanese keyboard', () => {
    expect(phoneIn('０９０-１２３４-５６７８', 'JP')).toBe('+819012345678');
    expect(phoneIn('０９０－１２３４－５６７８', 'JP')).toBe('+819012345678');
    expect(phoneIn('＋８１　９０　１２３４　５６７８', 'US')).toBe('+819012345678');
    expect(phoneIn('090ー1234ー5678', 'JP')).toBe('+819012345678');
  });

  it('accepts tel: URIs and drops extensions', () => {
    expect(phoneIn('tel:+1-415-555-2671', 'JP')).toBe('+14155552671');
    expect(phoneIn('TEL:090-1234-5678', 'JP')).toBe('+819012345678');
    expect(phoneIn('tel:+81-3-1234-5678;ext=12', 'JP')).toBe('+81312345678');
    expect(phoneIn('(415) 555-2671 ext. 1234', 'US')).toBe('+14155552671');
    expect(phoneIn('(415) 555-2671 x12', 'US')).toBe('+14155552671');
    expect(phoneIn('03-1234-5678 内線 204', 'JP')).toBe('+81312345678');
  });

  it('trims surrounding whitespace', () => {
    expect(phoneIn('  090-1234-5678\n', 'JP')).toBe('+819012345678');
  });

  it.each([
    ['123', 'JP', /too short/],
    ['090-1234-56789', 'JP', /valid/],
    ['(555) 555-5555', 'US', /not a valid number for US/],
    ['+1 200 555 1234', 'JP', /not a valid number/],
    ['hello', 'JP', /not a phone number/],
    ['1-800-FLOWERS', 'US', /not a phone number/],
    ['090-1234-5678; DROP TABLE visitors', 'JP', /not a phone number/],
    ['<script>090-1234-5678</script>', 'JP', /not a phone number/],
    ['+999 1234 5678', 'JP', /unknown country calling code/],
    ['9'.repeat(65), 'JP', /too long to be a phone number/],
  ])('refuses %j in %s, saying why', (raw, region, why) => {
    const problems = problemsOf({ email: 'ok@example.com', phone: raw }, region);
    expect(problems).toEqual([{ field: 'visitor.phone', message: expect.stringMatching(why) }]);
  });

  it('explains that a local number needs a country code when the region has no numbering plan', () => {
    expect(problemsOf({ phone: '090-1234-5678' }, 'ZZ')).toEqual([
      { field: 'visitor.phone', message: expect.stringMatching(/no country code.*"ZZ"/) },
    ]);
    expect(phoneIn('+81 90 1234 5678', 'ZZ')).toBe('+819012345678');
  });

  it('refuses numbers given as JSON numbers (the leading 0 or + is gone)', () => {
    expect(problemsOf({ phone: 9012345678 })).toEqual([
      { field: 'visitor.phone', message: expect.stringMatching(/must be a string/) },
    ]);
  });
});

describe('normalizeIdentifiers: email', () => {
  it('trims and lower-cases the whole address', () => {
    expect(identifiersOf({ email: '  Taro.Yamada@Example.CO.JP ' }).email).toBe('taro.yamada@example.co.jp');
  });

  it.each(['user+tag@example.com', "o'brien@example.ie", 'first.last@sub.example.com', 'user@xn--r8jz45g.xn--zckzah'])(
    'accepts %s',
    (email) => {
      expect(identifiersOf({ email }).email).toBe(email);
    },
  );

  it('accepts internationalised domains and mailboxes', () => {
    expect(identifiersOf({ email: 'info@例え.テスト' }).email).toBe('info@例え.テスト');
    expect(identifiersOf({ email: 'Müller@Bücher.de' }).email).toBe('müller@bücher.de');
    expect(identifiersOf({ email: '山田@example.jp' }).email).toBe('山田@example.jp');
  });

  it('folds full-width input and the ideographic full stop', () => {
    expect(identifiersOf({ email: 'ＴＡＲＯ＠ＥＸＡＭＰＬＥ．ＪＰ' }).email).toBe('taro@example.jp');
    expect(identifiersOf({ email: 'taro@example。jp' }).email).toBe('taro@example.jp');
  });

  it.each([
    ['no-at-sign.example.com', /exactly one "@"/],
    ['two@@example.com', /exactly one "@"/],
    ['a@b@example.com', /exactly one "@"/],
    ['has space@example.com', /spaces/],
    ['tab\t@example.com', /spaces/],
    ['nul\u0000@example.com', /control/],
    ['user@localhost', /domain with a dot/],
    ['.user@example.com', /before "@"/],
    ['user.@example.com', /before "@"/],
    ['us..er@example.com', /before "@"/],
    ['"quoted"@example.com', /before "@"/],
    ['@example.com', /before "@"/],
    ['user@', /domain with a dot/],
    ['user@-example.com', /domain/],
    ['user@example-.com', /domain/],
    ['user@example..com', /domain/],
    ['user@192.168.0.1', /domain/],
    ['user@[192.168.0.1]', /domain/],
    ['<script>@example.com', /before "@"/],
    [`${'a'.repeat(65)}@example.com`, /before "@"/],
    [`a@${'b'.repeat(64)}.com`, /domain/],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.jp`, /at most 254/],
  ])('refuses %j', (email, why) => {
    expect(problemsOf({ externalId: 'u1', email })).toEqual([
      { field: 'visitor.email', message: expect.stringMatching(why) },
    ]);
  });

  it('accepts an address of exactly 254 characters', () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.jp`;
    expect(email).toHaveLength(254);
    expect(identifiersOf({ email }).email).toBe(email);
  });
});

describe('normalizeIdentifiers: external id, cookie id, name', () => {
  it('trims ids and keeps their case and form exactly', () => {
    expect(identifiersOf({ externalId: '  User-ＡＢＣ ', cookieId: ' c0ok1e ' })).toEqual({
      externalId: 'User-ＡＢＣ',
      cookieId: 'c0ok1e',
    });
  });

  it('accepts integer ids as their decimal form', () => {
    expect(identifiersOf({ externalId: 12345 }).externalId).toBe('12345');
  });

  it('allows 255 characters (code points) and no more', () => {
    expect(identifiersOf({ externalId: '𠮷'.repeat(255) }).externalId).toBe('𠮷'.repeat(255));
    expect(problemsOf({ email: 'a@example.com', externalId: 'x'.repeat(256) })).toEqual([
      { field: 'visitor.externalId', message: 'must be at most 255 characters' },
    ]);
    expect(problemsOf({ email: 'a@example.com', cookieId: 'x'.repeat(256) })).toEqual([
      { field: 'visitor.cookieId', message: 'must be at most 255 characters' },
    ]);
  });

  it.each(['abc\u0000def', 'line\nbreak', 'esc\u001b[31m', 'lone\uD800surrogate', 'sep\u2028arator'])(
    'refuses control characters in ids: %j',
    (externalId) => {
      expect(problemsOf({ email: 'a@example.com', externalId })).toEqual([
        { field: 'visitor.externalId', message: 'must not contain control characters' },
      ]);
    },
  );

  it.each([
    [{ externalId: { $ne: null } }, 'visitor.externalId'],
    [{ externalId: ['a'] }, 'visitor.externalId'],
    [{ externalId: -1 }, 'visitor.externalId'],
    [{ externalId: 1.5 }, 'visitor.externalId'],
    [{ externalId: true }, 'visitor.externalId'],
    [{ email: 42 }, 'visitor.email'],
    [{ email: { toString: 'x' } }, 'visitor.email'],
    [{ externalId: 'u1', name: 7 }, 'visitor.name'],
    [{ externalId: 'u1', cookieId: {} }, 'visitor.cookieId'],
  ])('refuses non-string values: %j', (input, field) => {
    expect(problemsOf(input).map((problem) => problem.field)).toEqual([field]);
  });

  it('normalises names for display: trimmed, NFKC, whitespace collapsed', () => {
    expect(identifiersOf({ externalId: 'u1', name: '  山田\u3000太郎 ' }).name).toBe('山田 太郎');
    expect(identifiersOf({ externalId: 'u1', name: 'ﾔﾏﾀﾞ  ﾀﾛｳ' }).name).toBe('ヤマダ タロウ');
    expect(identifiersOf({ externalId: 'u1', name: 'Ada\n\tLovelace' }).name).toBe('Ada Lovelace');
    expect(problemsOf({ externalId: 'u1', name: 'n'.repeat(256) })).toEqual([
      { field: 'visitor.name', message: 'must be at most 255 characters' },
    ]);
    expect(problemsOf({ externalId: 'u1', name: 'bell\u0007' })).toEqual([
      { field: 'visitor.name', message: 'must not contain control characters' },
    ]);
  });
});

describe('normalizeIdentifiers: at least one identifier', () => {
  const required = {
    field: 'visitor',
    message: 'at least one of visitor.externalId, visitor.email, visitor.phone is required',
  };

  it.each([
    [{}],
    [{ name: 'Taro', cookieId: 'c1' }],
    [{ externalId: null, email: undefined, phone: '' }],
    [{ externalId: '   ', email: ' ', cookieId: 'c1' }],
  ])('requires an external id, email or phone: %j', (input) => {
    expect(problemsOf(input)).toEqual([required]);
  });

  it('treats null and blank fields as not given when another identifier is present', () => {
    expect(identifiersOf({ externalId: 'u1', email: '', phone: null, name: '  ' })).toEqual({ externalId: 'u1' });
  });

  it('reports every bad field at once, without the "required" problem when identifiers were given', () => {
    expect(problemsOf({ email: 'nope', phone: 'nope', name: 1 })).toEqual([
      { field: 'visitor.email', message: expect.any(String) },
      { field: 'visitor.phone', message: expect.any(String) },
      { field: 'visitor.name', message: 'must be a string' },
    ]);
  });

  it('reports a bad name together with the missing identifier', () => {
    expect(problemsOf({ name: 1 })).toEqual([{ field: 'visitor.name', message: 'must be a string' }, required]);
  });

  it('returns every valid field together', () => {
    expect(
      identifiersOf({ externalId: 'u-1', email: 'A@B.CO', phone: '(415) 555-2671', name: 'Ada', cookieId: 'ck' }, 'US'),
    ).toEqual({ externalId: 'u-1', email: 'a@b.co', phone: '+14155552671', name: 'Ada', cookieId: 'ck' });
  });
});

describe('identityKey', () => {
  it('prefers externalId, then email, then phone', () => {
    const all = { externalId: 'u-1', email: 'a@example.com', phone: '+819012345678' };
    expect(identityKey(all)).toBe('ext:u-1');
    expect(identityKey({ email: all.email, phone: all.phone })).toBe('email:a@example.com');
    expect(identityKey({ phone: all.phone })).toBe('phone:+819012345678');
  });

  it('is the same for every way of writing the same identity', () => {
    const keys = [
      { phone: '090-1234-5678' },
      { phone: '０９０－１２３４－５６７８' },
      { phone: '+81 90 1234 5678' },
      { phone: 'tel:+81-90-1234-5678', name: 'Taro', cookieId: 'c1' },
    ].map((input) => identityKey(identifiersOf(input, 'JP')));
    expect(new Set(keys)).toEqual(new Set(['phone:+819012345678']));
    expect(identityKey(identifiersOf({ email: ' Taro@Example.JP ' }))).toBe(
      identityKey(identifiersOf({ email: 'taro@example.jp' })),
    );
  });

  it('ignores name and cookie id, and refuses identifiers with none of the three', () => {
    expect(() => identityKey({})).toThrow(/externalId, email or phone/);
  });
});
