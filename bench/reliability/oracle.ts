/**
 * After a run: what the CRMs hold, against what the plan says they must hold. The sandboxes' write journals are
 * the ground truth (every committed create/upsert/delete, with the key that identified it); the service's own
 * tables are read only to map chat-system session ids to the service's ids (which the keys carry), to list
 * dead-lettered jobs, and to time late messages against finished transcript jobs.
 */
import { In } from 'typeorm';
import { ChatMessageEntity } from '../../src/chat/chat-message.entity';
import { ChatSessionEntity } from '../../src/chat/chat-session.entity';
import { hubspotDescriptor } from '../../src/connectors/hubspot/hubspot.descriptor';
import { salesforceDescriptor } from '../../src/connectors/salesforce/salesforce.descriptor';
import { zendeskDescriptor } from '../../src/connectors/zendesk/zendesk.descriptor';
import { zohoDescriptor } from '../../src/connectors/zoho/zoho.descriptor';
import { noteMarkerKey } from '../../src/connectors/zoho/zoho.mapper';
import type { Database } from '../../src/database/database';
import { JobEntity, type Job } from '../../src/jobs/job.entity';
import { feedbackVersion } from '../../src/transcripts/feedback-format';
import type { Vendor } from '../../test/sandbox';
import { VENDORS, type RunWorkspace, type Sandboxes } from './harness';
import type { PlannedSession } from './workload';

const PRIVATE_NOTES: Record<Vendor, boolean> = {
  salesforce: salesforceDescriptor.capabilities.privateNotes,
  hubspot: hubspotDescriptor.capabilities.privateNotes,
  zendesk: zendeskDescriptor.capabilities.privateNotes,
  zoho: zohoDescriptor.capabilities.privateNotes,
};

const UUID = '[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}';
/**
 * The service's idempotency keys as they reach the CRMs: `ccb-<session>-<close>-[internal-]<part>` for transcripts,
 * `ccb-case-<session>-<reason>` for cases, `ccb-feedback-<session>-<version>` for CSAT/tags written after a close.
 * Vendors carry them differently (an upsert key, an Idempotency-Key, a marker inside a Zoho note title), so they are
 * found inside the journal's key rather than compared whole.
 */
const KEY = new RegExp(
  `ccb-(?:case-${UUID}-(?:escalation|low_csat)|feedback-${UUID}-[0-9a-f]+|${UUID}-\\d+-(?:internal-)?\\d+)`,
);
/** Zoho notes carry the key as a `[ccb:<marker>]` title prefix (the key itself, or a hash of a long one). */
const ZOHO_MARKER = /\[ccb:([^\]]+)\]/;

/** The key a journal entry was written under, in the form the vendor stored it. */
function journalKey(externalKey: string | undefined): string | undefined {
  if (externalKey === undefined) {
    return undefined;
  }
  return ZOHO_MARKER.exec(externalKey)?.[1] ?? KEY.exec(externalKey)?.[0];
}

/** Our key as the CRM stores it: Zoho notes keep a marker (the connector's own encoding, used here as a codec). */
function wireKey(vendor: Vendor, key: string): string {
  return vendor === 'zoho' && !key.startsWith('ccb-case-') ? noteMarkerKey(key) : key;
}

interface Expectation {
  vendor: Vendor;
  /** What the plan expects, for the report. */
  label: string;
  /** Keys (as stored by the vendor) of which exactly one record must exist; alternatives when order decides. */
  keys: string[];
  /** Optional writes may be absent (their cause raced with the close); present, they still count for duplicates. */
  required: boolean;
  /** Known visitors must land in the CRM; unknown and anonymous ones must be dead-lettered. */
  mustSucceed: boolean;
  /** The job responsible, to find its dead letter: type, session, connector, and generation/reason if any. */
  job: string;
}

