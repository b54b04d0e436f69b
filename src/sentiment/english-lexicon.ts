// AFINN-165 (Finn Årup Nielsen, 2009–2015; 3,382 English words and phrases rated -5..5), as shipped inside the
// `sentiment` npm package (MIT). Only the word list is used: the package's own scorer lower-cases before we can
// see capitals and negates only the one word after "not", so the rules live in english-valence.ts instead.
import afinnLabels from 'sentiment/languages/en/labels.json';

/**
 * Customer-support corrections to AFINN, which was rated on tweets. Each line says why.
 * Zero means "not a sentiment word in a support chat".
 */
const SUPPORT_CHAT_OVERRIDES: Readonly<Record<string, number>> = {
  // Requests, not feelings: "can you help me", "please check", "I'd like to", "I want a refund".
  help: 0,
  please: 0,
  like: 0,
  want: 0,
  wants: 0,
  yes: 0,
  kind: 0, // "what kind of"
  dear: 0, // "Dear support"
  support: 0, // "your support team"
  care: 0, // "customer care"
  free: 0, // "free shipping"
  pay: 0,
  top: 0,
  important: 0,
  true: 0,
  clear: 0,
  // Said about a company, these are complaints, not laughter.
  joke: -2,
  funny: 0,
  // Words of the trade AFINN lacks or under-rates.
  refund: -1,
  refunds: -1,
  chargeback: -3,
  scam: -3,
  ripoff: -3,
  unacceptable: -3,
  useless: -3,
  broken: -2,
  damaged: -2,
  late: -1,
  slow: -1,
  waiting: -1,
  lawyer: -2,
  ok: 1,
  okay: 1,
  thx: 2,
  ty: 2,
  // Emoji-era shorthand: "lol" in a complaint is rarely a 3.
  lol: 1,
};

/** Apostrophes are dropped so "can't", "can’t" and "cant" are one key. */
export function normalizeEnglishWord(word: string): string {
  return word.toLowerCase().replace(/['’]/g, '');
}

function buildLexicon(): ReadonlyMap<string, number> {
  const lexicon = new Map<string, number>();
  for (const [phrase, valence] of Object.entries(afinnLabels as Record<string, number>)) {
    lexicon.set(phrase.split(' ').map(normalizeEnglishWord).join(' '), valence);
  }
  for (const [word, valence] of Object.entries(SUPPORT_CHAT_OVERRIDES)) {
    lexicon.set(word, valence);
  }
  return lexicon;
}

/** Single words and the multi-word phrases AFINN rates as a whole ("does not work", "fed up"), space-separated. */
export const ENGLISH_LEXICON = buildLexicon();

/** The longest AFINN phrase has three words. */
export const LONGEST_PHRASE_WORDS = 3;

/**
 * Words that turn a following valenced word around (checked up to three words back, within a clause). Contractions
 * are listed without their apostrophe because words are looked up normalised ("doesn't" → "doesnt").
 */
export const ENGLISH_NEGATORS: ReadonlySet<string> = new Set([
  'not',
  'no',
  'never',
  'none',
  'nobody',
  'nothing',
  'neither',
  'nor',
  'without',
  'cannot',
  'hardly',
  'barely',
  'dont',
  'doesnt',
  'didnt',
  'isnt',
  'arent',
  'wasnt',
  'werent',
  'cant',
  'couldnt',
  'wont',
  'wouldnt',
  'shouldnt',
  'havent',
  'hasnt',
  'hadnt',
  'aint',
  'neednt',
  'mustnt',
]);

export const ENGLISH_BOOSTERS: ReadonlySet<string> = new Set([
  'very',
  'really',
  'so',
  'too',
  'extremely',
  'totally',
  'absolutely',
  'completely',
  'utterly',
  'super',
  'incredibly',
  'highly',
  'truly',
  'seriously',
  'deeply',
  'especially',
  'most',
  'such',
]);

export const ENGLISH_DAMPENERS: ReadonlySet<string> = new Set([
  'slightly',
  'somewhat',
  'bit',
  'little',
  'kinda',
  'fairly',
  'mildly',
  'marginally',
]);

/**
 * Words after which the writer states what they really mean ("nice, but useless"). Not "although": what follows it
 * is the conceded part, the opposite.
 */
export const ENGLISH_CONTRASTS: ReadonlySet<string> = new Set(['but', 'however']);
