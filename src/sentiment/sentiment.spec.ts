import {
  NEGATIVE_THRESHOLD,
  POSITIVE_THRESHOLD,
  STRONG_NEGATIVE_THRESHOLD,
  combineMessageScores,
  scoreSentiment,
  scoreTranscript,
  type TranscriptMessageForSentiment,
} from './sentiment';

describe('scoreSentiment', () => {
  it.each([
    ['This is ridiculous, I want a refund NOW!!', 'en'],
    ['It is not working at all, very frustrating', 'en'],
    ['TERRIBLE service', 'en'],
    ['最悪です。二度と使いません', 'ja'],
    ['ふざけないでください！', 'ja'],
    ['😡😡', 'unknown'],
  ] as const)('%s is strongly negative (%s)', (text, language) => {
    const result = scoreSentiment(text);
    expect(result).toMatchObject({ language, label: 'negative', strongNegative: true });
    expect(result.score).toBeLessThanOrEqual(STRONG_NEGATIVE_THRESHOLD);
    expect(result.score).toBeGreaterThanOrEqual(-1);
  });

  it.each([
    ['Thank you so much, that was really helpful!', 'en'],
    ['Great, thanks! 😊', 'en'],
    ['Perfect, problem solved :)', 'en'],
    ['ありがとうございました！助かりました', 'ja'],
    ['とても良い対応でした。満足です', 'ja'],
  ] as const)('%s is positive (%s)', (text, language) => {
    const result = scoreSentiment(text);
    expect(result).toMatchObject({ language, label: 'positive', strongNegative: false });
    expect(result.score).toBeGreaterThanOrEqual(POSITIVE_THRESHOLD);
    expect(result.score).toBeLessThanOrEqual(1);
  });

  it.each([
    ['where is my order 245-12784?', 'en'],
    ['Can you help me change my delivery address please?', 'en'],
    ['I would like to know when my package arrives', 'en'],
    ['注文はどこですか', 'ja'],
    ['お世話になっております。注文番号245-12784の件です。', 'ja'],
    ['最低でも3日かかりますか？', 'ja'],
  ] as const)('%s is a neutral question (%s)', (text, language) => {
    expect(scoreSentiment(text)).toEqual({ score: 0, language, label: 'neutral', strongNegative: false });
  });

  it('reports unknown language for text without letters or in an unsupported script, and stays neutral', () => {
    expect(scoreSentiment('245-12784')).toEqual({
      score: 0,
      language: 'unknown',
      label: 'neutral',
      strongNegative: false,
    });
    expect(scoreSentiment('')).toEqual({ score: 0, language: 'unknown', label: 'neutral', strongNegative: false });
    expect(scoreSentiment('Где мой заказ?').language).toBe('unknown');
  });

  describe('negation', () => {
    it.each([
      ['I am happy', 'I am not happy'],
      ['it is good', "I don't think it's good"],
      ['this was helpful', 'this wasn’t helpful'],
      ['良い', '良くない'],
      ['満足です', '満足できない'],
      ['嬉しいです', '嬉しくないです'],
      ['気に入りました', '気に入らない'],
    ])('"%s" is positive and "%s" negative', (plain, negated) => {
      expect(scoreSentiment(plain).label).toBe('positive');
      expect(scoreSentiment(negated).label).toBe('negative');
    });

    it('turns a problem into relief ("no problem", 「問題ありません」)', () => {
      expect(scoreSentiment('I have a problem').label).toBe('negative');
      expect(scoreSentiment('No problem').label).toBe('positive');
      expect(scoreSentiment('問題があります').label).toBe('negative');
      expect(scoreSentiment('問題ありません').label).toBe('positive');
    });

    it('weakens while it flips: "not happy" is less negative than "sad"', () => {
      expect(scoreSentiment('not happy').score).toBeGreaterThan(scoreSentiment('sad and angry').score);
      expect(Math.abs(scoreSentiment('not happy').score)).toBeLessThan(scoreSentiment('happy').score);
    });

    it('does not reach across a sentence boundary', () => {
      expect(scoreSentiment('No. This is great').label).toBe('positive');
    });
  });

  describe('emphasis', () => {
    it('makes boosters, capitals and exclamation marks stronger, dampeners weaker', () => {
      const plain = scoreSentiment('this is bad').score;
      expect(scoreSentiment('this is very bad').score).toBeLessThan(plain);
      expect(scoreSentiment('this is BAD').score).toBeLessThan(plain);
      expect(scoreSentiment('this is bad!!!').score).toBeLessThan(plain);
      expect(scoreSentiment('this is slightly bad').score).toBeGreaterThan(plain);
      expect(scoreSentiment('とても良い').score).toBeGreaterThan(scoreSentiment('良い').score);
      expect(scoreSentiment('少し遅い').score).toBeGreaterThan(scoreSentiment('遅い').score);
      expect(scoreSentiment('最悪！！').score).toBeLessThan(scoreSentiment('最悪').score);
    });

    it('does not make a neutral text emotional with exclamation marks or capitals alone', () => {
      expect(scoreSentiment('ORDER 245-12784!!!').score).toBe(0);
    });

    it('reads emoji and plain emoticons in any language', () => {
      expect(scoreSentiment('届きました😊').label).toBe('positive');
      expect(scoreSentiment('the new update 👎').label).toBe('negative');
      expect(scoreSentiment('still waiting :(').label).toBe('negative');
      expect(scoreSentiment('see http://example.com/a:(b)').score).toBe(0);
    });
  });

  describe('mixed feelings', () => {
    it('follows what comes after "but" / 「けど」', () => {
      expect(scoreSentiment('The product is great but the delivery was terrible').label).toBe('negative');
      expect(scoreSentiment('Delivery was late but the support team was great, thanks!').label).toBe('positive');
      expect(scoreSentiment('商品は良いけど、配送が遅すぎる').label).toBe('negative');
      expect(scoreSentiment('配送は遅かったけど、商品はとても良いです').label).toBe('positive');
    });

    it('scores English words inside a Japanese message and the other way round', () => {
      expect(scoreSentiment('サポート最悪 lol')).toMatchObject({ language: 'ja', label: 'negative' });
      expect(scoreSentiment('The support was 最高')).toMatchObject({ language: 'en', label: 'positive' });
    });
  });

  it('keeps one mild word neutral and labels one moderate word (documented thresholds)', () => {
    expect(scoreSentiment('ok').label).toBe('neutral');
    expect(scoreSentiment('返金をお願いします').label).toBe('neutral');
    expect(scoreSentiment('I have a problem with the app').score).toBeLessThanOrEqual(NEGATIVE_THRESHOLD);
    expect(scoreSentiment('I have a problem with the app').strongNegative).toBe(false);
  });

  it('is deterministic and bounded on long, repetitive text', () => {
    const angry = 'TERRIBLE!!! '.repeat(500);
    expect(scoreSentiment(angry)).toEqual(scoreSentiment(angry));
    expect(scoreSentiment(angry).score).toBeGreaterThanOrEqual(-1);
    expect(scoreSentiment('最高！'.repeat(500)).score).toBeLessThanOrEqual(1);
  });
});

