import { Injectable } from '@nestjs/common';
import type { OpenConnection } from '../connectors/connector-context.factory';
import type { NoteInput } from '../connectors/crm.types';
import type { JobPayloads } from '../jobs/job-types';
import { feedbackVersion, formatFeedback, sessionFeedback } from '../transcripts/feedback-format';
import { CrmWriteContext, type SessionForWrite } from './crm-write.context';
import { NotePushHandler } from './note-push.handler';

type Payload = JobPayloads['feedback.push'];

/**
 * CSAT and tags that arrive after a session closed, written to each transcript CRM as an internal note on the
 * person (every connector has notes; custom fields differ per CRM account, notes do not). One job per version of the
 * values (enqueued under that version, so the same rating sent twice is one job), and the note's key carries the
 * version too, so no retry or replay writes it twice. A job whose values were replaced before it ran writes nothing:
 * the newer values have their own job.
 */
@Injectable()
export class FeedbackPushHandler extends NotePushHandler<Payload> {
  constructor(targets: CrmWriteContext) {
    super(targets);
  }

  protected notesFor(
    open: OpenConnection,
    target: SessionForWrite,
    personId: string,
    { sessionId, version }: Payload,
  ): NoteInput[] {
    if (feedbackVersion(target.session) !== version) {
      return [];
    }
    const note = formatFeedback(sessionFeedback(target.session), target.workspace.timeZone);
    return [
      {
        personId,
        title: note.title,
        body: note.body.slice(0, open.connector.descriptor.maxNoteLength),
        internal: true,
        idempotencyKey: `ccb-feedback-${sessionId}-${version}`,
      },
    ];
  }
}
