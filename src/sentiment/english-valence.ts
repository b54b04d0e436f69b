import {
  ENGLISH_BOOSTERS,
  ENGLISH_CONTRASTS,
  ENGLISH_DAMPENERS,
  ENGLISH_LEXICON,
  ENGLISH_NEGATORS,
  LONGEST_PHRASE_WORDS,
  normalizeEnglishWord,
} from './english-lexicon';
import {
  BOOSTER_MULTIPLIER,
  CAPS_MULTIPLIER,
  DAMPENER_MULTIPLIER,
  NEGATION_SCALAR,
  contrastWeight,
} from './valence-rules';

interface WordToken {
  kind: 'word';
  raw: string;
  normalized: string;
}
interface BoundaryToken {
  kind: 'boundary';
}
type EnglishToken = WordToken | BoundaryToken;

/** How far back a negator still reaches: "I don't think it's good" (VADER looks three words back as well). */
const NEGATION_WINDOW_WORDS = 3;
/** "really very bad" stacks; more than three boosters in a row is noise. */
const MAX_STACKED_MODIFIERS = 3;

// Latin words (with inner apostrophes: "don't") and clause boundaries. Everything else, Japanese included, is
// skipped here: the Japanese scorer reads that part of a mixed message.
const TOKEN_PATTERN = /([A-Za-z\u00c0-\u024f0-9]+(?:['’][A-Za-z]+)*)|([.,;:!?\n。、！？])/g;

export function tokenizeEnglish(text: string): EnglishToken[] {
  const tokens: EnglishToken[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const word = match[1];
    tokens.push(
      word === undefined ? { kind: 'boundary' } : { kind: 'word', raw: word, normalized: normalizeEnglishWord(word) },
    );
  }
  return tokens;
}

function wordAt(tokens: readonly EnglishToken[], index: number): WordToken | null {
  const token = tokens[index];
  return token?.kind === 'word' ? token : null;
}

function isModifierWord(word: string): boolean {
  return (
    ENGLISH_NEGATORS.has(word) ||
    ENGLISH_BOOSTERS.has(word) ||
    ENGLISH_DAMPENERS.has(word) ||
    ENGLISH_CONTRASTS.has(word)
  );
}

interface LexiconMatch {
  valence: number;
  words: WordToken[];
}

/** Longest phrase first, so "does not work" is rated as a phrase instead of "work" being negated. */
function matchLexicon(tokens: readonly EnglishToken[], start: number): LexiconMatch | null {
  for (let length = LONGEST_PHRASE_WORDS; length >= 1; length -= 1) {
    const words: WordToken[] = [];
    for (let offset = 0; offset < length; offset += 1) {
      const word = wordAt(tokens, start + offset);
      if (word === null) {
        break;
      }
      words.push(word);
    }
    if (words.length !== length) {
      continue;
    }
    if (length === 1 && isModifierWord(words[0].normalized)) {
      // "no", "so", "but": their job is to modify others; AFINN's own rating of "no" (-1) would double-count.
      return null;
    }
    const valence = ENGLISH_LEXICON.get(words.map((word) => word.normalized).join(' '));
    if (valence !== undefined && valence !== 0) {
      return { valence, words };
    }
  }
  return null;
}

/** Shouting: the word itself in capitals (at least two letters, so "I" and "A" do not count). */
function isShouted(word: WordToken): boolean {
  const letters = word.raw.replace(/[^A-Za-z]/g, '');
  return letters.length >= 2 && letters === letters.toUpperCase();
}

/** Boosters/dampeners directly in front ("really very bad"); returns the multiplier and where they start. */
function precedingIntensity(
  tokens: readonly EnglishToken[],
  start: number,
): { multiplier: number; firstIndex: number } {
  let multiplier = 1;
  let index = start - 1;
  for (let stacked = 0; stacked < MAX_STACKED_MODIFIERS; stacked += 1) {
    const word = wordAt(tokens, index);
    if (word === null) {
      break;
    }
    if (ENGLISH_BOOSTERS.has(word.normalized)) {
      multiplier *= BOOSTER_MULTIPLIER;
    } else if (ENGLISH_DAMPENERS.has(word.normalized)) {
      multiplier *= DAMPENER_MULTIPLIER;
    } else {
      break;
    }
    index -= 1;
  }
  return { multiplier, firstIndex: index + 1 };
}

/** A negator within a few words before, not across a clause boundary ("No. This is great" is not negated). */
function isNegated(tokens: readonly EnglishToken[], before: number): boolean {
  for (let index = before - 1; index >= 0 && index >= before - NEGATION_WINDOW_WORDS; index -= 1) {
    const word = wordAt(tokens, index);
    if (word === null) {
      return false;
    }
    if (ENGLISH_NEGATORS.has(word.normalized)) {
      return true;
    }
  }
  return false;
}

/** The last "but"/"however": what follows it weighs more, what precedes it less. */
function lastContrastIndex(tokens: readonly EnglishToken[]): number | null {
  for (let index = tokens.length - 1; index >= 0; index -= 1) {
    const word = wordAt(tokens, index);
    if (word !== null && ENGLISH_CONTRASTS.has(word.normalized)) {
      return index;
    }
  }
  return null;
}

function modifiedValence(tokens: readonly EnglishToken[], start: number, match: LexiconMatch): number {
  let valence = match.valence;
  if (match.words.every(isShouted)) {
    valence *= CAPS_MULTIPLIER;
  }
  const intensity = precedingIntensity(tokens, start);
  valence *= intensity.multiplier;
  if (isNegated(tokens, intensity.firstIndex)) {
    valence *= NEGATION_SCALAR;
  }
  return valence;
}

/**
 * Sum of AFINN valences (-5..5 per word) of the Latin-script words in `text`, with negation, boosters, capitals
 * and "but" applied. Not normalised: the caller adds the other scorers first.
 */
export function englishValence(text: string): number {
  const tokens = tokenizeEnglish(text);
  const contrastAt = lastContrastIndex(tokens);
  let sum = 0;
  let index = 0;
  while (index < tokens.length) {
    const match = matchLexicon(tokens, index);
    if (match === null) {
      index += 1;
      continue;
    }
    sum += modifiedValence(tokens, index, match) * contrastWeight(index, contrastAt);
    index += match.words.length;
  }
  return sum;
}
