/**
 * The chat traffic a reliability run sends through POST /v1/events: deterministic for a seed, so a fault run and
 * its clean run carry exactly the same sessions, and the expected CRM records follow from the plan alone (not from
 * what the service did).
 */
import { createRng, pick } from '../../test/sandbox/common/prng';

/** A canonical chat event as the API takes it (the runner only builds valid ones). */
export interface WireEvent {
  type: string;
  id: string;
  sessionId: string;
  occurredAt: string;
  [field: string]: unknown;
}

/**
 * - `known`: the visitor is a person present in every CRM: every close must become one transcript record per CRM,
 *   every escalation / low rating one case.
 * - `unknown`: an email no CRM has (and no connector may create people): each write must be dead-lettered with a
 *   reason, never silently dropped.
 * - `anonymous`: no visitor identifiers at all: the same, with a different reason.
 */
export type VisitorKind = 'known' | 'unknown' | 'anonymous';

export interface PlannedSession {
  externalId: string;
  visitorKind: VisitorKind;
  email: string | null;
  /** How many times the session is closed (a reopen → close cycle adds one). */
  closes: number;
  escalated: boolean;
  lowCsat: boolean;
  /** An agent's private note: only CRMs that keep notes internal get the separate internal record. */
  privateNote: boolean;
  /** Events in the order the chat system produced them. */
  events: WireEvent[];
}

export interface Workload {
  sessions: PlannedSession[];
  /** Total events (what "10,000 events" counts). */
  eventCount: number;
}

const VISITOR_LINES = [
  'Hi, where is my order 245-12784?',
  'The parcel arrived damaged, I would like a refund.',
  'Can I change the delivery address?',
  'I was charged twice for the same order.',
  '注文番号 10023 の配送状況を教えてください',
  'Thanks, that helps a lot!',
  'This is the third time I ask, nobody answers.',
];
const AGENT_LINES = [
  'Let me check that for you.',
  'It shipped yesterday and should arrive tomorrow.',
  'I have updated the address.',
  'I am sorry about that, I will refund the duplicate charge.',
];

/**
 * Builds sessions until `events` events exist. `knownEmails` are people present (once) in every sandbox;
 * `unknownShare` and `anonymousShare` of the sessions have visitors no CRM can resolve.
 */
export function buildWorkload(options: {
  events: number;
  seed: number;
  knownEmails: string[];
  runId: string;
  unknownShare?: number;
  anonymousShare?: number;
}): Workload {
  const rng = createRng(options.seed);
  const unknownShare = options.unknownShare ?? 0.02;
  const anonymousShare = options.anonymousShare ?? 0.01;
  const sessions: PlannedSession[] = [];
  let eventCount = 0;
  // Sessions start a few seconds apart; each event is a few seconds after the previous one of its session.
  const base = Date.UTC(2026, 10, 20, 9, 0, 0);
  for (let index = 0; eventCount < options.events; index += 1) {
    const externalId = `rel-${options.runId}-${index.toString().padStart(5, '0')}`;
    const roll = rng();
    const visitorKind: VisitorKind =
      roll < anonymousShare ? 'anonymous' : roll < anonymousShare + unknownShare ? 'unknown' : 'known';
    const email =
      visitorKind === 'known'
        ? pick(rng, options.knownEmails)
        : visitorKind === 'unknown'
          ? `nobody-${options.runId}-${index}@unknown.example.com`
          : null;
    let clock = base + index * 3_000;
    let serial = 0;
    const events: WireEvent[] = [];
    const event = (type: string, fields: Record<string, unknown> = {}): void => {
      clock += 1_000 + Math.floor(rng() * 4_000);
      serial += 1;
      events.push({
        type,
        id: `${externalId}-e${serial}`,
        sessionId: externalId,
        occurredAt: new Date(clock).toISOString(),
        ...fields,
      });
    };
    const message = (author: 'visitor' | 'agent' | 'bot', text: string, isPrivate = false): void =>
      event('message.created', {
        message: {
          id: `${externalId}-m${serial + 1}`,
          author,
          ...(author === 'agent' ? { authorName: 'Alice' } : {}),
          text,
          ...(isPrivate ? { private: true } : {}),
        },
      });

    event('session.started', {
      channel: pick(rng, ['web', 'whatsapp', 'sms'] as const),
      ...(email ? { visitor: { email, name: 'Reliability Visitor' } } : {}),
    });
    const messages = 2 + Math.floor(rng() * 5);
    for (let m = 0; m < messages; m += 1) {
      if (m === 0 || rng() < 0.5) {
        message('visitor', pick(rng, VISITOR_LINES));
      } else {
        message(rng() < 0.85 ? 'agent' : 'bot', pick(rng, AGENT_LINES));
      }
    }
    const privateNote = rng() < 0.1;
    if (privateNote) {
      message('agent', 'INTERNAL: second contact about this order, handle with care', true);
    }
    const escalated = rng() < 0.15;
    if (escalated) {
      event('session.escalated', {
        reason: 'Customer asks for a supervisor',
        priorityHint: pick(rng, ['normal', 'high', 'urgent'] as const),
      });
    }
    if (rng() < 0.1) {
      event('tags.updated', { tags: ['order', pick(rng, ['refund', 'shipping', 'billing'])] });
    }
    event('session.closed');
    let lowCsat = false;
    if (rng() < 0.2) {
      const rating = 1 + Math.floor(rng() * 5);
      lowCsat = rating <= 2;
      event('csat.submitted', { rating, scale: 5 });
    }
    let closes = 1;
    if (rng() < 0.1) {
      event('session.reopened');
      message('visitor', 'Sorry, one more question about the same order.');
      event('session.closed');
      closes = 2;
    }
    sessions.push({ externalId, visitorKind, email, closes, escalated, lowCsat, privateNote, events });
    eventCount += events.length;
  }
  return { sessions, eventCount };
}

/**
 * The delivery of a chat system that retries and reorders (the "duplicate and out-of-order" fault):
 * - every event is delivered twice with the same id, half of the copies concurrently with the original;
 * - single-close sessions arrive shuffled (a close before its messages, an escalation or a rating after the close),
 *   which must not change what reaches the CRMs — the plan (`closes`, `escalated`, `lowCsat`) stays the truth;
 * - the close is re-sent once more under a new event id (a chat system re-emitting it): same time, so no new close;
 * - one message is re-sent under a new event id (same message id): still one message.
 * Sessions closed twice keep their order (their close count depends on order by design), but are duplicated.
 */
export function disorderly(session: PlannedSession, rng: () => number): WireEvent[][] {
  let events = [...session.events];
  if (session.closes === 1) {
    for (let i = events.length - 1; i > 0; i -= 1) {
      const j = Math.floor(rng() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }
    // Identifiers travel on the first event of a session; a shuffle must not strand them on a later one only.
    const withVisitor = session.events[0];
    if (withVisitor.visitor) {
      events = events.map((event) => (event === withVisitor ? event : { ...event, visitor: withVisitor.visitor }));
    }
    const close = session.events.find((event) => event.type === 'session.closed');
    if (close) {
      events.push({ ...close, id: `${close.id}-resent` });
    }
    const message = session.events.find((event) => event.type === 'message.created');
    if (message) {
      events.splice(Math.floor(rng() * events.length), 0, { ...message, id: `${message.id}-resent` });
    }
  }
  // Each inner list is posted concurrently; lists go one after the other.
  const deliveries: WireEvent[][] = [];
  for (const event of events) {
    if (rng() < 0.5) {
      deliveries.push([event, event]);
    } else {
      deliveries.push([event]);
      deliveries.push([event]);
    }
  }
  return deliveries;
}
