/**
 * The shared arithmetic of the lexicon scorers. Word valences use AFINN's scale (-5..5) in both languages; the
 * modifiers follow VADER (Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social
 * Media Text", ICWSM 2014), rescaled from VADER's -4..4 to AFINN's -5..5 where they are additive.
 */

/** A negated word keeps 74% of its strength with the opposite sign ("not happy" is negative, but less than "sad"). */
export const NEGATION_SCALAR = -0.74;

/** "very", 「とても」: a booster in front of a word. VADER adds ~0.3 on its 4-point scale; a ratio keeps AFINN's spread. */
export const BOOSTER_MULTIPLIER = 1.3;

/** "slightly", 「少し」. */
export const DAMPENER_MULTIPLIER = 0.6;

/** A valenced word in ALL CAPS ("TERRIBLE"): VADER's +0.733 on an average word of ~2 is about +40%. */
export const CAPS_MULTIPLIER = 1.4;

/** Each "!" (up to four) adds this much in the direction the text already leans (VADER: 0.292 × 5/4). */
export const EXCLAMATION_BOOST = 0.36;
export const MAX_EXCLAMATIONS = 4;

/** Around a contrast ("but", 「けど」) the second half is what the writer means: VADER's 0.5 / 1.5. */
export const BEFORE_CONTRAST_WEIGHT = 0.5;
export const AFTER_CONTRAST_WEIGHT = 1.5;

/** VADER's normalisation constant: x / sqrt(x² + α) maps a valence sum onto -1..1, ±4 (one strong word) ≈ ±0.72. */
export const NORMALIZATION_ALPHA = 15;

export function normalizeValence(sum: number): number {
  if (sum === 0) {
    return 0;
  }
  const normalized = sum / Math.sqrt(sum * sum + NORMALIZATION_ALPHA);
  return Math.max(-1, Math.min(1, normalized));
}

export function contrastWeight(position: number, contrastAt: number | null): number {
  if (contrastAt === null) {
    return 1;
  }
  return position < contrastAt ? BEFORE_CONTRAST_WEIGHT : AFTER_CONTRAST_WEIGHT;
}

/** "!" and the full-width "！" Japanese writers use. */
export function countExclamations(text: string): number {
  return (text.match(/[!！]/g) ?? []).length;
}

/** Exclamation marks intensify whatever the text says; they carry no direction of their own. */
export function addExclamationEmphasis(sum: number, exclamations: number): number {
  if (sum === 0) {
    return 0;
  }
  const boost = Math.min(exclamations, MAX_EXCLAMATIONS) * EXCLAMATION_BOOST;
  return sum + Math.sign(sum) * boost;
}
