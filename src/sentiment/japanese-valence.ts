import {
  JAPANESE_BOOSTER_BEFORE,
  JAPANESE_CONTRAST,
  JAPANESE_DAMPENER_BEFORE,
  JAPANESE_LEXICON,
  JAPANESE_NEGATION_AFTER,
} from './japanese-lexicon';
import { BOOSTER_MULTIPLIER, DAMPENER_MULTIPLIER, NEGATION_SCALAR, contrastWeight } from './valence-rules';

/** How many characters before a word a booster may end (「本当に、」 is four). */
const BOOSTER_LOOKBEHIND_CHARS = 8;

/** Lexicon terms grouped by first character, longest first, so the scan tries few candidates per position. */
const TERMS_BY_FIRST_CHAR: ReadonlyMap<string, readonly string[]> = (() => {
  const byFirstChar = new Map<string, string[]>();
  for (const term of JAPANESE_LEXICON.keys()) {
    const first = term[0];
    byFirstChar.set(first, [...(byFirstChar.get(first) ?? []), term]);
  }
  for (const terms of byFirstChar.values()) {
    terms.sort((a, b) => b.length - a.length || a.localeCompare(b));
  }
  return byFirstChar;
})();

function longestTermAt(text: string, index: number): string | null {
  const candidates = TERMS_BY_FIRST_CHAR.get(text[index]) ?? [];
  return candidates.find((term) => text.startsWith(term, index)) ?? null;
}

function intensityBefore(text: string, start: number): number {
  const before = text.slice(Math.max(0, start - BOOSTER_LOOKBEHIND_CHARS), start);
  if (JAPANESE_BOOSTER_BEFORE.test(before)) {
    return BOOSTER_MULTIPLIER;
  }
  if (JAPANESE_DAMPENER_BEFORE.test(before)) {
    return DAMPENER_MULTIPLIER;
  }
  return 1;
}

/** Length of the negating tail right after a word (「ない」 in 「良くない」), or 0. */
function negationLengthAfter(text: string, end: number): number {
  return JAPANESE_NEGATION_AFTER.exec(text.slice(end, end + 12))?.[0].length ?? 0;
}

function lastContrastIndex(text: string): number | null {
  let last: number | null = null;
  for (const match of text.matchAll(JAPANESE_CONTRAST)) {
    last = match.index;
  }
  return last;
}

/**
 * Sum of valences (AFINN scale) of the Japanese lexicon words in `text`, found by longest-match scanning, with
 * negation after the word (Japanese negates at the end: 「良くない」), boosters before it and contrast applied.
 * Not normalised: the caller adds the other scorers first.
 */
export function japaneseValence(text: string): number {
  const contrastAt = lastContrastIndex(text);
  let sum = 0;
  let index = 0;
  while (index < text.length) {
    const term = longestTermAt(text, index);
    const valence = term === null ? 0 : (JAPANESE_LEXICON.get(term) ?? 0);
    if (term === null || valence === 0) {
      // A false friend (rated 0) is skipped whole so its inner word is not rated: 「最低でも」 is not 「最低」.
      index += term?.length ?? 1;
      continue;
    }
    const end = index + term.length;
    const negationLength = negationLengthAfter(text, end);
    const negation = negationLength > 0 ? NEGATION_SCALAR : 1;
    sum += valence * intensityBefore(text, index) * negation * contrastWeight(index, contrastAt);
    // Skip the negation too, so 「満足できない」 is one negated 「満足」 and not also 「できない」.
    index = end + negationLength;
  }
  return sum;
}
