/**
 * The moving parts of a reliability run: the four CRM sandboxes and the API in this process, the worker as a real
 * child process of the service (so SIGKILL is a real crash), the chat traffic over real HTTP, and the wait for the
 * queue to drain.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/app-config';
import { Database } from '../../src/database/database';
import { JobEntity } from '../../src/jobs/job.entity';
import { JobStore } from '../../src/jobs/job-store';
import { startAllSandboxes, type Vendor } from '../../test/sandbox';
import type { SandboxOptions } from '../../test/sandbox/common/sandbox.types';
import { connectorBodyFor } from '../../test/sandbox/connector-bodies';
import type { WireEvent } from './workload';

export const VENDORS: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];
export type Sandboxes = Awaited<ReturnType<typeof startAllSandboxes>>;

const ROOT_TOKEN = `root_${'r'.repeat(32)}`;

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/** One workspace of the run: all four CRMs receive transcripts, `escalation` receives its cases. */
export interface RunWorkspace {
  id: string;
  chatKey: string;
  escalation: Vendor;
  connectorIds: Record<Vendor, string>;
}

export interface Stack {
  sandboxes: Sandboxes;
  app: NestExpressApplication;
  db: Database;
  apiUrl: string;
  workspaces: RunWorkspace[];
  /** Environment for worker processes: same store, same encryption key. */
  workerEnv: Record<string, string>;
  stop(): Promise<void>;
}

