import type { ChatEvent } from './chat-event.types';
import { applyEvent, type SessionState } from './session-state';

const start = new Date('2026-06-01T10:00:00Z');
const fresh = (): SessionState => ({
  status: 'open',
  startedAt: start,
  closedAt: null,
  stateChangedAt: start,
  stateSequence: null,
  tags: [],
  tagsChangedAt: null,
  csatRating: null,
  csatScale: null,
  csatComment: null,
  csatAt: null,
  escalatedAt: null,
  escalationReason: null,
  priority: null,
  closeCount: null,
});
const base = { sessionId: 's1' };
const ev = (type: ChatEvent['type'], minute: number, extra: Record<string, unknown> = {}): ChatEvent =>
  ({
    ...base,
    id: `${type}-${minute}-${JSON.stringify(extra)}`,
    type,
    occurredAt: new Date(start.getTime() + minute * 60_000).toISOString(),
    ...extra,
  }) as ChatEvent;

function run(events: ChatEvent[]): { state: SessionState; effects: string[] } {
  let state = fresh();
  const effects: string[] = [];
  for (const event of events) {
    const result = applyEvent(state, event, false);
    state = result.state;
    effects.push(
      ...result.effects.map((effect) =>
        effect.kind === 'push_transcript' ? `push#${effect.generation}` : effect.kind,
      ),
    );
  }
  return { state, effects };
}

describe('applyEvent', () => {
  it('close → reopen → close pushes one transcript per close', () => {
    const { state, effects } = run([ev('session.closed', 5), ev('session.reopened', 6), ev('session.closed', 9)]);
    expect(state).toMatchObject({ status: 'closed', closeCount: 2 });
    expect(effects).toEqual(['push#1', 'push#2']);
  });

  it('converges whatever order the same events arrive in', () => {
    const events = [
      ev('session.closed', 5),
      ev('session.reopened', 6),
      ev('session.closed', 9),
      ev('tags.updated', 3, { tags: ['a'] }),
      ev('tags.updated', 7, { tags: ['b'] }),
    ];
    const inOrder = run(events).state;
    const permutations = [
      [4, 3, 2, 1, 0],
      [2, 0, 1, 4, 3],
      [1, 2, 0, 3, 4],
    ];
    for (const order of permutations) {
      const state = run(order.map((index) => events[index])).state;
      expect({ status: state.status, tags: state.tags, closedAt: state.closedAt }).toEqual({
        status: inOrder.status,
        tags: inOrder.tags,
        closedAt: inOrder.closedAt,
      });
    }
  });

  it('an older close never overwrites a newer reopen, and a duplicate close does nothing', () => {
    const { state, effects } = run([ev('session.reopened', 8), ev('session.closed', 5), ev('session.closed', 5)]);
    expect(state.status).toBe('open');
    expect(effects).toEqual([]);
  });

  it('breaks ties on occurredAt with the sequence', () => {
    const closed = { ...ev('session.closed', 5), sequence: 1 } as ChatEvent;
    const reopened = { ...ev('session.reopened', 5), sequence: 2 } as ChatEvent;
    expect(run([closed, reopened]).state.status).toBe('open');
    expect(run([reopened, closed]).state.status).toBe('open');
  });

  it('escalates once, raising priority but never lowering it', () => {
    const { state, effects } = run([
      ev('session.escalated', 2, { priorityHint: 'high', reason: 'angry' }),
      ev('session.escalated', 3, { priorityHint: 'low' }),
      ev('session.escalated', 4, { priorityHint: 'urgent' }),
    ]);
    expect(effects).toEqual(['escalate']);
    expect(state).toMatchObject({ status: 'escalated', priority: 'urgent', escalationReason: 'angry' });
  });

  it('opens one follow-up for a low CSAT (≤ 2 of 5, 0–5 stars too), and keeps the newest rating', () => {
    expect(run([ev('csat.submitted', 2, { rating: 1 })]).effects).toEqual(['csat_followup']);
    expect(run([ev('csat.submitted', 2, { rating: 0, scale: 5 })]).effects).toEqual(['csat_followup']);
    expect(run([ev('csat.submitted', 2, { rating: 3 })]).effects).toEqual([]);
    const late = run([ev('csat.submitted', 5, { rating: 5 }), ev('csat.submitted', 2, { rating: 1 })]);
    expect(late.state.csatRating).toBe(5);
    expect(late.effects).toEqual([]);
  });

  it('writes CSAT and tags that arrive after the close to the CRMs; before it, the transcript carries them', () => {
    expect(run([ev('tags.updated', 1, { tags: ['vip'] }), ev('session.closed', 2)]).effects).toEqual(['push#1']);
    expect(
      run([ev('session.closed', 2), ev('csat.submitted', 3, { rating: 4 }), ev('tags.updated', 4, { tags: ['x'] })])
        .effects,
    ).toEqual(['push#1', 'push_feedback', 'push_feedback']);
    expect(run([ev('session.closed', 2), ev('csat.submitted', 3, { rating: 1 })]).effects).toEqual([
      'push#1',
      'csat_followup',
      'push_feedback',
    ]);
    // An older rating arriving late changes nothing, so it writes nothing.
    expect(
      run([ev('session.closed', 2), ev('csat.submitted', 5, { rating: 4 }), ev('csat.submitted', 3, { rating: 2 })])
        .effects,
    ).toEqual(['push#1', 'push_feedback']);
  });
});
