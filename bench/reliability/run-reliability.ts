/**
 * One reliability run: the same seeded chat workload through the real API, a real worker process (SIGKILLed at
 * random moments in the crash run), optional CRM faults, then the oracle. Used by `npm run reliability`, the bench
 * and the Jest suite (test/reliability), which differ only in size.
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { In } from 'typeorm';
import { JobEntity } from '../../src/jobs/job.entity';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Vendor } from '../../test/sandbox';
import { createRng } from '../../test/sandbox/common/prng';
import type { FaultConfig, LatencyFault } from '../../test/sandbox/common/sandbox.types';
import { seedPeople } from '../../test/sandbox/common/seed-data';
import {
  postDeliveries,
  sleep,
  startStack,
  VENDORS,
  waitDrained,
  WorkerSupervisor,
  type KillStats,
  type PostStats,
  type Sandboxes,
} from './harness';
import { judge, problems, type Verdict } from './oracle';
import { buildWorkload, disorderly, type PlannedSession, type WireEvent } from './workload';

/** A kind of trouble a run injects. */
export type FaultKind =
  | 'none'
  | 'worker-kills'
  | 'rate-limit-storm'
  | 'server-errors'
  | 'hangs'
  | 'reset-after-commit'
  | 'partial-batch'
  | 'duplicate-out-of-order';

export const FAULT_KINDS: Exclude<FaultKind, 'none' | 'worker-kills'>[] = [
  'rate-limit-storm',
  'server-errors',
  'hangs',
  'reset-after-commit',
  'partial-batch',
  'duplicate-out-of-order',
];

/** What each kind does, for the report (kept next to the settings so they cannot drift apart). */
export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  none: 'no faults (the baseline of the call ratio)',
  'worker-kills': 'the worker process SIGKILLed at random moments (0.5–2 s after it is ready) and restarted',
  'rate-limit-storm':
    'one storm: every CRM answers every API call with its rate-limit error (HubSpot, Zendesk, Zoho 429; Salesforce 403 REQUEST_LIMIT_EXCEEDED)',
  'server-errors': "5 % of CRM calls answer 500/502/503 in the vendor's error shape",
  hangs: 'a share of CRM API calls never answer (the call deadline must cut them): 10 %, 3 % at CI size',
  'reset-after-commit': '20 % of CRM writes are committed, then the connection is reset before the answer',
  'partial-batch':
    "inside batch writes, 5 % of records refused for good and 1 % failing transiently, each with the vendor's per-record error; the rest of the batch is written",
  'duplicate-out-of-order':
    'every event delivered twice (half concurrently); single-close chats shuffled (close before messages, escalation after close); closes and messages re-sent under new ids',
};

/** Rate-limit statuses as each vendor sends them (Salesforce has no 429: it answers 403 REQUEST_LIMIT_EXCEEDED). */
const LIMIT_STATUS: Record<Vendor, number> = { salesforce: 403, hubspot: 429, zendesk: 429, zoho: 429 };
/**
 * API request limits apply to API calls, not to the OAuth token endpoints (which have their own, different
 * errors: a 403 there is an OAuth error, permanent by design).
 */
const API_PATHS: Record<Vendor, RegExp> = {
  salesforce: /^\/services\/data\//,
  hubspot: /^\/crm\//,
  zendesk: /^\/api\/v2\//,
  zoho: /^\/crm\/v\d+\//,
};

function steadyFaults(kind: FaultKind, vendor: Vendor, hangRate: number): Partial<FaultConfig> | undefined {
  switch (kind) {
    case 'server-errors':
      return { errorRates: { 500: 0.02, 502: 0.015, 503: 0.015 } };
    case 'hangs':
      // API calls only: a token refresh has its own fixed 15 s timeout in the service, which this compressed-time
      // run cannot scale down (a hung token endpoint is a scenario of its own; see the report).
      return { hangRate, pathFilter: API_PATHS[vendor] };
    case 'reset-after-commit':
      return { resetAfterCommitRate: 0.2 };
    case 'partial-batch':
      // The reliability notes' F8: 5 % of records refused for good, 1 % failing transiently.
      return { batchRecordRejectRate: 0.05, batchRecordFailureRate: 0.01 };
    case 'none':
    case 'worker-kills':
    case 'rate-limit-storm':
    case 'duplicate-out-of-order':
      return undefined;
  }
}

