import { Injectable } from '@nestjs/common';
import { ChatSessionEntity, type ChatSession } from '../chat/chat-session.entity';
import { Clock } from '../common/time/clock';
import { Database, row } from '../database/database';
import type { JobContext, JobHandler } from '../jobs/job-handler';
import type { JobPayloads } from '../jobs/job-types';
import { formatTranscript } from '../transcripts/transcript-format';
import { CrmWriteContext } from './crm-write.context';
import { sentimentSummary } from './sentiment-summary';
import { escalationPriority } from './escalation-priority';

const VIP_TIERS = /^(vip|platinum|gold)$/i;

/**
 * A case/ticket in the escalation connector, with the transcript so far, linked to the person; idempotent per
 * (session, reason). The reference is stored on the session for GET /v1/sessions/:id and the open-cases list.
 */
@Injectable()
export class CaseCreateHandler implements JobHandler<JobPayloads['case.create']> {
  constructor(
    private readonly targets: CrmWriteContext,
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async handle({ job, payload, signal }: JobContext<JobPayloads['case.create']>): Promise<void> {
    const workspaceId = job.workspaceId ?? '';
    const target = await this.targets.load(workspaceId, payload.sessionId, payload.connectorId, signal);
    const { connector, ctx } = target.open;
    const session = target.session;
    const transcript = formatTranscript({
      session: {
        externalId: session.externalId,
        channel: session.channel,
        startedAt: session.startedAt,
        closedAt: session.closedAt,
        tags: session.tags,
        csat: session.csatRating === null ? null : { rating: session.csatRating, scale: session.csatScale ?? 5 },
        sentiment: sentimentSummary(session.sentiment),
      },
      messages: target.messages,
      timeZone: target.workspace.timeZone,
      maxLength: connector.descriptor.maxNoteLength,
      includePrivate: false,
    });
    const lowCsat = payload.reason === 'low_csat';
    const priority = escalationPriority({
      hint: session.priority,
      vip: VIP_TIERS.test(target.person.tier ?? ''),
      sentiment: session.sentiment,
      tags: session.tags,
      csatOutOfFive: session.csatRating === null ? null : (session.csatRating / (session.csatScale ?? 5)) * 5,
      reason: payload.reason,
    });
    const firstVisitorLine =
      target.messages.find((message) => message.author === 'visitor' && !message.private)?.body ?? '';
    const subject = lowCsat
      ? `Follow up: low satisfaction rating (${session.csatRating}/${session.csatScale ?? 5}) on chat ${session.externalId}`
      : `Chat escalation: ${(session.escalationReason ?? firstVisitorLine).slice(0, 120) || session.externalId}`;
    const description = [
      lowCsat
        ? `The customer rated the chat ${session.csatRating}/${session.csatScale ?? 5}${session.csatComment ? `: "${session.csatComment}"` : ''}. A human should follow up.`
        : `Escalated from chat ${session.externalId}${session.escalationReason ? `: ${session.escalationReason}` : ''}.`,
      `Priority ${priority}.`,
    ].join('\n');
    const ref = await connector.createCase(ctx, {
      personId: target.person.id,
      subject,
      description,
      priority,
      transcript: transcript.parts[0] ?? '',
      idempotencyKey: `ccb-case-${session.id}-${payload.reason}`,
    });
    if (!lowCsat) {
      await this.db.run((manager) =>
        this.db.repo(ChatSessionEntity, manager).update(
          { id: session.id, workspaceId },
          row<ChatSession>({
            caseRef: {
              connectorId: payload.connectorId,
              kind: connector.descriptor.kind,
              recordId: ref.id,
              url: ref.url,
              priority,
              createdAt: this.clock.now().toISOString(),
            },
            priority,
            updatedAt: this.clock.now(),
          }),
        ),
      );
    }
  }
}
