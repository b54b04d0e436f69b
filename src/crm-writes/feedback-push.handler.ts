import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { OpenConnection } from '../connectors/connector-context.factory';
import type { NoteInput } from '../connectors/crm.types';
import type { JobPayloads } from '../jobs/job-types';
import { formatFeedback } from '../transcripts/feedback-format';
import { CrmWriteContext, type SessionForWrite } from './crm-write.context';
import { NotePushHandler } from './note-push.handler';

type Payload = JobPayloads['feedback.push'];

/**
 * CSAT and tags that arrive after a session closed, written to each transcript CRM as an internal note on the
 * person (every connector has notes; custom fields differ per CRM account, notes do not). The note's key is derived
 * from the values it states, so a CSAT re-sent, or several updates that end in the same values, make one note; a
 * changed rating makes a new note, and the newest one is the truth.
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
    { sessionId }: Payload,
  ): NoteInput[] {
    const session = target.session;
    const feedback = {
      externalId: session.externalId,
      closedAt: session.closedAt,
      tags: [...session.tags].sort(),
      csat:
        session.csatRating === null
          ? null
          : {
              rating: session.csatRating,
              scale: session.csatScale ?? 5,
              ...(session.csatComment ? { comment: session.csatComment } : {}),
            },
    };
    const note = formatFeedback(feedback, target.workspace.timeZone);
    const version = createHash('sha256')
      .update(JSON.stringify([feedback.csat, feedback.tags]))
      .digest('hex')
      .slice(0, 16);
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
