import { transcriptLabels, type TranscriptLabels, type TranscriptLocale } from './transcript-labels';
import { splitIntoParts, type DocumentBlock } from './transcript-split';
import { zonedClock, type ZonedClock } from './transcript-time';

export interface TranscriptSession {
  externalId: string;
  channel: string;
  startedAt: Date;
  closedAt: Date | null;
  tags: string[];
  csat?: { rating: number; scale: number; comment?: string } | null;
  sentiment?: { score: number; label: string } | null;
}

export interface TranscriptMessage {
  id: string;
  author: 'visitor' | 'agent' | 'bot' | 'system';
  authorName: string | null;
  body: string;
  /** An internal agent note: only in transcripts formatted with includePrivate (private CRM notes). */
  private: boolean;
  attachments: Array<{ url: string; name?: string }>;
  occurredAt: Date;
}

export interface FormatTranscriptInput {
  session: TranscriptSession;
  messages: TranscriptMessage[];
  /** IANA name of the workspace's zone ("Asia/Tokyo"); an unknown name falls back to UTC and says so. */
  timeZone: string;
  locale?: TranscriptLocale;
  /** The CRM's largest note (ConnectorDescriptor.maxNoteLength), in UTF-16 code units; at least 1. */
  maxLength: number;
  /** True only for a CRM note that customers cannot see: private agent notes are then included, marked. */
  includePrivate: boolean;
  /** Parts beyond this are not written; the last part says what was left out. */
  maxParts?: number;
}

export interface FormattedTranscript {
  title: string;
  /** Each at most maxLength; one part unless the transcript had to be split. */
  parts: string[];
  /** Some messages (or, with a tiny maxLength, some text) are missing; the text says so. */
  truncated: boolean;
}

/** Ten notes per chat keep a CRM timeline readable and bound the calls one transcript job makes. */
export const DEFAULT_MAX_PARTS = 10;

const INDENT = '  ';
const ATTACHMENT_MARK = '📎';

/** Line breaks in every form a chat system may send, and other control characters a CRM may reject. */
const LINE_BREAKS = /\r\n|\r|\u2028|\u2029/g;
const CONTROL_CHARACTERS_EXCEPT_NEWLINE_AND_TAB = /[^\P{Cc}\n\t]/gu;
const ANY_WHITESPACE_OR_CONTROL = /[\s\p{Cc}]+/gu;

/** For header values, names and URLs: one line, no control characters. */
function singleLine(text: string): string {
  return text.replace(ANY_WHITESPACE_OR_CONTROL, ' ').trim();
}

/** Body lines without trailing spaces, leading/trailing blank lines, or runs of blank lines. */
function bodyLines(body: string): string[] {
  const lines = body
    .replace(LINE_BREAKS, '\n')
    .replace(CONTROL_CHARACTERS_EXCEPT_NEWLINE_AND_TAB, '')
    .split('\n')
    .map((line) => line.trimEnd());
  const collapsed = lines.filter((line, index) => line !== '' || (index > 0 && lines[index - 1] !== ''));
  while (collapsed[0] === '') {
    collapsed.shift();
  }
  while (collapsed.at(-1) === '') {
    collapsed.pop();
  }
  return collapsed;
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : '?';
}

function formatInstant(instant: Date, clock: ZonedClock): string {
  const local = clock.at(instant);
  return `${local.date} ${local.time} (${clock.zoneLabel(instant)})`;
}

function headerLines(session: TranscriptSession, clock: ZonedClock, labels: TranscriptLabels): string[] {
  const lines = [
    labels.title,
    `${labels.session}: ${singleLine(session.externalId)}`,
    `${labels.channel}: ${singleLine(session.channel)}`,
    `${labels.started}: ${formatInstant(session.startedAt, clock)}`,
    `${labels.ended}: ${session.closedAt ? formatInstant(session.closedAt, clock) : labels.stillOpen}`,
  ];
  const tags = session.tags.map(singleLine).filter((tag) => tag !== '');
  if (tags.length > 0) {
    lines.push(`${labels.tags}: ${tags.join(labels.tagSeparator)}`);
  }
  if (session.csat) {
    const comment = singleLine(session.csat.comment ?? '');
    const rating = `${formatNumber(session.csat.rating)}/${formatNumber(session.csat.scale)}`;
    lines.push(`${labels.csat}: ${rating}${comment ? ` ${labels.quote(comment)}` : ''}`);
  }
  if (session.sentiment) {
    const score = Number.isFinite(session.sentiment.score) ? session.sentiment.score.toFixed(2) : '?';
    lines.push(`${labels.sentiment}: ${labels.sentimentLabel(session.sentiment.label)} (${score})`);
  }
  return lines;
}