export interface RunOptions {
  fault: FaultKind;
  store: 'sqlite' | 'postgres';
  postgresUrl?: string;
  events: number;
  seed?: number;
  /** Crash run: SIGKILL the worker this long after it became ready (uniform), restart, repeat. */
  kills?: { minMs: number; maxMs: number };
  /** The whole run (posting and draining) must finish by then. */
  timeoutMs: number;
  /**
   * Crash run: the first chat of each workspace drains before the first kill, so every connector holds its OAuth
   * token by then, as a service that has been running does (a refresh happens once an hour; killed in the middle
   * of one, the refresh lease blocks the connector for 30 s: see the report). `false` kills from the start.
   */
  warmUp?: boolean;
  /** Share of API calls that hang in the 'hangs' run (default 0.1, the reliability notes' F5). */
  hangRate?: number;
  /** Worker settings beyond the harness's (e.g. CRM_CALL_TIMEOUT_MS). */
  workerEnv?: Record<string, string>;
  /** CRM response times (the sandboxes answer in microseconds otherwise); a crash run needs calls in flight. */
  crmLatency?: LatencyFault;
  /** When the 'rate-limit-storm' starts (after the first events) and how long it lasts. */
  storm?: { atMs: number; forMs: number };
  /** Concurrent senders (each sends its sessions' events in order). */
  lanes?: number;
  /**
   * Chat traffic arrives over time, not all at once: sessions start on a schedule of this many planned events per
   * second (unlimited if unset). Every run of a size uses the same schedule, so a fault run meets the same backlog
   * (and batching) as its clean run, and the crash run's kills spread over ingest and drain alike.
   */
  eventsPerSecond?: number;
  /**
   * Traffic comes in waves: every `burstEveryMs` the next wave of sessions (that many milliseconds' worth at
   * `eventsPerSecond`) is sent as fast as the senders go. Waves build a backlog, so the worker batches notes the
   * way it does under real peaks, and every record-level fault meets multi-record batches.
   */
  burstEveryMs?: number;
  progress?: (line: string) => void;
}

export interface RunResult {
  fault: FaultKind;
  store: string;
  events: number;
  sessions: number;
  posted: PostStats;
  kills: KillStats;
  verdict: Verdict;
  problems: string[];
  drainSeconds: number;
  /** Storms that happened (the storm run must have one while work was going on). */
  storms: number;
}

/** People present exactly once in every sandbox: a transcript for them has one right place in each CRM. */
function knownEmails(people: number): string[] {
  return seedPeople(1, people)
    .filter((person) => person.presentIn.length === 4 && person.duplicateIn.length === 0)
    .map((person) => person.email);
}

function setFaults(sandboxes: Sandboxes, patch: (vendor: Vendor) => Partial<FaultConfig>): void {
  for (const vendor of VENDORS) {
    sandboxes[vendor].faults.set(patch(vendor));
  }
}

