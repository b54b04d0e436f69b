import { Injectable } from '@nestjs/common';
import type { OpenConnection } from '../connectors/connector-context.factory';
import { ConnectorError } from '../connectors/connector.errors';
import type { BatchOutcome, NoteInput, RecordRef } from '../connectors/crm.types';
import { toJobFailure } from '../jobs/retry-policy';
import type { Job } from '../jobs/job.entity';
import type { BatchJobHandler, JobContext, JobOutcome } from '../jobs/job-handler';
import type { JobPayloads } from '../jobs/job-types';
import { formatTranscript } from '../transcripts/transcript-format';
import { CrmWriteContext, CrmWriteError, type PersonForWrite, type SessionForWrite } from './crm-write.context';
import { sentimentSummary } from './sentiment-summary';

type Payload = JobPayloads['transcript.push'];

/** The notes one job writes, and what it needs to settle. */
interface PreparedJob {
  notes: NoteInput[];
  person: PersonForWrite;
}

/**
 * A closed session's transcript, as a note on the person in one CRM. Exactly one record per (session, close, part)
 * per CRM: the keys are deterministic and the connectors' writes are idempotent on them (in the CRM, so retries and
 * restarts cannot duplicate). Policy for reopen → close: each close appends its own record with the full transcript
 * up to that close, titled with the close number, and earlier records are left as they were.
 *
 * Under backlog the worker hands over up to the connector's note batch limit of due pushes at once; their notes go
 * out in as few `appendNotes` calls as the limit allows, and each job settles on its own records' outcome.
 */
@Injectable()
export class TranscriptPushHandler implements BatchJobHandler<Payload> {
  constructor(private readonly targets: CrmWriteContext) {}

  async batchLimit(job: Job): Promise<number> {
    const payload = job.payload as unknown as Payload;
    const descriptor = await this.targets.descriptor(job.workspaceId ?? '', payload.connectorId);
    return descriptor?.batchLimits.notes ?? 1;
  }

  async handle(context: JobContext<Payload>): Promise<void> {
    const [outcome] = await this.handleBatch([context]);
    if (outcome && !outcome.ok) {
      throw outcome.error;
    }
  }

  async handleBatch(contexts: Array<JobContext<Payload>>): Promise<JobOutcome[]> {
    const outcomes: JobOutcome[] = contexts.map(() => ({ ok: true }));
    // One group is one connector, but a batch is only ever written through one connection: split defensively.
    const byConnector = new Map<string, number[]>();
    contexts.forEach((context, index) => {
      const key = `${context.job.workspaceId ?? ''}:${context.payload.connectorId}`;
      byConnector.set(key, [...(byConnector.get(key) ?? []), index]);
    });
    for (const indexes of byConnector.values()) {
      const first = contexts[indexes[0]];
      let open: OpenConnection;
      try {
        open = await this.targets.connect(first.job.workspaceId ?? '', first.payload.connectorId, first.signal);
      } catch (error) {
        indexes.forEach((index) => (outcomes[index] = { ok: false, error }));
        continue;
      }
      await this.writeAll(
        open,
        indexes.map((index) => contexts[index]),
        indexes,
        outcomes,
      );
    }
    return outcomes;
  }

  private async writeAll(
    open: OpenConnection,
    contexts: Array<JobContext<Payload>>,
    indexes: number[],
    outcomes: JobOutcome[],
  ): Promise<void> {
    const prepared = new Map<number, PreparedJob>();
    for (const [position, context] of contexts.entries()) {
      try {
        const loaded = await this.targets.session(context.job.workspaceId ?? '', context.payload.sessionId);
        const person = await this.targets.personForWrite(open, loaded);
        prepared.set(indexes[position], { person, notes: this.notesFor(open, loaded, person.personId, context) });
      } catch (error) {
        outcomes[indexes[position]] = { ok: false, error };
      }
    }
    const pending = [...prepared.entries()].flatMap(([index, job]) => job.notes.map((note) => ({ index, note })));
    const limit = Math.max(1, open.connector.descriptor.batchLimits.notes);
    for (let start = 0; start < pending.length; start += limit) {
      const chunk = pending.slice(start, start + limit);
      const failure = await this.writeChunk(open, chunk, prepared, outcomes);
      if (failure !== null) {
        // The CRM refused the call as a whole (429, outage, auth): the jobs still waiting retry as a unit.
        for (const { index } of pending.slice(start + limit)) {
          outcomes[index] = { ok: false, error: failure };
        }
        return;
      }
    }
  }

  /** Writes one chunk; returns the error when the whole call failed for a reason that later chunks would share. */
  private async writeChunk(
    open: OpenConnection,
    chunk: Array<{ index: number; note: NoteInput }>,
    prepared: Map<number, PreparedJob>,
    outcomes: JobOutcome[],
  ): Promise<unknown> {
    const fail = async (index: number, error: unknown) => {
      const failure = toJobFailure(error);
      const trusted = prepared.get(index)?.person.trustedLinkId;
      let settled = error;
      if (trusted && (failure.code === 'not_found' || failure.code === 'invalid_request')) {
        // Most likely the linked record is gone (deleted, merged): not this job's fault. Look the person up again
        // and retry; if the write fails again without the stored link, the job is dead-lettered with that reason.
        await this.targets.distrust(trusted);
        settled = new CrmWriteError(
          'conflict',
          `${failure.message} (written through a stored link; the person is looked up again on retry)`,
        );
      }
      if (outcomes[index].ok) {
        outcomes[index] = { ok: false, error: settled };
      }
    };
    let results: Array<BatchOutcome<RecordRef>>;
    try {
      results =
        chunk.length === 1
          ? [{ ok: true, value: await open.connector.appendNote(open.ctx, chunk[0].note) }]
          : await open.connector.appendNotes(
              open.ctx,
              chunk.map((entry) => entry.note),
            );
    } catch (error) {
      const code = toJobFailure(error).code;
      if (chunk.length > 1 && (code === 'invalid_request' || code === 'not_found')) {
        // One bad record must not sink its neighbours: write them one by one so only it fails.
        for (const entry of chunk) {
          const failure = await this.writeChunk(open, [entry], prepared, outcomes);
          if (failure !== null) {
            return failure;
          }
        }
        return null;
      }
      for (const { index } of chunk) {
        await fail(index, error);
      }
      return code === 'invalid_request' || code === 'not_found' ? null : error;
    }
    const kind = open.connector.descriptor.kind;
    for (const [position, result] of results.entries()) {
      if (!result.ok) {
        await fail(chunk[position].index, new ConnectorError(kind, result.error.code, result.error.message));
      }
    }
    return null;
  }

  private notesFor(
    open: OpenConnection,
    target: SessionForWrite,
    personId: string,
    { payload }: JobContext<Payload>,
  ): NoteInput[] {
    const descriptor = open.connector.descriptor;
    const session = target.session;
    const base = {
      session: {
        externalId: session.externalId,
        channel: session.channel,
        startedAt: session.startedAt,
        closedAt: session.closedAt,
        tags: session.tags,
        csat:
          session.csatRating === null
            ? null
            : {
                rating: session.csatRating,
                scale: session.csatScale ?? 5,
                ...(session.csatComment ? { comment: session.csatComment } : {}),
              },
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
