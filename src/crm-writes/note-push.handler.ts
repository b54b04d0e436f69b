import type { OpenConnection } from '../connectors/connector-context.factory';
import { ConnectorError } from '../connectors/connector.errors';
import type { BatchOutcome, NoteInput, RecordRef } from '../connectors/crm.types';
import { toJobFailure } from '../jobs/retry-policy';
import type { Job } from '../jobs/job.entity';
import type { BatchJobHandler, JobContext, JobOutcome } from '../jobs/job-handler';
import { CrmWriteError, type CrmWriteContext, type PersonForWrite, type SessionForWrite } from './crm-write.context';

/** What every note-writing job names: the session, and the connector to write on. */
export interface NoteJobPayload {
  sessionId: string;
  connectorId: string;
}

/** The notes one job writes, and what it needs to settle. */
interface PreparedJob {
  notes: NoteInput[];
  person: PersonForWrite;
}

/**
 * Jobs that write notes about a session on the person in one CRM. Under backlog the worker hands over up to the
 * connector's note batch limit of due jobs at once; their notes go out in as few `appendNotes` calls as the limit
 * allows, and each job settles on its own records' outcome. Subclasses say which notes a job writes; the note keys
 * must be deterministic, since the connectors' writes are idempotent on them (in the CRM, across retries and crashes).
 */
export abstract class NotePushHandler<Payload extends NoteJobPayload> implements BatchJobHandler<Payload> {
  constructor(protected readonly targets: CrmWriteContext) {}

  /** The notes one job writes on `personId` (at least one). */
  protected abstract notesFor(
    open: OpenConnection,
    target: SessionForWrite,
    personId: string,
    payload: Payload,
  ): NoteInput[];

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
      // A fresh connection per CRM operation (see CrmWriteContext.opener); the connector is checked once.
      let connect: () => Promise<OpenConnection>;
      let open: OpenConnection;
      try {
        connect = await this.targets.opener(first.job.workspaceId ?? '', first.payload.connectorId, first.signal);
        open = await connect();
      } catch (error) {
        indexes.forEach((index) => (outcomes[index] = { ok: false, error }));
        continue;
      }
      await this.writeAll(
        open,
        connect,
        indexes.map((index) => contexts[index]),
        indexes,
        outcomes,
      );
    }
    return outcomes;
  }

  private async writeAll(
    open: OpenConnection,
    connect: () => Promise<OpenConnection>,
    contexts: Array<JobContext<Payload>>,
    indexes: number[],
    outcomes: JobOutcome[],
  ): Promise<void> {
    const prepared = new Map<number, PreparedJob>();
    for (const [position, context] of contexts.entries()) {
      try {
        const loaded = await this.targets.session(context.job.workspaceId ?? '', context.payload.sessionId);
        const person = await this.targets.personForWrite(open.ctx.connectorId, connect, loaded);
        prepared.set(indexes[position], {
          person,
          notes: this.notesFor(open, loaded, person.personId, context.payload),
        });
      } catch (error) {
        outcomes[indexes[position]] = { ok: false, error };
        const code = toJobFailure(error).code;
        if (code === 'rate_limited' || code === 'quota_exhausted') {
          // The CRM said "slow down": every other job of the batch would only hit it again. They all retry after
          // the pause, as a unit.
          for (const index of indexes) {
            if (outcomes[index].ok) {
              outcomes[index] = { ok: false, error };
            }
          }
          return;
        }
      }
    }
    const pending = [...prepared.entries()].flatMap(([index, job]) => job.notes.map((note) => ({ index, note })));
    const limit = Math.max(1, open.connector.descriptor.batchLimits.notes);
    for (let start = 0; start < pending.length; start += limit) {
      const chunk = pending.slice(start, start + limit);
      let failure: unknown;
      try {
        failure = await this.writeChunk(await connect(), chunk, prepared, outcomes);
      } catch (error) {
        failure = error;
        chunk.forEach(({ index }) => (outcomes[index] = { ok: false, error }));
      }
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
}
