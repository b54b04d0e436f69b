import { emojiValence } from './emoji-valence';
import { englishValence } from './english-valence';
import { japaneseValence } from './japanese-valence';
import { detectLanguage, type DetectedLanguage } from './script-detection';
import { addExclamationEmphasis, countExclamations, normalizeValence } from './valence-rules';

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

export interface SentimentScore {
  /** -1 (very negative) .. 1 (very positive), rounded to three decimals. */
  score: number;
  language: DetectedLanguage;
  label: SentimentLabel;
  /** Strong enough to raise an escalation's priority. */
  strongNegative: boolean;
}

/**
 * Thresholds on the normalised score. One mild word (AFINN ±1: "ok", 「返金」) gives ±0.25 and stays neutral; one
 * moderate word (±2: "problem", 「遅い」) gives ±0.46 and is labelled. Strongly negative needs more than one
 * clear word (±3 alone is 0.61): "ridiculous" plus an exclamation, 「最悪」 (-4 → 0.72), an angry emoji, or two
 * complaints in one message.
 */
export const POSITIVE_THRESHOLD = 0.3;
export const NEGATIVE_THRESHOLD = -0.3;
export const STRONG_NEGATIVE_THRESHOLD = -0.65;

/** In a transcript score, the last visitor message weighs this many times the first one (linear in between). */
export const LAST_MESSAGE_WEIGHT = 3;

function labelFor(score: number): SentimentLabel {
  if (score >= POSITIVE_THRESHOLD) {
    return 'positive';
  }
  if (score <= NEGATIVE_THRESHOLD) {
    return 'negative';
  }
  return 'neutral';
}

function roundScore(score: number): number {
  // Three decimals: enough to order chats, and the same number on every platform (stored, compared in tests).
  return Math.round(score * 1000) / 1000 || 0;
}

function toScore(rawScore: number, language: DetectedLanguage): SentimentScore {
  const score = roundScore(rawScore);
  return { score, language, label: labelFor(score), strongNegative: score <= STRONG_NEGATIVE_THRESHOLD };
}

/**
 * Lexicon-based sentiment of one message. English words, Japanese words and emoji are each scored by their own
 * rules (a Japanese message may contain English words and the other way round), summed, emphasised by
 * exclamation marks, and normalised to -1..1. `language` is the dominant script, for display and analytics.
 */
export function scoreSentiment(text: string): SentimentScore {
  const valence = englishValence(text) + japaneseValence(text) + emojiValence(text);
  const emphasised = addExclamationEmphasis(valence, countExclamations(text));
  return toScore(normalizeValence(emphasised), detectLanguage(text));
}

export interface TranscriptMessageForSentiment {
  author: 'visitor' | 'agent' | 'bot';
  text: string;
  private?: boolean;
}

/** Linear ramp from 1 (first visitor message) to LAST_MESSAGE_WEIGHT (last one). */
function recencyWeight(position: number, count: number): number {
  return count <= 1 ? 1 : 1 + ((LAST_MESSAGE_WEIGHT - 1) * position) / (count - 1);
}

function weightedMean(values: ReadonlyArray<{ score: number; weight: number }>): number {
  const totalWeight = values.reduce((total, value) => total + value.weight, 0);
  return totalWeight === 0 ? 0 : values.reduce((total, value) => total + value.score * value.weight, 0) / totalWeight;
}

/**
 * The customer's sentiment over a chat:
 * - Only the visitor's own messages count (never private notes): an agent's 「申し訳ございません」 or "Happy to
 *   help!" says nothing about the customer and must not mask an angry one.
 * - Each message is scored alone; messages without a clear sentiment (label neutral: "where is my order?") are
 *   left out of the average, so facts typed after a complaint do not dilute it. If none is clear, all count.
 * - Later messages weigh more, linearly from 1× (first) to 3× (last): how the chat ends is how the customer leaves.
 *   An angry start that ends in "thanks, that fixed it" comes out neutral to positive; the reverse, negative.
 * - strongNegative: the weighted score is strongly negative, or the customer's last clear message is. A customer
 *   who ended angry needs attention even if they were friendly earlier.
 */
export function scoreTranscript(messages: readonly TranscriptMessageForSentiment[]): SentimentScore {
  const visitorTexts = messages
    .filter((message) => message.author === 'visitor' && message.private !== true)
    .map((message) => message.text);
  if (visitorTexts.length === 0) {
    return toScore(0, 'unknown');
  }
  const combined = combineMessageScores(visitorTexts.map((text) => scoreSentiment(text).score));
  return { ...combined, language: detectLanguage(visitorTexts.join('\n')) };
}

/**
 * The transcript rules above, from the visitor messages' own scores (scoreSentiment(text).score, oldest first):
 * what the service stores per message, so a chat's score is updated without re-reading or re-scoring its text.
 */
export function combineMessageScores(scores: readonly number[]): Omit<SentimentScore, 'language'> {
  if (scores.length === 0) {
    const { language: _language, ...neutral } = toScore(0, 'unknown');
    return neutral;
  }
  const scored = scores.map((score, position) => ({
    score,
    label: labelFor(score),
    strongNegative: score <= STRONG_NEGATIVE_THRESHOLD,
    weight: recencyWeight(position, scores.length),
  }));
  const clear = scored.filter((message) => message.label !== 'neutral');
  const { language: _language, ...result } = toScore(weightedMean(clear.length > 0 ? clear : scored), 'unknown');
  const lastClear = clear.at(-1);
  return { ...result, strongNegative: result.strongNegative || lastClear?.strongNegative === true };
}
