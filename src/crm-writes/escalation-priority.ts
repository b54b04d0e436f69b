import type { CasePriority } from '../connectors/crm.types';
import { STRONG_NEGATIVE_THRESHOLD } from '../sentiment/sentiment';

const RANK: CasePriority[] = ['low', 'normal', 'high', 'urgent'];

/**
 * The case priority for an escalation: the chat system's hint, raised by what we know — a VIP customer, a strongly
 * negative conversation, an urgent-looking tag, or a low CSAT. Each rule raises by at most one step, so no single
 * signal jumps a routine case to urgent.
 */
export function escalationPriority(input: {
  hint: string | null;
  vip: boolean;
  sentiment: number | null;
  tags: string[];
  csatOutOfFive: number | null;
  reason: 'escalation' | 'low_csat';
}): CasePriority {
  let rank = Math.max(0, RANK.indexOf((input.hint as CasePriority | null) ?? 'normal'));
  const raise = () => {
    rank = Math.min(RANK.length - 1, rank + 1);
  };
  if (input.vip) {
    raise();
  }
  if (input.sentiment !== null && input.sentiment <= STRONG_NEGATIVE_THRESHOLD) {
    raise();
  }
  if (input.tags.some((tag) => /urgent|refund|legal|chargeback|complaint|至急|返金/i.test(tag))) {
    raise();
  }
  if (input.reason === 'low_csat' || (input.csatOutOfFive !== null && input.csatOutOfFive <= 2)) {
    raise();
  }
  return RANK[rank];
}