export interface StackOptions {
  store: 'sqlite' | 'postgres';
  postgresUrl?: string;
  dir: string;
  /** People seeded into every sandbox (the workload's visitors are drawn from them). */
  people: number;
  /** One workspace per escalation CRM, so every vendor's case creation is exercised. */
  escalationVendors: Vendor[];
  /** Worker tuning; short leases and backoff keep a run's drain in seconds, not minutes. */
  workerEnv?: Record<string, string>;
}

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: unknown = await response.json();
  if (response.status >= 300) {
    throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  }
  return json;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  // Vendor rate limits are lifted: what is under test is recovery from the faults each run injects, and a
  // sandbox's own 429s would be a fault nobody planned. The 429-storm run injects them on purpose.
  const sandboxes = await startAllSandboxes(
    () =>
      ({
        people: options.people,
        limits: { requestsPerWindow: 1_000_000 },
        concurrencyLimit: 10_000,
        searchRequestsPerSecond: 10_000,
      }) as SandboxOptions,
  );
  let schema: string | undefined;
  const databaseEnv: Record<string, string> = {};
  if (options.store === 'postgres') {
    if (!options.postgresUrl) {
      throw new Error('a PostgreSQL run needs a URL');
    }
    schema = `rel_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: options.postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    databaseEnv.DATABASE_URL = options.postgresUrl;
    databaseEnv.DATABASE_SCHEMA = schema;
  } else {
    databaseEnv.DATABASE_URL = `sqlite:${join(options.dir, 'ccb.sqlite')}`;
  }
  const common: Record<string, string> = {
    NODE_ENV: 'production',
    DATA_DIR: options.dir,
    ROOT_TOKEN,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ALLOW_PRIVATE_CRM_HOSTS: 'true',
    HOST: '127.0.0.1',
    ...databaseEnv,
  };
  // The API's own logs stay quiet: what a run needs from them (5xx answers) the sender counts.
  const config = loadConfig({ ...common, LOG_LEVEL: 'silent', PORT: '0' });
  const app = await createApp(config, 'api');
  let stopped = false;
  const stop = async () => {
    if (stopped) {
      return;
    }
    stopped = true;
    await app.close().catch(() => undefined);
    await sandboxes.stop();
    if (schema) {
      const admin = new Client({ connectionString: options.postgresUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  };
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const apiUrl = `http://127.0.0.1:${port}`;
    const workspaces: RunWorkspace[] = [];
    for (const escalation of options.escalationVendors) {
      const created = await api(apiUrl, ROOT_TOKEN, 'POST', '/v1/workspaces', { name: `reliability ${escalation}` });
      const adminKey = created.apiKey as string;
      const connectorIds = {} as Record<Vendor, string>;
      for (const vendor of VENDORS) {
        const sandbox = sandboxes[vendor];
        // Rotating refresh tokens are single-use: each connector needs its own grant, as each real install has.
        const issue = (sandbox as unknown as { issueRefreshToken?: () => string }).issueRefreshToken;
        const body = connectorBodyFor(sandbox, vendor === escalation ? ['transcripts', 'escalation'] : ['transcripts']);
        const connector = await api(apiUrl, adminKey, 'POST', '/v1/connectors', {
          ...body,
          rateBudget: { operations: 10_000, intervalMs: 1000, maxConcurrent: 100 },
          credentials: issue ? { ...body.credentials, refreshToken: issue() } : body.credentials,
        });
        connectorIds[vendor] = connector.id as string;
      }
      const key = await api(apiUrl, adminKey, 'POST', '/v1/api-keys', { name: 'chat', scopes: ['chat'] });
      workspaces.push({ id: created.id as string, chatKey: key.apiKey as string, escalation, connectorIds });
    }
    return {
      sandboxes,
      app,
      db: app.get(Database),
      apiUrl,
      workspaces,
      workerEnv: {
        ...common,
        LOG_LEVEL: 'warn',
        DB_MIGRATE_ON_START: 'false',
        WORKER_CONCURRENCY: '8',
        WORKER_POLL_INTERVAL_MS: '100',
        JOB_LEASE_MS: '3000',
        // Compressed from 1 s / 1 h, but ten attempts still span more than a minute: the service's own fixed waits
        // (a token refresh may take 15 s, a crashed refresher's lease lasts 30 s) must not use up a job's attempts.
        JOB_BACKOFF_BASE_MS: '500',
        JOB_BACKOFF_MAX_MS: '20000',
        // Covers one connection, which a batch of notes shares (see the report), so not the bare minimum.
        CRM_CALL_TIMEOUT_MS: '3000',
        SHUTDOWN_GRACE_MS: '5000',
        ...options.workerEnv,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * How a worker process is started: the built service (`dist/src/main.js`) when this file runs compiled (the
 * bench), the TypeScript sources through the same swc hook the crash test uses when it runs under Jest.
 */
function workerCommand(): string[] {
  if (__filename.endsWith('.js')) {
    return [resolve(__dirname, '../../src/main.js'), '--role=worker'];
  }
  const root = resolve(__dirname, '../..');
  const hook = join(root, 'test/support/swc-register.js');
  if (!existsSync(hook)) {
    throw new Error(`no swc hook at ${hook}`);
  }
  return ['-r', hook, join(root, 'src/main.ts'), '--role=worker'];
}

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly port: number;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
  }

  static async start(env: Record<string, string>, log: WriteStream): Promise<WorkerProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, workerCommand(), {
      cwd: resolve(__dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    return new WorkerProcess(child, port);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the process serves /health/live (its job loop starts during bootstrap, before listening). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) {
        throw new Error(`worker ${this.pid} exited during start-up (code ${this.child.exitCode})`);
      }
      const response = await fetch(`http://127.0.0.1:${this.port}/health/live`).catch(() => undefined);
      if (response?.status === 200) {
        return;
      }
      await sleep(25);
    }
    throw new Error(`worker ${this.pid} not ready after ${timeoutMs} ms`);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.alive) {
      this.child.kill(signal);
    }
    await this.exited;
  }
}

export interface KillStats {
  kills: number;
  /** Kills that hit a worker holding at least one job lease (the crash interrupted real work). */
  killsWithJobsInFlight: number;
  jobsInterrupted: number;
  workerStarts: number;
}

/**
 * Keeps one worker process running. With `kills`, once startKilling() was called, SIGKILLs it at a random moment
 * after it became ready and starts a new one, until stopped; the last worker is then stopped gracefully (SIGTERM).
 */
export class WorkerSupervisor {
  readonly stats: KillStats = { kills: 0, killsWithJobsInFlight: 0, jobsInterrupted: 0, workerStarts: 0 };
  private current: WorkerProcess | undefined;
  private stopping = false;
  private killing = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private stopped: Promise<void> | undefined;
  private readonly log: WriteStream;
  failure: Error | undefined;