export interface Verdict {
  expected: number;
  /** Expected writes found in the CRM. */
  delivered: number;
  /** Expected writes that are neither in the CRM nor dead-lettered nor parked: silently dropped. */
  lost: number;
  /** Extra CRM records beyond one per key. */
  duplicates: number;
  /** Records with our keys that no planned event asked for. */
  unexpected: number;
  /** Writes for unresolvable visitors that ended dead-lettered with a reason, as they must. */
  deadAsExpected: number;
  /** Records the CRM refused for good (the per-record reject fault) whose jobs were dead-lettered with a reason. */
  deadRefusedByCrm: number;
  /** Of those, jobs that kept retrying a permanent refusal until their attempts ran out (wasted calls). */
  refusalsRetried: number;
  /** Writes that should have succeeded but were dead-lettered (a transient fault given up on). */
  deadWrongly: number;
  /**
   * Writes dead-lettered because their job's lease ran out on every attempt: the worker was killed each time it ran
   * the job (the queue counts every claim as an attempt). Never in the CRM, though nothing was wrong with them.
   */
  deadByCrashes: number;
  parked: number;
  /** Dead-lettered jobs by `<code>: <reason>` (per job, ids blanked). */
  deadReasons: Record<string, number>;
  /**
   * Visible messages stored after every transcript job of their session (per CRM) had finished, though they were
   * sent before the close: no transcript can contain them. A lower bound (a job that read the messages just before
   * one was stored is not counted).
   */
  lateMessagesMissed: number;
  /** Sandbox-side requests (every request the CRMs received, failed ones included). */
  crmCalls: Record<Vendor, number> & { total: number };
  /** Calls the CRMs answered with an error or never answered (status 0), by vendor and status. */
  failedCalls: Record<string, number>;
  /** The same, by vendor, method and path (ids blanked), most frequent first. */
  callsByRoute: Array<[string, number]>;
  /** A few concrete examples of each problem, for the report. */
  examples: string[];
}

/** The queue's reason for a job whose every lease expired (src/jobs/job-worker.ts). */
const LEASE_EXPIRED = /^lease expired on \d+ attempts/;

/** How problems() names crash-induced dead letters (the crash test tells them from other problems by it). */
export const CRASH_DEAD_LETTERS = 'dead-lettered after repeated crashes';

function jobRef(type: string, sessionId: unknown, connectorId: unknown, detail?: unknown): string {
  return [type, sessionId, connectorId, ...(detail === undefined ? [] : [detail])].map(String).join('/');
}

function deadJobRef(job: Job): string {
  const p = job.payload;
  switch (job.type) {
    case 'transcript.push':
      return jobRef(job.type, p.sessionId, p.connectorId, p.generation);
    case 'case.create':
      return jobRef(job.type, p.sessionId, p.connectorId, p.reason);
    default:
      return jobRef(job.type, p.sessionId, p.connectorId);
  }
}

function route(vendor: Vendor, method: string, path: string): string {
  const blanked = path
    .replace(new RegExp(UUID, 'g'), ':id')
    .replace(/\/[A-Za-z0-9]*\d[A-Za-z0-9_-]*(?=\/|$)/g, '/:id')
    .replace(/\/ccb-[^/]+/g, '/:key');
  return `${vendor} ${method} ${blanked}`;
}