function speakerLabel(message: TranscriptMessage, labels: TranscriptLabels): string {
  const name = singleLine(message.authorName ?? '');
  switch (message.author) {
    case 'visitor':
      return name || labels.visitor;
    case 'agent':
      return name || labels.agent;
    case 'bot':
      return labels.bot;
    case 'system':
      return labels.system;
  }
}

function attachmentLine(attachment: { url: string; name?: string }): string {
  const name = singleLine(attachment.name ?? '');
  const url = singleLine(attachment.url);
  return `${INDENT}${ATTACHMENT_MARK} ${name ? `${name}: ` : ''}${url}`;
}

function messageLines(message: TranscriptMessage, time: string, labels: TranscriptLabels): string[] {
  const speaker = speakerLabel(message, labels) + (message.private ? ` ${labels.internalNote}` : '');
  const [firstLine, ...moreLines] = bodyLines(message.body);
  return [
    `[${time}] ${speaker}:${firstLine ? ` ${firstLine}` : ''}`,
    ...moreLines.map((line) => (line ? INDENT + line : '')),
    ...message.attachments.map(attachmentLine),
  ];
}

function instantOrder(instant: Date): number {
  const time = instant.getTime();
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

/**
 * By time, then by id: the output must not depend on the order rows came back from the database, or a retried
 * job would write a "different" transcript and the CRM would see two versions.
 */
function chronological(messages: readonly TranscriptMessage[]): TranscriptMessage[] {
  return [...messages].sort(
    (a, b) => instantOrder(a.occurredAt) - instantOrder(b.occurredAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** One block per message; a date line goes with the first message of each new local day, since lines show HH:mm. */
function messageBlocks(
  messages: readonly TranscriptMessage[],
  startedAt: Date,
  clock: ZonedClock,
  labels: TranscriptLabels,
): DocumentBlock[] {
  let currentDate = clock.at(startedAt).date;
  return messages.map((message) => {
    const local = clock.at(message.occurredAt);
    const lines = messageLines(message, local.time, labels);
    if (local.date !== currentDate) {
      currentDate = local.date;
      lines.unshift(`--- ${local.date} ---`);
    }
    return { text: lines.join('\n'), isMessage: true };
  });
}

function validatedLimit(value: number, name: string): number {
  const limit = Math.floor(value);
  if (!Number.isFinite(limit) || limit < 1) {
    throw new RangeError(`${name} must be at least 1, got ${value}`);
  }
  return limit;
}

function titleFor(session: TranscriptSession, clock: ZonedClock, labels: TranscriptLabels): string {
  const started = clock.at(session.startedAt);
  return `${labels.title} · ${singleLine(session.channel)} · ${started.date} ${started.time} (${clock.timeZone})`;
}

/**
 * Renders a chat as plain text for a CRM note: a header (session, channel, times in the workspace's zone, tags,
 * CSAT, sentiment), then one line per message. Split into "(part k of n)" parts when longer than maxLength, and
 * cut with a notice past maxParts. Pure and deterministic: the same input always gives the same text.
 */
export function formatTranscript(input: FormatTranscriptInput): FormattedTranscript {
  const maxLength = validatedLimit(input.maxLength, 'maxLength');
  const maxParts = validatedLimit(input.maxParts ?? DEFAULT_MAX_PARTS, 'maxParts');
  const labels = transcriptLabels(input.locale ?? 'en');
  const clock = zonedClock(input.timeZone);

  const visible = chronological(input.messages.filter((message) => input.includePrivate || !message.private));
  const messages = messageBlocks(visible, input.session.startedAt, clock, labels);
  const blocks: DocumentBlock[] = [
    // The trailing newline leaves a blank line between the header and the first message.
    { text: `${headerLines(input.session, clock, labels).join('\n')}\n`, isMessage: false },
    ...(messages.length > 0 ? messages : [{ text: labels.noMessages, isMessage: false }]),
  ];
  const { parts, truncated } = splitIntoParts(blocks, {
    maxLength,
    maxParts,
    partHeading: labels.partHeading,
    truncationNotice: labels.truncationNotice,
  });
  return { title: titleFor(input.session, clock, labels), parts, truncated };
}
