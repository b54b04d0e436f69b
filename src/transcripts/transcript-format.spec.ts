import {
  DEFAULT_MAX_PARTS,
  formatTranscript,
  type FormatTranscriptInput,
  type TranscriptMessage,
  type TranscriptSession,
} from './transcript-format';

const session: TranscriptSession = {
  externalId: 'conv-42',
  channel: 'web',
  startedAt: new Date('2025-03-01T14:55:00Z'),
  closedAt: new Date('2025-03-01T15:20:00Z'),
  tags: ['refund', 'vip'],
  csat: { rating: 2, scale: 5, comment: 'Too slow' },
  sentiment: { score: -0.7734, label: 'negative' },
};

function message(
  id: string,
  author: TranscriptMessage['author'],
  authorName: string | null,
  body: string,
  at: string,
  extra: Partial<TranscriptMessage> = {},
): TranscriptMessage {
  return { id, author, authorName, body, private: false, attachments: [], occurredAt: new Date(at), ...extra };
}

const englishMessages: TranscriptMessage[] = [
  message('m1', 'visitor', 'Hanako Sato', 'Where is my order 245-12784?', '2025-03-01T14:55:10Z'),
  message('m2', 'bot', 'Acme Bot', 'An agent will be with you shortly.', '2025-03-01T14:55:11Z'),
  message('m3', 'agent', 'Ken', 'Let me check.\r\nOne moment please.', '2025-03-01T14:56:00Z'),
  message('m4', 'agent', 'Ken', 'Customer is upset, offer a coupon', '2025-03-01T14:56:30Z', { private: true }),
  message('m5', 'visitor', null, 'Here is the receipt', '2025-03-01T15:01:00Z', {
    attachments: [{ url: 'https://files.example/r.pdf', name: 'receipt.pdf' }, { url: 'https://files.example/x.png' }],
  }),
  message('m6', 'system', null, 'Chat closed', '2025-03-01T15:20:00Z'),
];

const input = (overrides: Partial<FormatTranscriptInput> = {}): FormatTranscriptInput => ({
  session,
  messages: englishMessages,
  timeZone: 'UTC',
  maxLength: 32_000,
  includePrivate: false,
  ...overrides,
});