export async function judge(
  db: Database,
  sandboxes: Sandboxes,
  plan: Array<{ workspace: RunWorkspace; session: PlannedSession }>,
  options: { disorderly: boolean },
): Promise<Verdict> {
  const examples: string[] = [];
  const note = (line: string) => {
    if (examples.length < 12) {
      examples.push(line);
    }
  };
  const workspaceIds = [...new Set(plan.map((entry) => entry.workspace.id))];
  const sessions = await db.run((manager) =>
    db.repo(ChatSessionEntity, manager).find({
      where: { workspaceId: In(workspaceIds) },
      select: { id: true, workspaceId: true, externalId: true, closedAt: true },
    }),
  );
  const stored = new Map(sessions.map((session) => [`${session.workspaceId}/${session.externalId}`, session]));

  const expected: Expectation[] = [];
  let missingSessions = 0;
  for (const { workspace, session } of plan) {
    const id = stored.get(`${workspace.id}/${session.externalId}`)?.id;
    const mustSucceed = session.visitorKind === 'known';
    if (!id) {
      // Acknowledged events whose session is not even stored: everything they should cause is lost.
      missingSessions += 1;
      note(`session ${session.externalId} acknowledged but not stored`);
      continue;
    }
    for (const vendor of VENDORS) {
      const connectorId = workspace.connectorIds[vendor];
      const keyed = (key: string) => ({ label: `${vendor}/${key}`, keys: [wireKey(vendor, key)] });
      for (let generation = 1; generation <= session.closes; generation += 1) {
        const job = jobRef('transcript.push', id, connectorId, generation);
        expected.push({ vendor, ...keyed(`ccb-${id}-${generation}-1`), required: true, mustSucceed, job });
        if (session.privateNote && PRIVATE_NOTES[vendor]) {
          // Delivered out of order, the private note may arrive after the close's transcript was written.
          const key = `ccb-${id}-${generation}-internal-1`;
          expected.push({ vendor, ...keyed(key), required: !options.disorderly, mustSucceed, job });
        }
      }
      const versions = feedbackVersions(session, options.disorderly);
      if (versions.length > 0) {
        expected.push({
          vendor,
          label: `${vendor}/ccb-feedback-${id}-*`,
          keys: versions.map((version) => wireKey(vendor, `ccb-feedback-${id}-${version}`)),
          required: !options.disorderly,
          mustSucceed,
          job: jobRef('feedback.push', id, connectorId),
        });
      }
    }
    const reasons = [...(session.escalated ? ['escalation'] : []), ...(session.lowCsat ? ['low_csat'] : [])];
    for (const reason of reasons) {
      const vendor = workspace.escalation;
      const key = `ccb-case-${id}-${reason}`;
      expected.push({
        vendor,
        label: `${vendor}/${key}`,
        keys: [key],
        required: true,
        mustSucceed,
        job: jobRef('case.create', id, workspace.connectorIds[vendor], reason),
      });
    }
  }

  // Records per key, per CRM: distinct record ids created or upserted under the key, minus deleted ones.
  const records = new Map<string, Set<string>>();
  for (const vendor of VENDORS) {
    for (const entry of sandboxes[vendor].journal.entries()) {
      const key = journalKey(entry.externalKey);
      if (!key) {
        continue;
      }
      const slot = `${vendor}/${key}`;
      const ids = records.get(slot) ?? new Set<string>();
      records.set(slot, ids);
      if (entry.operation === 'delete') {
        ids.delete(entry.recordId);
      } else {
        ids.add(entry.recordId);
      }
    }
  }

  const unfinished = await db.run((manager) =>
    db.repo(JobEntity, manager).find({ where: { state: In(['dead', 'parked']), workspaceId: In(workspaceIds) } }),
  );
  const dead = new Map<string, Job>();
  const parked = new Set<string>();
  const deadReasons: Record<string, number> = {};
  for (const job of unfinished) {
    if (job.state === 'parked') {
      parked.add(deadJobRef(job));
      continue;
    }
    dead.set(deadJobRef(job), job);
    // Ids blanked so like failures group; the code once (messages often start with it already).
    const message = (job.lastError ?? '').replace(new RegExp(UUID, 'g'), '<id>');
    const code = job.lastErrorCode ?? '?';
    const reason = message.startsWith(`${code}: `) ? message : `${code}: ${message}`;
    deadReasons[reason] = (deadReasons[reason] ?? 0) + 1;
  }

  // Records the CRM refused for good: their writes cannot succeed and must end as dead letters with a reason.
  const refused = new Set<string>();
  for (const vendor of VENDORS) {
    for (const key of sandboxes[vendor].faults.rejectedRecordKeys()) {
      const stored = journalKey(key);
      if (stored) {
        refused.add(`${vendor}/${stored}`);
      }
    }
  }

  const verdict: Verdict = {
    expected: expected.length,
    delivered: 0,
    lost: missingSessions,
    duplicates: 0,
    unexpected: 0,
    deadAsExpected: 0,
    deadRefusedByCrm: 0,
    refusalsRetried: 0,
    deadWrongly: 0,
    deadByCrashes: 0,
    parked: 0,
    deadReasons,
    lateMessagesMissed: 0,
    crmCalls: { total: 0 } as Verdict['crmCalls'],
    failedCalls: {},
    callsByRoute: [],
    examples,
  };
  const claimed = new Set<string>();
  for (const write of expected) {
    const slot = write.label;
    let found = 0;
    for (const key of write.keys) {
      const candidate = `${write.vendor}/${key}`;
      claimed.add(candidate);
      const count = records.get(candidate)?.size ?? 0;
      found += count;
      if (count > 1) {
        verdict.duplicates += count - 1;
        note(`${candidate}: ${count} records`);
      }
    }
    const deadJob = dead.get(write.job);
    if (found > 0) {
      verdict.delivered += 1;
      if (!write.mustSucceed) {
        verdict.unexpected += 1;
        note(`${slot}: written for a visitor no CRM knows`);
      }
    } else if (deadJob && write.keys.some((key) => refused.has(`${write.vendor}/${key}`))) {
      verdict.deadRefusedByCrm += 1;
      if (deadJob.lastError?.startsWith('gave up after')) {
        verdict.refusalsRetried += 1;
        note(`${slot}: refused for good, yet retried until: ${deadJob.lastError}`);
      }
    } else if (deadJob) {
      if (write.mustSucceed && LEASE_EXPIRED.test(deadJob.lastError ?? '')) {
        verdict.deadByCrashes += 1;
        note(`${slot}: dead-lettered (${deadJob.lastError})`);
      } else if (write.mustSucceed) {
        verdict.deadWrongly += 1;
        note(`${slot}: dead-lettered (${deadJob.lastErrorCode}: ${deadJob.lastError})`);
      } else {
        verdict.deadAsExpected += 1;
      }
    } else if (parked.has(write.job)) {
      verdict.parked += 1;
      note(`${slot}: parked`);
    } else if (write.required) {
      verdict.lost += 1;
      note(`${slot}: lost (no record, no dead letter)`);
    }
  }
  for (const [slot, ids] of records) {
    if (!claimed.has(slot) && ids.size > 0) {
      verdict.unexpected += ids.size;
      note(`${slot}: not planned (${ids.size} records)`);
    }
  }

  verdict.lateMessagesMissed = await lateMessagesMissed(db, workspaceIds, sessions);
  const routes = new Map<string, number>();
  for (const vendor of VENDORS) {
    const calls = sandboxes[vendor].requests.entries();
    verdict.crmCalls[vendor] = calls.length;
    verdict.crmCalls.total += calls.length;
    for (const call of calls) {
      if (call.status >= 400 || call.status === 0) {
        const failure = `${vendor} ${call.status}`;
        verdict.failedCalls[failure] = (verdict.failedCalls[failure] ?? 0) + 1;
      }
      const name = route(vendor, call.method, call.path);
      routes.set(name, (routes.get(name) ?? 0) + 1);
    }
  }
  verdict.callsByRoute = [...routes].sort((a, b) => b[1] - a[1]);
  return verdict;
}

