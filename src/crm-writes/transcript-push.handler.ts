import { Injectable } from '@nestjs/common';
import type { JobContext, JobHandler } from '../jobs/job-handler';
import type { JobPayloads } from '../jobs/job-types';
import { formatTranscript } from '../transcripts/transcript-format';
import { CrmWriteContext } from './crm-write.context';
import { sentimentSummary } from './sentiment-summary';

/**
 * A closed session's transcript, as a note on the person in one CRM. Exactly one record per (session, close, part)
 * per CRM: the keys are deterministic and the connectors' writes are idempotent on them (in the CRM, so retries and
 * restarts cannot duplicate). Policy for reopen → close: each close appends its own record with the full transcript
 * up to that close, titled with the close number, and earlier records are left as they were.
 */
@Injectable()
export class TranscriptPushHandler implements JobHandler<JobPayloads['transcript.push']> {
  constructor(private readonly targets: CrmWriteContext) {}

  async handle({ job, payload, signal }: JobContext<JobPayloads['transcript.push']>): Promise<void> {
    const target = await this.targets.load(job.workspaceId ?? '', payload.sessionId, payload.connectorId, signal);
    const { connector, ctx } = target.open;
    const descriptor = connector.descriptor;
    const session = target.session;
    const base = {
      session: {
        externalId: session.externalId,
        channel: session.channel,
        startedAt: target.session.startedAt,
        closedAt: target.session.closedAt,
        tags: target.session.tags,
        csat:
          target.session.csatRating === null
            ? null
            : {
                rating: target.session.csatRating,
                scale: target.session.csatScale ?? 5,
                ...(target.session.csatComment ? { comment: target.session.csatComment } : {}),
              },
        sentiment: sentimentSummary(session.sentiment),
      },
      messages: target.messages,
      timeZone: target.workspace.timeZone,
      maxLength: descriptor.maxNoteLength,
    };
    const suffix = payload.generation > 1 ? ` (after reopening, close ${payload.generation})` : '';
    const visible = formatTranscript({ ...base, includePrivate: false });
    for (const [index, body] of visible.parts.entries()) {
      await connector.appendNote(ctx, {
        personId: target.person.id,
        title: `${visible.title}${suffix}`,
        body,
        internal: false,
        idempotencyKey: `ccb-${target.session.id}-${payload.generation}-${index + 1}`,
      });
    }
    // Agents' private notes go only where the CRM can keep them internal; never into the customer-visible record.
    if (descriptor.capabilities.privateNotes && target.messages.some((message) => message.private)) {
      const internal = formatTranscript({ ...base, includePrivate: true });
      for (const [index, body] of internal.parts.entries()) {
        await connector.appendNote(ctx, {
          personId: target.person.id,
          title: `${internal.title}${suffix} — internal notes`,
          body,
          internal: true,
          idempotencyKey: `ccb-${target.session.id}-${payload.generation}-internal-${index + 1}`,
        });
      }
    }
  }
}