describe('formatTranscript', () => {
  it('renders an English transcript: header, one line per message, attachments, indented continuation lines', () => {
    const result = formatTranscript(input());
    expect(result).toEqual({
      title: 'Chat transcript · web · 2025-03-01 14:55 (UTC)',
      truncated: false,
      parts: [
        [
          'Chat transcript',
          'Session: conv-42',
          'Channel: web',
          'Started: 2025-03-01 14:55 (UTC)',
          'Ended: 2025-03-01 15:20 (UTC)',
          'Tags: refund, vip',
          'CSAT: 2/5 "Too slow"',
          'Sentiment: negative (-0.77)',
          '',
          '[14:55] Hanako Sato: Where is my order 245-12784?',
          '[14:55] Bot: An agent will be with you shortly.',
          '[14:56] Ken: Let me check.',
          '  One moment please.',
          '[15:01] Visitor: Here is the receipt',
          '  📎 receipt.pdf: https://files.example/r.pdf',
          '  📎 https://files.example/x.png',
          '[15:20] System: Chat closed',
        ].join('\n'),
      ],
    });
  });

  it('shows times in the workspace zone, names the zone, and marks a new local day', () => {
    const tokyo = formatTranscript(input({ timeZone: 'Asia/Tokyo' })).parts[0];
    expect(tokyo).toContain('Started: 2025-03-01 23:55 (Asia/Tokyo, UTC+09:00)');
    expect(tokyo).toContain('Ended: 2025-03-02 00:20 (Asia/Tokyo, UTC+09:00)');
    expect(tokyo).toContain('[23:56] Ken: Let me check.');
    expect(tokyo).toContain('--- 2025-03-02 ---\n[00:01] Visitor: Here is the receipt');
    expect(formatTranscript(input()).parts[0]).not.toContain('---');
    expect(formatTranscript(input({ timeZone: 'Asia/Tokyo' })).title).toBe(
      'Chat transcript · web · 2025-03-01 23:55 (Asia/Tokyo)',
    );
  });

  it('falls back to UTC, visibly, for an unknown zone', () => {
    const result = formatTranscript(input({ timeZone: 'Not/AZone' }));
    expect(result.parts[0]).toContain('Started: 2025-03-01 14:55 (UTC)');
  });

  it('renders a Japanese transcript with Japanese labels', () => {
    const result = formatTranscript(
      input({
        locale: 'ja',
        timeZone: 'Asia/Tokyo',
        session: { ...session, closedAt: null, tags: ['返金'], csat: { rating: 1, scale: 5, comment: '遅すぎます' } },
        messages: [
          message('j1', 'visitor', null, '注文はどこですか', '2025-03-01T14:55:10Z'),
          message('j2', 'agent', '佐藤', '確認いたします。\n少々お待ちください。', '2025-03-01T14:56:00Z'),
          message('j3', 'agent', '佐藤', '返金対応を検討', '2025-03-01T14:57:00Z', { private: true }),
        ],
        includePrivate: true,
      }),
    );
    expect(result.title).toBe('チャット履歴 · web · 2025-03-01 23:55 (Asia/Tokyo)');
    expect(result.parts).toEqual([
      [
        'チャット履歴',
        'セッション: conv-42',
        'チャネル: web',
        '開始: 2025-03-01 23:55 (Asia/Tokyo, UTC+09:00)',
        '終了: (対応中)',
        'タグ: 返金',
        '顧客満足度: 1/5 「遅すぎます」',
        '感情: ネガティブ (-0.77)',
        '',
        '[23:55] お客様: 注文はどこですか',
        '[23:56] 佐藤: 確認いたします。',
        '  少々お待ちください。',
        '[23:57] 佐藤 (社内メモ): 返金対応を検討',
      ].join('\n'),
    ]);
  });

  describe('private notes', () => {
    it('never appear in a customer-visible transcript, in any part', () => {
      for (const maxLength of [32_000, 200, 90]) {
        const result = formatTranscript(input({ maxLength }));
        expect(result.parts.join('\n')).not.toContain('coupon');
        expect(result.parts.join('\n')).not.toContain('internal note');
      }
    });

    it('appear marked as internal notes when the CRM note is private', () => {
      const text = formatTranscript(input({ includePrivate: true })).parts[0];
      expect(text).toContain('[14:56] Ken (internal note): Customer is upset, offer a coupon');
    });
  });

  it('omits optional header lines and says when there are no messages', () => {
    const text = formatTranscript(
      input({ session: { ...session, tags: [], csat: null, sentiment: undefined, closedAt: null }, messages: [] }),
    ).parts[0];
    expect(text).toBe(
      [
        'Chat transcript',
        'Session: conv-42',
        'Channel: web',
        'Started: 2025-03-01 14:55 (UTC)',
        'Ended: (still open)',
        '',
        '(no messages)',
      ].join('\n'),
    );
  });

  it('cleans bodies and names: line breaks of every kind, control characters, blank-line runs, empty bodies', () => {
    const text = formatTranscript(
      input({
        messages: [
          message(
            'a',
            'visitor',
            ' Ann\nInjected: line ',
            '\n\nfirst\u2028second\r\rthird  \u0007\n\n\n',
            '2025-03-01T15:00:00Z',
          ),
          message('b', 'agent', '', '', '2025-03-01T15:01:00Z', {
            attachments: [{ url: ' https://x.example/a b ', name: '' }],
          }),
        ],
      }),
    ).parts[0];
    expect(text).toContain(
      [
        '[15:00] Ann Injected: line: first',
        '  second',
        '',
        '  third',
        '[15:01] Agent:',
        '  📎 https://x.example/a b',
      ].join('\n'),
    );
    expect(text).not.toMatch(/[^\P{Cc}\n]|\u2028/u);
  });

  it('is deterministic: same text for the same input, whatever order the messages come in', () => {
    const first = formatTranscript(input({ maxLength: 150 }));
    const again = formatTranscript(input({ maxLength: 150 }));
    const shuffled = formatTranscript(input({ maxLength: 150, messages: [...englishMessages].reverse() }));
    expect(again).toEqual(first);
    expect(shuffled).toEqual(first);
  });

  it('orders messages with the same timestamp by id', () => {
    const at = '2025-03-01T15:00:00Z';
    const text = formatTranscript(
      input({ messages: [message('b', 'visitor', null, 'second', at), message('a', 'visitor', null, 'first', at)] }),
    ).parts[0];
    expect(text.indexOf('first')).toBeLessThan(text.indexOf('second'));
  });

  it('rejects a maxLength or maxParts below 1', () => {
    expect(() => formatTranscript(input({ maxLength: 0 }))).toThrow(RangeError);
    expect(() => formatTranscript(input({ maxLength: Number.NaN }))).toThrow(RangeError);
    expect(() => formatTranscript(input({ maxParts: 0 }))).toThrow(RangeError);
  });
});

