import { escalationPriority } from './escalation-priority';

const base = { hint: null, vip: false, sentiment: null, tags: [], csatOutOfFive: null, reason: 'escalation' as const };

describe('escalationPriority', () => {
  it('starts from the hint (normal without one)', () => {
    expect(escalationPriority(base)).toBe('normal');
    expect(escalationPriority({ ...base, hint: 'low' })).toBe('low');
    expect(escalationPriority({ ...base, hint: 'urgent' })).toBe('urgent');
  });

  it('raises one step per signal: VIP, strongly negative sentiment, urgent tags, low CSAT', () => {
    expect(escalationPriority({ ...base, vip: true })).toBe('high');
    expect(escalationPriority({ ...base, sentiment: -0.8 })).toBe('high');
    expect(escalationPriority({ ...base, sentiment: -0.2 })).toBe('normal');
    expect(escalationPriority({ ...base, tags: ['返金'] })).toBe('high');
    expect(escalationPriority({ ...base, reason: 'low_csat' })).toBe('high');
    expect(escalationPriority({ ...base, vip: true, sentiment: -0.9, tags: ['refund'] })).toBe('urgent');
  });
});
