import type { ChatSession } from '../chat/chat-session.entity';
import type { ChatEvent, Priority } from './chat-event.types';

/** What an applied event asks the service to do next (enqueued in the same transaction). */
export type SessionEffect =
  | { kind: 'push_transcript'; generation: number }
  | { kind: 'escalate' }
  | { kind: 'csat_followup' }
  /** CSAT or tags changed after the transcript went out: write them to the CRMs. */
  | { kind: 'push_feedback' }
  | { kind: 'prewarm' };

export type SessionState = Pick<
  ChatSession,
  | 'status'
  | 'startedAt'
  | 'closedAt'
  | 'stateChangedAt'
  | 'stateSequence'
  | 'tags'
  | 'tagsChangedAt'
  | 'csatRating'
  | 'csatScale'
  | 'csatComment'
  | 'csatAt'
  | 'escalatedAt'
  | 'escalationReason'
  | 'priority'
  | 'closeCount'
>;

const LOW_CSAT_OUT_OF_FIVE = 2;

function at(event: ChatEvent): Date {
  return new Date(event.occurredAt);
}

/** Is the event newer than the clock it would overwrite? Ties go to the higher sequence. */
function newer(event: ChatEvent, clock: Date | null, clockSequence: number | null = null): boolean {
  if (!clock) {
    return true;
  }
  const time = at(event).getTime();
  return time > clock.getTime() || (time === clock.getTime() && (event.sequence ?? 0) > (clockSequence ?? 0));
}

function isLow(rating: number, scale: number): boolean {
  return (rating / scale) * 5 <= LOW_CSAT_OUT_OF_FIVE;
}

const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

/**
 * Applies one event to a session's state. Pure, so the convergence rules are tested without a database:
 * every field remembers the time of the event that set it, and an older event never overwrites a newer one —
 * the final state is the same whatever order duplicates and late deliveries arrive in.
 */
export function applyEvent(
  state: SessionState,
  event: ChatEvent,
  created: boolean,
): { state: SessionState; effects: SessionEffect[] } {
  const next: SessionState = { ...state, tags: [...state.tags] };
  const effects: SessionEffect[] = [];
  const moveState = () => {
    next.stateChangedAt = at(event);
    next.stateSequence = event.sequence ?? null;
  };
  if (at(event) < next.startedAt) {
    next.startedAt = at(event);
  }
  switch (event.type) {
    case 'session.started':
      if (created) {
        effects.push({ kind: 'prewarm' });
      }
      break;
    case 'message.created':
      break;
    case 'session.escalated':
      if (!next.escalatedAt) {
        next.escalatedAt = at(event);
        next.escalationReason = event.reason ?? null;
        effects.push({ kind: 'escalate' });
      }
      if (
        event.priorityHint &&
        PRIORITY_RANK[event.priorityHint] > PRIORITY_RANK[(next.priority as Priority | null) ?? 'low']
      ) {
        next.priority = event.priorityHint;
      }
      if (next.status !== 'closed' && newer(event, next.stateChangedAt, next.stateSequence)) {
        next.status = 'escalated';
        moveState();
      }
      break;
    case 'session.closed':
      // The newest state event decides the status; a close that is not the newest changes nothing.
      if (newer(event, next.stateChangedAt, next.stateSequence)) {
        const wasClosed = next.status === 'closed';
        next.status = 'closed';
        next.closedAt = at(event);
        moveState();
        if (!wasClosed) {
          next.closeCount = (next.closeCount ?? 0) + 1;
          effects.push({ kind: 'push_transcript', generation: next.closeCount });
        }
      }
      break;
    case 'session.reopened':
      // Moves the clock even when the session is already open: a late, older close must not win over it.
      if (newer(event, next.stateChangedAt, next.stateSequence)) {
        next.status = next.escalatedAt ? 'escalated' : 'open';
        next.closedAt = null;
        moveState();
      }
      break;
    case 'csat.submitted': {
      if (newer(event, next.csatAt)) {
        const scale = event.scale ?? 5;
        const wasLow = next.csatRating !== null && isLow(next.csatRating, next.csatScale ?? 5);
        next.csatRating = event.rating;
        next.csatScale = scale;
        next.csatComment = event.comment ?? null;
        next.csatAt = at(event);
        if (isLow(event.rating, scale) && !wasLow) {
          effects.push({ kind: 'csat_followup' });
        }
        if (next.status === 'closed') {
          effects.push({ kind: 'push_feedback' });
        }
      }
      break;
    }
    case 'tags.updated':
      if (newer(event, next.tagsChangedAt)) {
        next.tags = [...new Set(event.tags)];
        next.tagsChangedAt = at(event);
        if (next.status === 'closed') {
          effects.push({ kind: 'push_feedback' });
        }
      }
      break;
  }
  return { state: next, effects };
}
