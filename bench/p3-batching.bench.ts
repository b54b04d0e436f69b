import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/bootstrap';
import { loadConfig } from '../src/config/app-config';
import { JobStore } from '../src/jobs/job-store';
import { JobWorker } from '../src/jobs/job-worker';
import { startAllSandboxes, type Vendor } from '../test/sandbox';
import type { SandboxOptions } from '../test/sandbox/common/sandbox.types';
import { seedPeople } from '../test/sandbox/common/seed-data';
import { connectorBodyFor } from '../test/sandbox/connector-bodies';
import type { BenchRow } from './table';

const VENDORS: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];

/** The request each connector writes a batch of notes with, its per-call maximum, and its journal object. */
const NOTE_WRITES: Record<Vendor, { method: string; pathIncludes: string; object: string; batchMax: number }> = {
  salesforce: { method: 'PATCH', pathIncludes: '/composite/sobjects/Task', object: 'Task', batchMax: 200 },
  hubspot: { method: 'POST', pathIncludes: '/crm/v3/objects/notes/batch/upsert', object: 'notes', batchMax: 100 },
  zendesk: { method: 'POST', pathIncludes: '/api/v2/tickets/create_many', object: 'tickets', batchMax: 100 },
  zoho: { method: 'POST', pathIncludes: '/crm/v8/Notes', object: 'Notes', batchMax: 100 },
};

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
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

/**
 * P3: a backlog of closed sessions (the worker was down, or the CRMs were) drained against the four sandboxes.
 * Efficiency = records written ÷ (note-writing calls × the vendor's batch maximum): 1.0 means every call carried a
 * full batch. Identity look-ups (one per visitor per CRM, then the stored link is used) and Zendesk's job-status
 * polls are other calls, reported beside it. In-process, on the embedded SQLite store, so the backlog can be built
 * with the worker stopped and drained by hand.
 */
export async function batchingBench(options: { sessions: number; visitors: number }): Promise<BenchRow[]> {
  const sandboxes = await startAllSandboxes(
    () =>
      ({
        people: options.visitors * 3,
        // Pacing is P4's subject; here the vendors' limits would only add waiting.
        limits: { requestsPerWindow: 1_000_000 },
        concurrencyLimit: 10_000,
        searchRequestsPerSecond: 10_000,
      }) as SandboxOptions,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'ccb-bench-p3-'));
  const rootToken = `root_${randomBytes(16).toString('hex')}`;
  let app: NestExpressApplication | undefined;
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ROOT_TOKEN: rootToken,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ALLOW_PRIVATE_CRM_HOSTS: 'true',
      CRM_PULL_CRON: 'off',
      RETRY_SWEEP_CRON: 'off',
    });
    app = await createApp(config, 'all');
    const worker = app.get(JobWorker);
    await worker.stop();
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');

    const workspace = (await api(base, rootToken, 'POST', '/v1/workspaces', { name: 'bench P3' })) as {
      apiKey: string;
    };
    for (const vendor of VENDORS) {
      const sandbox = sandboxes[vendor];
      const issue = (sandbox as unknown as { issueRefreshToken?: () => string }).issueRefreshToken;
      const body = connectorBodyFor(sandbox, ['transcripts']);
      await api(base, workspace.apiKey, 'POST', '/v1/connectors', {
        ...body,
        rateBudget: { operations: 10_000, intervalMs: 1000, maxConcurrent: 100 },
        credentials: issue ? { ...body.credentials, refreshToken: issue() } : body.credentials,
      });
    }
    const chat = (await api(base, workspace.apiKey, 'POST', '/v1/api-keys', { name: 'bench', scopes: ['chat'] })) as {
      apiKey: string;
    };
    const emails = seedPeople(1, options.visitors * 3)
      .filter((person) => person.presentIn.length === 4 && person.duplicateIn.length === 0)
      .map((person) => person.email)
      .slice(0, options.visitors);

    // The backlog: every session started, one message each way, closed. 33 sessions (99 events) per request.
    const at = (second: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, second)).toISOString();
    const perRequest = 33;
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < options.sessions) {
          const first = next;
          next += perRequest;
          const events = [];
          for (let index = first; index < Math.min(first + perRequest, options.sessions); index += 1) {
            const sessionId = `p3-${index}`;
            events.push(
              {
                type: 'session.started',
                id: `${sessionId}-1`,
                sessionId,
                occurredAt: at(0),
                visitor: { email: emails[index % emails.length] },
              },
              {
                type: 'message.created',
                id: `${sessionId}-2`,
                sessionId,
                occurredAt: at(1),
                message: { id: 'm1', author: 'visitor', text: `Where is my order ${index}?` },
              },
              {
                type: 'message.created',
                id: `${sessionId}-3`,
                sessionId,
                occurredAt: at(2),
                message: { id: 'm2', author: 'agent', text: 'It ships today.' },
              },
              { type: 'session.closed', id: `${sessionId}-4`, sessionId, occurredAt: at(3) },
            );
          }
          for (let start = 0; start < events.length; start += 100) {
            await api(base, chat.apiKey, 'POST', '/v1/events', { events: events.slice(start, start + 100) });
          }
        }
      }),
    );
    for (const vendor of VENDORS) {
      sandboxes[vendor].requests.clear();
      sandboxes[vendor].journal.clear();
    }

    const started = process.hrtime.bigint();
    await worker.drain();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const jobs = await app.get(JobStore).countByState();

    return VENDORS.map((vendor): BenchRow => {
      const write = NOTE_WRITES[vendor];
      const calls = sandboxes[vendor].requests.entries({ method: write.method, pathIncludes: write.pathIncludes });
      const all = sandboxes[vendor].requests.entries();
      const records = new Set(
        sandboxes[vendor].journal
          .entries({ object: write.object })
          .filter((entry) => entry.operation !== 'delete')
          .map((entry) => entry.recordId),
      ).size;
      const efficiency = calls.length === 0 ? 0 : records / (calls.length * write.batchMax);
      return {
        id: `P3-${vendor}`,
        measure: `batching: ${options.sessions} closed sessions backlog → records ÷ (write calls × ${write.batchMax})`,
        value: efficiency.toFixed(2),
        goal: '≥ 0.90',
        verdict: efficiency >= 0.9 && records === options.sessions && jobs.dead === 0 ? 'met' : 'missed',
        note:
          `${records} records in ${calls.length} write calls; ${all.length - calls.length} other calls ` +
          `(${options.visitors} visitors resolved once, then linked); drain ${seconds.toFixed(1)} s for all four, ` +
          `jobs dead ${jobs.dead}, parked ${jobs.parked}`,
      };
    });
  } finally {
    await app?.close();
    await sandboxes.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
