import autocannon from 'autocannon';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DatabaseConfig } from '../src/config/app-config';
import { createDataSource } from '../src/database/data-source';
import { Database } from '../src/database/database';
import { startService } from './http.bench';
import { percentile, type BenchRow } from './table';

/**
 * P5: durable ingest. Events/s through POST /v1/events (one event per request, each acknowledged only after its
 * transaction committed) ÷ raw single-row INSERT transactions/s on the same store, measured in the same run.
 *
 * Fairness of the baseline: it opens the same store with the service's own data source options (same driver, same
 * pragmas: WAL, and synchronous as better-sqlite3 sets it, both printed by the row; on PostgreSQL the same pool size
 * and search_path) and the service's own Database wrapper (the same mutex around every SQLite unit of work), after
 * the service has stopped, so each side has the store to itself. It runs as many callers as the load tool has
 * connections, each waiting for its commit before the next. What the ratio leaves out is therefore exactly what
 * ingest adds: HTTP, auth, validation, and the event's own statements (workspace and connectors read, dedupe record,
 * session read/create/update, message insert, the conversation re-read for sentiment on visitor messages).
 */

/** In flight at once: a chat system's webhook sender keeps a few dozen deliveries open. */
const CONNECTIONS = 32;
/** Sessions the events are spread over (round robin, so the 32 in flight are always on different sessions). */
const SESSIONS = 512;
const TEXTS = [
  'Hi, my order 245-12784 has not arrived yet, can you check where it is?',
  'Thanks for waiting, I am looking at the shipment now.',
  'It says delivered but I never got it. This is really frustrating.',
  '注文した商品がまだ届いていません。確認していただけますか？',
  'I have opened a trace with the carrier; you will hear from us within a day.',
  'Great, thank you so much for the quick help!',
];

interface IngestResult {
  eventsPerSecond: number;
  acknowledged: string[];
  latencies: number[];
  errors: number;
}

interface RawResult {
  perSecond: number;
  pragmas: string;
}

async function api(base: string, token: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (response.status >= 300) {
    throw new Error(`POST ${path} → ${response.status} ${JSON.stringify(json)}`);
  }
  return json;
}

async function chatKey(base: string, rootToken: string): Promise<string> {
  const workspace = await api(base, rootToken, '/v1/workspaces', { name: 'bench P5' });
  const key = await api(base, workspace.apiKey, '/v1/api-keys', { name: 'bench chat', scopes: ['chat'] });
  return key.apiKey as string;
}

/** Single message.created events, each with a new id, through autocannon; `amount` bounds a warm-up instead. */
async function ingest(
  base: string,
  key: string,
  run: string,
  bound: { seconds: number } | { amount: number },
): Promise<IngestResult> {
  let next = 0;
  const acknowledged: string[] = [];
  const latencies: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const options = {
    url: base,
    connections: CONNECTIONS,
    ...('seconds' in bound ? { duration: bound.seconds } : { amount: bound.amount }),
    requests: [
      {
        method: 'POST',
        path: '/v1/events',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        setupRequest: (request: any, context: any) => {
          const n = next++;
          context.messageId = `${run}-m${n}`;
          const event = {
            id: `${run}-e${n}`,
            type: 'message.created',
            sessionId: `${run}-s${n % SESSIONS}`,
            occurredAt: new Date().toISOString(),
            message: {
              id: context.messageId,
              author: n % 3 === 1 ? 'agent' : 'visitor',
              text: TEXTS[n % TEXTS.length],
            },
          };
          return { ...request, body: JSON.stringify(event) };
        },
        onResponse: (status: number, body: string, context: any) => {
          // 202 with accepted 1 = committed; anything else counts as an error.
          if (status === 202 && (JSON.parse(body) as { accepted: number }).accepted === 1) {
            acknowledged.push(context.messageId as string);
          } else {
            errors += 1;
          }
        },
      },
    ],
  } as autocannon.Options;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: Error | null, finished: autocannon.Result) =>
      error ? reject(error) : resolve(finished),
    );
    // Each response's own latency (ms), so p95 is a real p95 (autocannon's summary has p90 and p97.5, not p95).
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    eventsPerSecond: acknowledged.length / seconds,
    acknowledged,
    latencies: latencies.sort((a, b) => a - b),
    errors: errors + result.errors + result.timeouts,
  };
}

async function open(config: DatabaseConfig): Promise<Database> {
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  return new Database(dataSource);
}