describe('scoreTranscript', () => {
  const visitor = (text: string): TranscriptMessageForSentiment => ({ author: 'visitor', text });
  const agent = (text: string, isPrivate = false): TranscriptMessageForSentiment => ({
    author: 'agent',
    text,
    private: isPrivate,
  });

  it("ignores the agent's and bot's politeness: an angry customer stays angry", () => {
    const result = scoreTranscript([
      { author: 'bot', text: 'Hi! Happy to help, we love our customers! 😊' },
      visitor('This is ridiculous, I want a refund NOW!!'),
      agent('I am so sorry! Thank you for your patience, happy to help, great question!'),
      visitor('order 245-12784'),
    ]);
    expect(result).toMatchObject({ language: 'en', label: 'negative', strongNegative: true });
  });

  it('ignores private notes even if they were marked on a visitor message', () => {
    const result = scoreTranscript([
      visitor('Thanks, that was perfect!'),
      { author: 'visitor', text: 'This is terrible, worst company ever!!!', private: true },
      agent('customer is furious, terrible situation', true),
    ]);
    expect(result.label).toBe('positive');
  });

  it('weights the end of the chat most: anger that ends in thanks is not strongly negative', () => {
    const calmed = scoreTranscript([visitor('This is ridiculous!!'), visitor('ok it works now, thank you so much!')]);
    const escalated = scoreTranscript([
      visitor('ok it works now, thank you so much!'),
      visitor('This is ridiculous!!'),
    ]);
    expect(calmed.strongNegative).toBe(false);
    expect(calmed.score).toBeGreaterThan(NEGATIVE_THRESHOLD);
    expect(escalated).toMatchObject({ label: 'negative', strongNegative: true });
    expect(escalated.score).toBeLessThan(calmed.score);
  });

  it('does not let neutral facts dilute a complaint', () => {
    const complaint = scoreTranscript([visitor('最悪です。二度と使いません')]);
    const withFacts = scoreTranscript([
      visitor('最悪です。二度と使いません'),
      visitor('注文番号は245-12784です'),
      visitor('住所は東京都です'),
    ]);
    expect(withFacts).toEqual(complaint);
    expect(withFacts).toMatchObject({ language: 'ja', strongNegative: true });
  });

  it('is neutral with unknown language when the visitor said nothing', () => {
    expect(scoreTranscript([agent('Hello?'), { author: 'bot', text: 'Are you still there?' }])).toEqual({
      score: 0,
      language: 'unknown',
      label: 'neutral',
      strongNegative: false,
    });
    expect(scoreTranscript([])).toMatchObject({ score: 0, label: 'neutral' });
  });

  it('equals the message score for a one-message chat', () => {
    const text = 'Great service, thanks!';
    expect(scoreTranscript([visitor(text)])).toEqual(scoreSentiment(text));
  });

  it('flags a customer who ended strongly negative even after earlier praise', () => {
    const result = scoreTranscript([
      visitor('Great, thanks!'),
      visitor('Perfect, love it'),
      visitor('wait, it broke again. Unacceptable, I want a refund NOW!!'),
    ]);
    expect(result.strongNegative).toBe(true);
  });
});

describe('combineMessageScores', () => {
  it('gives the transcript score from the stored per-message scores, whatever the mix', () => {
    const lines = [
      'Where is my order 245-12784?',
      'This is ridiculous!!! Nobody answers',
      'ok thanks',
      '最悪です。返金してください',
      'ありがとうございます、助かりました',
      '😡😡',
      'Great, that fixed it!',
      '12345',
    ];
    for (let seed = 1; seed <= 200; seed += 1) {
      const texts = Array.from({ length: 1 + (seed % 7) }, (_, i) => lines[(seed * 7 + i * 3) % lines.length]);
      const viaText = scoreTranscript(texts.map((text) => ({ author: 'visitor' as const, text })));
      const viaScores = combineMessageScores(texts.map((text) => scoreSentiment(text).score));
      expect({ ...viaScores, language: viaText.language }).toEqual(viaText);
    }
  });
});