export async function runReliability(options: RunOptions): Promise<RunResult> {
  const seed = options.seed ?? 7;
  const people = 400;
  const dir = mkdtempSync(join(tmpdir(), 'ccb-reliability-'));
  const progress = options.progress ?? (() => undefined);
  const stack = await startStack({
    store: options.store,
    postgresUrl: options.postgresUrl,
    dir,
    people,
    escalationVendors: VENDORS,
    workerEnv: options.workerEnv,
  });
  const rng = createRng(seed * 31 + 1);
  const workload = buildWorkload({
    events: options.events,
    seed,
    knownEmails: knownEmails(people),
    runId: seed.toString(36),
  });
  // Sessions go round-robin to the four workspaces, so each CRM takes its share of cases.
  const plan = workload.sessions.map((session, index) => ({
    session,
    workspace: stack.workspaces[index % stack.workspaces.length],
  }));
  const supervisor = new WorkerSupervisor(
    stack.workerEnv,
    stack.db,
    join(dir, 'worker.log'),
    options.fault === 'worker-kills' ? (options.kills ?? { minMs: 500, maxMs: 2500 }) : null,
    rng,
  );
  const posted: PostStats = { requests: 0, accepted: 0, duplicate: 0, retried: 0 };
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let storms = 0;
  let stormTimer: NodeJS.Timeout | undefined;
  let postingDone = false;
  let postingError: Error | undefined;
  try {
    for (const vendor of VENDORS) {
      const steady = steadyFaults(options.fault, vendor, options.hangRate ?? 0.1);
      if (steady) {
        stack.sandboxes[vendor].faults.set(steady);
      }
    }
    if (options.crmLatency) {
      const latency = options.crmLatency;
      setFaults(stack.sandboxes, () => ({ latency }));
    }
    if (options.fault === 'rate-limit-storm') {
      // One storm, as in the reliability notes (F3): every CRM refuses every API call for a while, then recovers.
      const storm = options.storm ?? { atMs: 500, forMs: 2_000 };
      stormTimer = setTimeout(() => {
        storms += 1;
        setFaults(stack.sandboxes, (vendor) => ({
          errorRates: { [LIMIT_STATUS[vendor]]: 1 },
          pathFilter: API_PATHS[vendor],
        }));
        stormTimer = setTimeout(() => setFaults(stack.sandboxes, () => ({ errorRates: {} })), storm.forMs);
      }, storm.atMs);
    }
    supervisor.start();
    // Warm-up (crash run): one chat per workspace with a visitor every CRM knows, drained before the kills begin.
    const warmUp = options.fault === 'worker-kills' && options.warmUp !== false;
    const first = warmUp
      ? stack.workspaces.map((workspace) =>
          plan.findIndex((entry) => entry.workspace === workspace && entry.session.visitorKind === 'known'),
        )
      : [];
    for (const index of first.filter((candidate) => candidate >= 0)) {
      const { session, workspace } = plan[index];
      await postDeliveries(stack.apiUrl, workspace.chatKey, [[session.events]], posted);
    }
    if (warmUp) {
      await waitDrained(
        stack,
        deadline,
        () => true,
        () => supervisor.failure,
      );
    }
    supervisor.startKilling();
    const warmed = new Set(first);

    // Senders: each lane takes the next session and sends its events in order, one request per event, except
    // every fifth session, which arrives as one batch request (both shapes of the API are exercised).
    const lanes = options.lanes ?? 16;
    const startAt: number[] = [];
    const wave = ((options.burstEveryMs ?? 1000) / 1000) * (options.eventsPerSecond ?? Number.POSITIVE_INFINITY);
    let planned = 0;
    const from = Date.now();
    for (const { session } of plan) {
      startAt.push(from + Math.floor(planned / wave) * (options.burstEveryMs ?? 1000));
      planned += session.events.length;
    }
    let next = 0;
    const sending = Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < plan.length) {
          const index = next;
          next += 1;
          if (warmed.has(index)) {
            continue;
          }
          const { session, workspace } = plan[index];
          await sleep(startAt[index] - Date.now());
          const deliveries: Array<Array<WireEvent | WireEvent[]>> =
            options.fault === 'duplicate-out-of-order'
              ? disorderly(session, createRng(seed * 1_000_003 + index))
              : index % 5 === 4
                ? [[session.events]]
                : session.events.map((event) => [event]);
          await postDeliveries(stack.apiUrl, workspace.chatKey, deliveries, posted);
          if (index % 200 === 0) {
            progress(`  ${options.fault}: posted ${index}/${plan.length} sessions, kills ${supervisor.stats.kills}`);
          }
        }
      }),
    ).then(
      () => {
        postingDone = true;
      },
      (error: unknown) => {
        postingError = error instanceof Error ? error : new Error(String(error));
      },
    );
    await waitDrained(
      stack,
      deadline,
      () => postingDone,
      () => postingError ?? supervisor.failure,
    );
    await sending;
    const drainSeconds = (Date.now() - started) / 1000;
    if (stormTimer) {
      clearTimeout(stormTimer);
    }
    await supervisor.stop();
    const verdict = await judge(stack.db, stack.sandboxes, plan, {
      disorderly: options.fault === 'duplicate-out-of-order',
    });
    const result: RunResult = {
      fault: options.fault,
      store: options.store,
      events: workload.eventCount,
      sessions: workload.sessions.length,
      posted,
      kills: supervisor.stats,
      verdict,
      problems: problems(verdict),
      drainSeconds,
      storms,
    };
    if (expectedAccepted(workload.sessions, options.fault) !== posted.accepted) {
      result.problems.push(
        `accepted ${posted.accepted} events, expected ${expectedAccepted(workload.sessions, options.fault)}`,
      );
    }
    return result;
  } catch (error) {
    const log = (() => {
      try {
        return readFileSync(join(dir, 'worker.log'), 'utf8').split('\n').slice(-40).join('\n');
      } catch {
        return '';
      }
    })();
    // The jobs still waiting say why a drain did not finish.
    const waiting = await stack.db
      .run((manager) =>
        stack.db.repo(JobEntity, manager).find({ where: { state: In(['queued', 'running']) }, take: 10 }),
      )
      .then((jobs) =>
        jobs
          .map(
            (job) =>
              `${job.type} ${JSON.stringify(job.payload)} ${job.state} attempts ${job.attempts} run_at ${job.runAt.toISOString()} last error ${job.lastErrorCode}: ${job.lastError}`,
          )
          .join('\n'),
      )
      .catch(() => '');
    throw new Error(
      `${options.fault} run failed: ${(error as Error).message}\njobs not finished:\n${waiting}\nworker log (tail):\n${log}`,
      { cause: error },
    );
  } finally {
    if (stormTimer) {
      clearTimeout(stormTimer);
    }
    await supervisor.stop().catch(() => undefined);
    await sleep(50);
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Events the service must count as new: each planned event once; in the disorderly delivery also the re-sent
 * close and message (new ids), everything else there is a duplicate.
 */
function expectedAccepted(sessions: PlannedSession[], fault: FaultKind): number {
  let count = 0;
  for (const session of sessions) {
    count += session.events.length;
    if (fault === 'duplicate-out-of-order' && session.closes === 1) {
      count += (session.events.some((event) => event.type === 'session.closed') ? 1 : 0) + 1;
    }
  }
  return count;
}
