import { feedbackVersion, formatFeedback } from './feedback-format';

describe('formatFeedback', () => {
  const closedAt = new Date('2026-11-20T09:04:00Z');

  it('states rating, comment, tags and the close time in the workspace zone', () => {
    const note = formatFeedback(
      {
        externalId: 'chat-1',
        closedAt,
        tags: ['refund', 'late-order'],
        csat: { rating: 1, scale: 5, comment: 'Too\nslow' },
      },
      'Asia/Tokyo',
    );
    expect(note.title).toBe('CSAT 1/5 · Session chat-1');
    expect(note.body).toBe(
      [
        'Session: chat-1',
        'Ended: 2026-11-20 18:04 (Asia/Tokyo, UTC+09:00)',
        'CSAT: 1/5 "Too slow"',
        'Tags: refund, late-order',
      ].join('\n'),
    );
  });

  it('says when there is no rating or no tags yet, in Japanese too', () => {
    const note = formatFeedback({ externalId: 'c-2', closedAt: null, tags: [], csat: null }, 'UTC', 'ja');
    expect(note.title).toBe('顧客満足度 — · セッション c-2');
    expect(note.body).toBe(['セッション: c-2', 'タグ: —'].join('\n'));
  });

  it('bounds a very long comment', () => {
    const note = formatFeedback(
      { externalId: 'c-3', closedAt: null, tags: [], csat: { rating: 5, scale: 5, comment: 'x'.repeat(10_000) } },
      'UTC',
    );
    expect(note.body.length).toBeLessThan(2100);
  });

  it('versions the values: tag order and close time do not matter, rating, comment and tags do', () => {
    const session = {
      externalId: 'c-4',
      closedAt: closedAt,
      tags: ['b', 'a'],
      csatRating: 2,
      csatScale: 5,
      csatComment: 'meh',
    };
    const version = feedbackVersion(session);
    expect(feedbackVersion({ ...session, tags: ['a', 'b'], closedAt: null })).toBe(version);
    expect(feedbackVersion({ ...session, csatRating: 3 })).not.toBe(version);
    expect(feedbackVersion({ ...session, csatComment: 'ok' })).not.toBe(version);
    expect(feedbackVersion({ ...session, tags: ['a'] })).not.toBe(version);
  });
});
