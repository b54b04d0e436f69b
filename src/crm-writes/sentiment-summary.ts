import { NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD } from '../sentiment/sentiment';

/** The label shown next to a stored session score in transcripts (same thresholds as the scorer). */
export function sentimentSummary(score: number | null): { score: number; label: string } | null {
  if (score === null) {
    return null;
  }
  const label = score >= POSITIVE_THRESHOLD ? 'positive' : score <= NEGATIVE_THRESHOLD ? 'negative' : 'neutral';
  return { score, label };
}
