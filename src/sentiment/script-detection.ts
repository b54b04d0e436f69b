export type DetectedLanguage = 'en' | 'ja' | 'unknown';

/** Share of letters that must be kana or kanji for a text to count as Japanese. */
export const JAPANESE_SCRIPT_SHARE = 0.3;
/** Share of letters that must be Latin for a text to count as English. */
export const LATIN_SCRIPT_SHARE = 0.5;

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}\u30fc]/u;
const HAN = /\p{Script=Han}/u;
const LATIN = /\p{Script=Latin}/u;
const LETTER = /\p{L}/u;

interface ScriptCounts {
  kana: number;
  han: number;
  latin: number;
  letters: number;
}

function countScripts(text: string): ScriptCounts {
  const counts: ScriptCounts = { kana: 0, han: 0, latin: 0, letters: 0 };
  for (const char of text) {
    if (KANA.test(char)) {
      counts.kana += 1;
    } else if (HAN.test(char)) {
      counts.han += 1;
    } else if (LATIN.test(char)) {
      counts.latin += 1;
    } else if (!LETTER.test(char)) {
      continue;
    }
    counts.letters += 1;
  }
  return counts;
}

/**
 * Decides the language by script, not by vocabulary: a chat message is short and mixes in order numbers, product
 * names and English words, so "which letters dominate" is the robust signal.
 *
 * - Japanese: kana + kanji are at least 30% of the letters. Japanese chats are full of Latin product names and
 *   SKUs ("iPhone 15の注文"), so a majority rule would miss them. Kanji-only text ("最悪") counts as Japanese: it
 *   could be Chinese, but the service has no Chinese lexicon, and the words Japanese and Chinese share (最悪, 最低)
 *   mean much the same in both.
 * - English: Latin letters are at least half. Any Latin-script text is scored with the English lexicon; a French
 *   message simply finds few words in it and comes out neutral.
 * - Anything else (no letters at all, Cyrillic, Hangul, …) is `unknown`; emoji are still scored.
 */
export function detectLanguage(text: string): DetectedLanguage {
  const counts = countScripts(text);
  if (counts.letters === 0) {
    return 'unknown';
  }
  if ((counts.kana + counts.han) / counts.letters >= JAPANESE_SCRIPT_SHARE) {
    return 'ja';
  }
  if (counts.latin / counts.letters >= LATIN_SCRIPT_SHARE) {
    return 'en';
  }
  return 'unknown';
}
