// The Emoji Sentiment Ranking (Kralj Novak et al., "Sentiment of Emojis", PLoS ONE 2015), scaled to -3..3, as
// shipped in the `sentiment` npm package (MIT).
import emojiRanking from 'sentiment/build/emoji.json';

/**
 * The ranking was measured on tweets, where 😡 is often playful (-1) and 💢 even positive. In a support chat they
 * mean anger, so the anger and approval emoji get the strength their face says.
 */
const SUPPORT_CHAT_EMOJI: Readonly<Record<string, number>> = {
  '😡': -4,
  '🤬': -4,
  '😠': -3,
  '👿': -3,
  '💢': -2,
  '😤': -2,
  '👎': -2,
  '🙄': -2,
  '😢': -2,
  '😭': -2,
  '😞': -2,
  '🙂': 1,
  '😊': 3,
  '👍': 2,
  '🙏': 1,
  '🤔': 0,
};

/** Plain-text faces still common in chats, matched only as separate words so "http://" or "a:b" is left alone. */
const EMOTICONS: Readonly<Record<string, number>> = {
  ':)': 2,
  ':-)': 2,
  ':D': 2,
  ';)': 1,
  ':(': -2,
  ':-(': -2,
  ":'(": -2,
  '>:(': -3,
};

const EMOJI_LEXICON: ReadonlyMap<string, number> = new Map([
  ...Object.entries(emojiRanking as Record<string, number>),
  ...Object.entries(SUPPORT_CHAT_EMOJI),
]);

const PICTOGRAPH = /\p{Extended_Pictographic}/gu;
const EMOTICON = /(?<=^|\s)(?:>:\(|:'\(|:-?[()]|:D|;\))(?=$|\s|[.,!?])/g;

/** Sum of emoji and emoticon valences; they are scored in every language. */
export function emojiValence(text: string): number {
  let sum = 0;
  for (const match of text.matchAll(PICTOGRAPH)) {
    sum += EMOJI_LEXICON.get(match[0]) ?? 0;
  }
  for (const match of text.matchAll(EMOTICON)) {
    sum += EMOTICONS[match[0]] ?? 0;
  }
  return sum;
}
