import { createHash } from 'node:crypto';
import type { ChatSession } from '../chat/chat-session.entity';
import { transcriptLabels, type TranscriptLocale } from './transcript-labels';
import { zonedClock } from './transcript-time';

export interface SessionFeedback {
  externalId: string;
  closedAt: Date | null;
  tags: string[];
  csat: { rating: number; scale: number; comment?: string } | null;
}

/** Comments are the customer's words: kept, but bounded so one note never nears a CRM's field limit. */
const MAX_COMMENT_LENGTH = 2000;

/**
 * The note that carries a session's CSAT and tags to a CRM when they arrive after the transcript was written
 * (customers rate a chat after it closed). It states the values as they are now, so the newest note is the truth.
 */
export function formatFeedback(
  feedback: SessionFeedback,
  timeZone: string,
  locale: TranscriptLocale = 'en',
): { title: string; body: string } {
  const labels = transcriptLabels(locale);
  const clock = zonedClock(timeZone);
  const rating = feedback.csat ? `${feedback.csat.rating}/${feedback.csat.scale}` : '—';
  const title = `${labels.csat} ${rating} · ${labels.session} ${feedback.externalId}`;
  const lines = [`${labels.session}: ${feedback.externalId}`];
  if (feedback.closedAt) {
    const closed = clock.at(feedback.closedAt);
    lines.push(`${labels.ended}: ${closed.date} ${closed.time} (${clock.zoneLabel(feedback.closedAt)})`);
  }
  if (feedback.csat) {
    const comment = feedback.csat.comment?.replace(/\s+/g, ' ').trim().slice(0, MAX_COMMENT_LENGTH);
    lines.push(`${labels.csat}: ${rating}${comment ? ` ${labels.quote(comment)}` : ''}`);
  }
  lines.push(`${labels.tags}: ${feedback.tags.length > 0 ? feedback.tags.join(labels.tagSeparator) : '—'}`);
  return { title, body: lines.join('\n') };
}

/** The session's feedback as a note states it: CSAT (if any) and tags, in a stable order. */
export function sessionFeedback(
  session: Pick<ChatSession, 'externalId' | 'closedAt' | 'tags' | 'csatRating' | 'csatScale' | 'csatComment'>,
): SessionFeedback {
  return {
    externalId: session.externalId,
    closedAt: session.closedAt,
    tags: [...session.tags].sort(),
    csat: sessionCsat(session),
  };
}

/** The session's rating as transcripts and feedback notes state it (null before the customer rated). */
export function sessionCsat(
  session: Pick<ChatSession, 'csatRating' | 'csatScale' | 'csatComment'>,
): SessionFeedback['csat'] {
  return session.csatRating === null
    ? null
    : {
        rating: session.csatRating,
        scale: session.csatScale ?? 5,
        ...(session.csatComment ? { comment: session.csatComment } : {}),
      };
}

/** Identifies a set of feedback values: the same values always give the same version (and the same CRM note). */
export function feedbackVersion(session: Parameters<typeof sessionFeedback>[0]): string {
  const feedback = sessionFeedback(session);
  return createHash('sha256')
    .update(JSON.stringify([feedback.csat, feedback.tags]))
    .digest('hex')
    .slice(0, 16);
}