/** CONNECTIONS callers, each committing one single-row INSERT transaction after another, for `seconds`. */
async function rawInserts(config: DatabaseConfig, seconds: number): Promise<RawResult> {
  const db = await open(config);
  try {
    const p = (n: number) => db.param(n);
    await db.run((m) =>
      m.query(
        `CREATE TABLE bench_raw_insert (id varchar(36) PRIMARY KEY NOT NULL, workspace_id varchar(36) NOT NULL, ` +
          `body text NOT NULL, created_at ${db.dialect === 'postgres' ? 'timestamptz' : 'datetime'} NOT NULL)`,
      ),
    );
    const insert = `INSERT INTO bench_raw_insert (id, workspace_id, body, created_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`;
    const workspaceId = randomUUID();
    const once = (n: number) =>
      db.transaction((m) => m.query(insert, [randomUUID(), workspaceId, TEXTS[n % TEXTS.length], db.time(new Date())]));
    const loop = async (until: () => boolean) => {
      let n = 0;
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (until()) {
            await once(n++);
          }
        }),
      );
      return n;
    };
    // Warm-up like the ingest side's (statement caches, pool connections), then the timed run.
    let warm = 0;
    await loop(() => warm++ < 200);
    const started = process.hrtime.bigint();
    const deadline = Date.now() + seconds * 1000;
    const count = await loop(() => Date.now() < deadline);
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const pragmas =
      db.dialect === 'sqlite'
        ? await db.run(async (m) => {
            const mode = await m.query<Array<{ journal_mode: string }>>('PRAGMA journal_mode');
            const sync = await m.query<Array<{ synchronous: number }>>('PRAGMA synchronous');
            return `journal_mode=${mode[0].journal_mode}, synchronous=${['OFF', 'NORMAL', 'FULL', 'EXTRA'][sync[0].synchronous]}`;
          })
        : await db.run(async (m) => {
            const sync = await m.query<Array<{ synchronous_commit: string }>>('SHOW synchronous_commit');
            return `synchronous_commit=${sync[0].synchronous_commit}, pool ${config.type === 'postgres' ? config.poolSize : '-'}`;
          });
    await db.run((m) => m.query('DROP TABLE bench_raw_insert'));
    return { perSecond: count / elapsed, pragmas };
  } finally {
    await db.close();
  }
}

/** Every acknowledged message must be in the store once the service is gone. */
async function missingAfterStop(config: DatabaseConfig, acknowledged: string[]): Promise<number> {
  const db = await open(config);
  try {
    const stored = await db.run((m) =>
      m.query<Array<{ external_id: string }>>('SELECT external_id FROM chat_messages'),
    );
    const ids = new Set(stored.map((message) => message.external_id));
    return acknowledged.filter((id) => !ids.has(id)).length;
  } finally {
    await db.close();
  }
}

async function measureStore(
  id: string,
  label: string,
  config: DatabaseConfig,
  env: Record<string, string>,
  seconds: number,
): Promise<BenchRow> {
  // API role: no worker polling the job table, on either side of the ratio (these events cause no jobs).
  const service = await startService({ APP_ROLE: 'api', ...env });
  let load: IngestResult;
  try {
    const key = await chatKey(service.baseUrl, env.ROOT_TOKEN ?? service.rootToken);
    const run = randomBytes(4).toString('hex');
    await ingest(service.baseUrl, key, `${run}w`, { amount: 200 });
    load = await ingest(service.baseUrl, key, run, { seconds });
  } finally {
    await service.stop();
  }
  // The service is stopped: the baseline has the store to itself, as the service had.
  const missing = await missingAfterStop(config, load.acknowledged);
  const raw = await rawInserts(config, seconds);
  const ratio = load.eventsPerSecond / raw.perSecond;
  const ms = (value: number) => `${value.toFixed(1)}`;
  return {
    id,
    measure: `durable ingest ÷ raw INSERT txns, ${label}, ${CONNECTIONS} in flight, ${seconds}s each`,
    value: ratio.toFixed(2),
    goal: '≥ 0.50',
    verdict: ratio >= 0.5 && load.errors === 0 && missing === 0 ? 'met' : 'missed',
    note:
      `ingest ${load.eventsPerSecond.toFixed(0)} events/s (message.created on ${SESSIONS} sessions) p50/p95/p99 ` +
      `${ms(percentile(load.latencies, 50))}/${ms(percentile(load.latencies, 95))}/${ms(percentile(load.latencies, 99))} ms, ` +
      `errors ${load.errors}, acknowledged but not stored ${missing} of ${load.acknowledged.length}; ` +
      `raw ${raw.perSecond.toFixed(0)} txns/s (${raw.pragmas})`,
  };
}

export async function ingestBench(options: { seconds: number; postgresUrl: string | undefined }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ccb-bench-p5-'));
  try {
    const file = join(dir, 'p5.sqlite');
    const config: DatabaseConfig = { type: 'sqlite', file, url: `sqlite:${file}` };
    rows.push(await measureStore('P5', 'SQLite file', config, { DATABASE_URL: config.url }, options.seconds));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const skipped = (note: string): BenchRow => ({
    id: 'P5b',
    measure: 'durable ingest ÷ raw INSERT txns, PostgreSQL',
    value: '-',
    goal: '≥ 0.50',
    verdict: 'skipped',
    note,
  });
  if (!options.postgresUrl) {
    rows.push(skipped('no PostgreSQL URL'));
    return rows;
  }
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const admin = new Client({ connectionString: options.postgresUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    rows.push(skipped(`PostgreSQL unreachable: ${(error as Error).message}`));
    return rows;
  }
  try {
    // The service's default pool size, on both sides.
    const config: DatabaseConfig = { type: 'postgres', url: options.postgresUrl, poolSize: 10, schema };
    const env = {
      DATABASE_URL: options.postgresUrl,
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: '10',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ROOT_TOKEN: `root_${randomBytes(16).toString('hex')}`,
    };
    rows.push(await measureStore('P5b', 'PostgreSQL', config, env, options.seconds));
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
  return rows;
}