describe('formatTranscript size limits', () => {
  const manyMessages = (count: number, locale: 'en' | 'ja'): TranscriptMessage[] =>
    Array.from({ length: count }, (_, index) =>
      message(
        `m${String(index).padStart(4, '0')}`,
        index % 2 === 0 ? 'visitor' : 'agent',
        index % 2 === 0 ? null : 'Ken',
        locale === 'ja'
          ? `メッセージ${index}: 注文番号245-12784の配送状況を確認しています。😊`
          : `Message ${index}: checking the delivery status of order 245-12784 👍`,
        new Date(Date.UTC(2025, 2, 1, 14, 55) + index * 61_000).toISOString(),
        index % 7 === 3 ? { private: true } : {},
      ),
    );
  const fullText = (messages: TranscriptMessage[], locale: 'en' | 'ja') =>
    formatTranscript(input({ messages, locale, includePrivate: true, maxLength: 1_000_000 })).parts[0];
  const withoutHeading = (part: string, partCount: number) =>
    partCount > 1 ? part.slice(part.indexOf('\n') + 1) : part;
  const noNewlines = (text: string) => text.replace(/\n/g, '');
  const truncationNotice = {
    en: /\n?… transcript truncated: (\d+) more messages? not shown$/,
    ja: /\n?… 履歴が長すぎるため省略しました: 残り (\d+) 件のメッセージは表示されていません$/,
  };
  const hasLoneSurrogate = (text: string) =>
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

  it('keeps a transcript that fits as a single part, and splits at one character less', () => {
    const messages = manyMessages(5, 'en');
    const whole = fullText(messages, 'en');
    expect(formatTranscript(input({ messages, includePrivate: true, maxLength: whole.length }))).toMatchObject({
      parts: [whole],
      truncated: false,
    });
    const split = formatTranscript(input({ messages, includePrivate: true, maxLength: whole.length - 1 }));
    expect(split.parts).toHaveLength(2);
    expect(split.parts[0].startsWith('(part 1 of 2)\nChat transcript\n')).toBe(true);
    expect(split.parts[1].startsWith('(part 2 of 2)\n[')).toBe(true);
    expect(split.truncated).toBe(false);
  });

  it.each(['en', 'ja'] as const)(
    'never exceeds maxLength and never loses or duplicates text, for every maxLength (%s)',
    (locale) => {
      const messages = manyMessages(40, locale);
      const whole = fullText(messages, locale);
      const sizes = [
        ...Array.from({ length: 400 }, (_, index) => index + 1),
        450,
        777,
        1000,
        1500,
        2222,
        whole.length - 1,
      ];
      for (const maxLength of sizes) {
        const result = formatTranscript(input({ messages, locale, includePrivate: true, maxLength }));
        const context = `maxLength=${maxLength}`;
        expect({ context, lengths: result.parts.filter((part) => part.length > maxLength).length }).toEqual({
          context,
          lengths: 0,
        });
        expect(result.parts.length).toBeGreaterThan(0);
        expect(result.parts.length).toBeLessThanOrEqual(DEFAULT_MAX_PARTS);
        expect(result.parts.some(hasLoneSurrogate)).toBe(false);
        const bodies = result.parts.map((part) => withoutHeading(part, result.parts.length));
        if (!result.truncated) {
          expect(noNewlines(bodies.join(''))).toBe(noNewlines(whole));
        } else if (result.parts.length > 1) {
          // Truncated parts: what is shown is the start of the transcript, then the notice.
          const last = bodies.length - 1;
          const notice = truncationNotice[locale].exec(bodies[last]);
          expect({ context, notice: notice !== null }).toEqual({ context, notice: true });
          bodies[last] = bodies[last].slice(0, notice!.index);
          expect(noNewlines(whole).startsWith(noNewlines(bodies.join('')))).toBe(true);
        } else {
          expect(result.parts[0].endsWith('…')).toBe(true);
          expect(noNewlines(whole).startsWith(noNewlines(result.parts[0].slice(0, -1)))).toBe(true);
        }
        result.parts.forEach((part, index) => {
          if (result.parts.length > 1) {
            const heading = {
              en: `(part ${index + 1} of ${result.parts.length})`,
              ja: `(パート ${index + 1}/${result.parts.length})`,
            };
            expect(part.startsWith(`${heading[locale]}\n`)).toBe(true);
          }
        });
      }
    },
  );

  it('truncates past the part cap, saying how many messages are not shown, and counts right', () => {
    const messages = manyMessages(200, 'en');
    const result = formatTranscript(input({ messages, includePrivate: true, maxLength: 1000 }));
    expect(result.truncated).toBe(true);
    expect(result.parts).toHaveLength(DEFAULT_MAX_PARTS);
    const allText = result.parts.join('\n');
    const shownInFull = messages.filter((m) => allText.includes(`${m.body}\n`) || allText.endsWith(m.body));
    const notice = /… transcript truncated: (\d+) more messages not shown$/.exec(result.parts.at(-1)!);
    expect(notice).not.toBeNull();
    expect(Number(notice![1])).toBe(messages.length - shownInFull.length);
    expect(Number(notice![1])).toBeGreaterThan(0);
  });

  it('honours a smaller part cap', () => {
    const result = formatTranscript(
      input({ messages: manyMessages(50, 'ja'), locale: 'ja', maxLength: 500, maxParts: 2 }),
    );
    expect(result.parts).toHaveLength(2);
    expect(result.truncated).toBe(true);
    expect(result.parts[0].startsWith('(パート 1/2)\n')).toBe(true);
    expect(result.parts[1]).toMatch(/… 履歴が長すぎるため省略しました: 残り \d+ 件のメッセージは表示されていません$/);
  });

  it('cuts a single giant message across parts and keeps all of it', () => {
    const body = Array.from({ length: 400 }, (_, index) => `line ${index} of a pasted log`).join('\n');
    const messages = [message('g', 'visitor', null, body, '2025-03-01T15:00:00Z')];
    const result = formatTranscript(input({ messages, maxLength: 2000 }));
    expect(result.truncated).toBe(false);
    expect(result.parts.length).toBeGreaterThan(3);
    result.parts.forEach((part) => expect(part.length).toBeLessThanOrEqual(2000));
    expect(noNewlines(result.parts.map((part) => withoutHeading(part, result.parts.length)).join(''))).toBe(
      noNewlines(fullText(messages, 'en')),
    );
  });

  it('handles tiny limits with a single part cut short', () => {
    expect(formatTranscript(input({ maxLength: 1 }))).toMatchObject({ parts: ['…'], truncated: true });
    const result = formatTranscript(input({ maxLength: 25 }));
    expect(result.parts).toEqual(['Chat transcript\nSession:…']);
    expect(result.truncated).toBe(true);
  });
});