/**
 * The feedback note versions a session can produce: in order, the rating follows the close, so exactly the final
 * values (rating and tags); out of order, a rating or tags that arrive after the close write whatever values the
 * session holds by then, so each combination of "rating yet or not" and "tags yet or not" is possible (the service's
 * version function is the codec from values to key; the values come from the plan).
 */
function feedbackVersions(session: PlannedSession, disorderly: boolean): string[] {
  const csat = session.events.find((event) => event.type === 'csat.submitted');
  const tags = session.events.find((event) => event.type === 'tags.updated');
  const version = (withCsat: boolean, withTags: boolean) =>
    feedbackVersion({
      externalId: session.externalId,
      closedAt: null,
      tags: withTags && tags ? (tags.tags as string[]) : [],
      csatRating: withCsat && csat ? (csat.rating as number) : null,
      csatScale: withCsat && csat ? (csat.scale as number) : null,
      csatComment: null,
    });
  if (!disorderly) {
    return csat ? [version(true, true)] : [];
  }
  const combos: Array<[boolean, boolean]> = [];
  for (const withCsat of csat ? [false, true] : [false]) {
    for (const withTags of tags ? [false, true] : [false]) {
      if (withCsat || withTags) {
        combos.push([withCsat, withTags]);
      }
    }
  }
  return combos.map(([withCsat, withTags]) => version(withCsat, withTags));
}

