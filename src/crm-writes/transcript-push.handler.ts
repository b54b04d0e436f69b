import { Injectable } from '@nestjs/common';
import type { OpenConnection } from '../connectors/connector-context.factory';
import type { NoteInput } from '../connectors/crm.types';
import type { JobPayloads } from '../jobs/job-types';
import { sessionCsat } from '../transcripts/feedback-format';
import { formatTranscript } from '../transcripts/transcript-format';
import { CrmWriteContext, type SessionForWrite } from './crm-write.context';
import { NotePushHandler } from './note-push.handler';
import { sentimentSummary } from './sentiment-summary';

type Payload = JobPayloads['transcript.push'];

/**
 * A closed session's transcript, as a note on the person in one CRM. Exactly one record per (session, close, part)
 * per CRM: the keys are deterministic and the connectors' writes are idempotent on them (in the CRM, so retries and
 * restarts cannot duplicate). Policy for reopen → close: each close appends its own record with the full transcript
 * up to that close, titled with the close number, and earlier records are left as they were.
 */
@Injectable()
export class TranscriptPushHandler extends NotePushHandler<Payload> {
  constructor(targets: CrmWriteContext) {
    super(targets);
  }

  protected notesFor(open: OpenConnection, target: SessionForWrite, personId: string, payload: Payload): NoteInput[] {
    const descriptor = open.connector.descriptor;
    const session = target.session;
    const base = {
      session: {
        externalId: session.externalId,
        channel: session.channel,
        startedAt: session.startedAt,
        closedAt: session.closedAt,
        tags: session.tags,
        csat: sessionCsat(session),
        sentiment: sentimentSummary(session.sentiment),
      },
      messages: target.messages,
      timeZone: target.workspace.timeZone,
      maxLength: descriptor.maxNoteLength,
    };
    const suffix = payload.generation > 1 ? ` (after reopening, close ${payload.generation})` : '';
    const visible = formatTranscript({ ...base, includePrivate: false });
    const notes: NoteInput[] = visible.parts.map((body, index) => ({
      personId,
      title: `${visible.title}${suffix}`,
      body,
      internal: false,
      idempotencyKey: `ccb-${session.id}-${payload.generation}-${index + 1}`,
    }));
    // Agents' private notes go only where the CRM can keep them internal; never into the customer-visible record.
    if (descriptor.capabilities.privateNotes && target.messages.some((message) => message.private)) {
      const internal = formatTranscript({ ...base, includePrivate: true });
      notes.push(
        ...internal.parts.map((body, index) => ({
          personId,
          title: `${internal.title}${suffix} — internal notes`,
          body,
          internal: true,
          idempotencyKey: `ccb-${session.id}-${payload.generation}-internal-${index + 1}`,
        })),
      );
    }
    return notes;
  }
}