  constructor(
    private readonly env: Record<string, string>,
    private readonly db: Database,
    logFile: string,
    private readonly kills: { minMs: number; maxMs: number } | null,
    private readonly rng: () => number,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const worker = await WorkerProcess.start(this.env, this.log);
      this.current = worker;
      this.stats.workerStarts += 1;
      await worker.ready();
      if (this.stopping) {
        return;
      }
      while (!this.killing && !this.stopping && worker.alive) {
        await this.pause(Number.POSITIVE_INFINITY, worker);
      }
      if (this.stopping) {
        return;
      }
      const wait = this.kills
        ? this.kills.minMs + this.rng() * (this.kills.maxMs - this.kills.minMs)
        : Number.POSITIVE_INFINITY;
      await this.pause(wait, worker);
      if (this.stopping) {
        return;
      }
      if (!worker.alive) {
        throw new Error(`worker ${worker.pid} died on its own (exit ${worker.child.exitCode}); see the worker log`);
      }
      // Random moments, not aimed at work in progress: aiming would also hit the same reclaimed jobs every time.
      const inFlight = await this.leasesHeldBy(worker.pid);
      await worker.kill('SIGKILL');
      this.stats.kills += 1;
      this.stats.jobsInterrupted += inFlight;
      if (inFlight > 0) {
        this.stats.killsWithJobsInFlight += 1;
      }
    }
  }

  /** From now on (with `kills`), the running worker and each successor die at a random moment. */
  startKilling(): void {
    this.killing = this.kills !== null;
    this.wakeUp?.();
  }

  /** Sleeps `ms` (forever if infinite) unless woken, stopped or the worker exits first. */
  private async pause(ms: number, worker: WorkerProcess): Promise<void> {
    await Promise.race([
      new Promise<void>((done) => {
        this.wakeUp = done;
        if (Number.isFinite(ms)) {
          setTimeout(done, ms);
        }
      }),
      worker.exited,
    ]);
    this.wakeUp = undefined;
  }

  /** Jobs whose lease carries this process's id (worker ids are `host:pid:random`). */
  private async leasesHeldBy(pid: number): Promise<number> {
    const running = await this.db.run((manager) =>
      this.db.repo(JobEntity, manager).find({ where: { state: 'running' }, select: { lockedBy: true } }),
    );
    return running.filter((job) => job.lockedBy?.split(':')[1] === String(pid)).length;
  }

  /** Stops killing; the running worker gets SIGTERM (graceful: leases handed back). Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.wakeUp?.();
      await this.loop;
      await this.current?.kill('SIGTERM');
      await new Promise<void>((done) => this.log.end(done));
    })();
    return this.stopped;
  }
}

export interface PostStats {
  requests: number;
  accepted: number;
  duplicate: number;
  /** 5xx answers and connection errors, each retried as a chat system would. */
  retried: number;
}

/** POSTs deliveries to /v1/events; each inner list is sent concurrently, lists in order. Retries 5xx like a sender. */
export async function postDeliveries(
  apiUrl: string,
  chatKey: string,
  deliveries: Array<Array<WireEvent | WireEvent[]>>,
  stats: PostStats,
): Promise<void> {
  for (const group of deliveries) {
    await Promise.all(
      group.map(async (item) => {
        const body = Array.isArray(item) ? { events: item } : item;
        for (let attempt = 1; ; attempt += 1) {
          stats.requests += 1;
          const response = await fetch(`${apiUrl}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${chatKey}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }).catch((error: unknown) => error as Error);
          if (!(response instanceof Error) && response.status === 202) {
            const result = (await response.json()) as { accepted: number; duplicate: number };
            stats.accepted += result.accepted;
            stats.duplicate += result.duplicate;
            return;
          }
          const detail = response instanceof Error ? response.message : `${response.status} ${await response.text()}`;
          if ((response instanceof Error || response.status >= 500) && attempt < 20) {
            stats.retried += 1;
            await sleep(50 * attempt);
            continue;
          }
          throw new Error(`POST /v1/events refused: ${detail}`);
        }
      }),
    );
  }
}

/** Waits until no job is queued or running (a killed worker's jobs count as running until reclaimed). */
export async function waitDrained(
  stack: Stack,
  deadline: number,
  isDone: () => boolean,
  abort: () => Error | undefined,
): Promise<void> {
  const store = stack.app.get(JobStore);
  for (;;) {
    const failure = abort();
    if (failure) {
      throw failure;
    }
    if (isDone()) {
      const counts = await store.countByState();
      if (counts.queued === 0 && counts.running === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`queue did not drain in time: ${JSON.stringify(counts)}`);
      }
    } else if (Date.now() > deadline) {
      throw new Error('events were not all posted in time');
    }
    await sleep(200);
  }
}