async function lateMessagesMissed(
  db: Database,
  workspaceIds: string[],
  sessions: Array<{ id: string; closedAt: Date | null }>,
): Promise<number> {
  const closedAt = new Map(sessions.map((session) => [session.id, session.closedAt]));
  const [messages, pushes] = await Promise.all([
    db.run((manager) =>
      db.repo(ChatMessageEntity, manager).find({
        where: { workspaceId: In(workspaceIds), private: false },
        select: { sessionId: true, occurredAt: true, createdAt: true },
      }),
    ),
    db.run((manager) =>
      db.repo(JobEntity, manager).find({
        where: { workspaceId: In(workspaceIds), type: 'transcript.push', state: 'done' },
        select: { payload: true, finishedAt: true },
      }),
    ),
  ]);
  // Per session and CRM: when its newest transcript job finished (that transcript shows every message stored by then).
  const lastPush = new Map<string, Map<string, number>>();
  for (const job of pushes) {
    const perConnector = lastPush.get(String(job.payload.sessionId)) ?? new Map<string, number>();
    lastPush.set(String(job.payload.sessionId), perConnector);
    const connectorId = String(job.payload.connectorId);
    perConnector.set(connectorId, Math.max(perConnector.get(connectorId) ?? 0, job.finishedAt?.getTime() ?? 0));
  }
  let missed = 0;
  for (const message of messages) {
    const closed = closedAt.get(message.sessionId);
    if (!closed || message.occurredAt > closed) {
      continue;
    }
    for (const finished of lastPush.get(message.sessionId)?.values() ?? []) {
      if (finished < message.createdAt.getTime()) {
        missed += 1;
      }
    }
  }
  return missed;
}

/** Every check a run must pass; empty when it did. */
export function problems(verdict: Verdict): string[] {
  const out: string[] = [];
  const check = (failed: boolean, text: string) => {
    if (failed) {
      out.push(text);
    }
  };
  check(verdict.lost > 0, `${verdict.lost} lost`);
  check(verdict.duplicates > 0, `${verdict.duplicates} duplicates`);
  check(verdict.unexpected > 0, `${verdict.unexpected} unexpected records`);
  check(verdict.deadWrongly > 0, `${verdict.deadWrongly} writes dead-lettered that should have succeeded`);
  check(
    verdict.deadByCrashes > 0,
    `${verdict.deadByCrashes} writes ${CRASH_DEAD_LETTERS} (the lease expired on every attempt)`,
  );
  check(verdict.parked > 0, `${verdict.parked} parked`);
  check(verdict.refusalsRetried > 0, `${verdict.refusalsRetried} permanent refusals retried as if transient`);
  check(
    Object.keys(verdict.deadReasons).some((reason) => reason.startsWith('?') || reason.endsWith(': ')),
    'a dead letter without a reason',
  );
  return out;
}
