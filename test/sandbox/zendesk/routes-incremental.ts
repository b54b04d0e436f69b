import { invalidValue, recordNotFound, ZendeskHttpError } from './errors';
import type { Call, RouteTable, ZendeskContext } from './http';
import { buildUrl, queryString } from './pagination';

// https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/

const MAX_PER_PAGE = 1000;

interface Position {
  ts: number;
  id: number;
}

/** Zendesk's export cursors are base64 of "<unix time>.0||<id>|" ("MTU3NjYxMzUzOS4wfHw0Njd8" = "1576613539.0||467|"). */
function encodeCursor(pos: Position): string {
  return Buffer.from(`${pos.ts}.0||${pos.id}|`).toString('base64');
}

function decodeCursor(cursor: string): Position {
  const m = /^(\d+)\.0\|\|(\d+)\|$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m) {
    throw invalidValue('Invalid cursor');
  }
  return { ts: Number(m[1]), id: Number(m[2]) };
}

const after = (a: Position, b: Position): boolean => a.ts > b.ts || (a.ts === b.ts && a.id > b.id);

/** node-zendesk's exportCursor() sends missing arguments as the literal string "undefined". */
function param(call: Call, key: string): string | undefined {
  const value = queryString(call.query, key);
  return value === undefined || value === '' || value === 'undefined' ? undefined : value;
}

function perPage(call: Call): number {
  const raw = param(call, 'per_page');
  if (raw === undefined) {
    return MAX_PER_PAGE;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw invalidValue('per_page must be a positive integer');
  }
  return Math.min(Number(raw), MAX_PER_PAGE);
}

/**
 * start_time: "Must be at least one minute in the past." Too recent (or future) start times answer 422 InvalidValue
 * "Too recent start_time. …" — the status, error and leading sentence are what export clients (e.g. embulk-input-
 * zendesk) match on; the sandbox words the rest after today's one-minute rule.
 */
function startTime(ctx: ZendeskContext, call: Call): number {
  const raw = param(call, 'start_time');
  if (raw === undefined) {
    throw invalidValue('start_time is required');
  }
  if (!/^\d+$/.test(raw)) {
    throw invalidValue('start_time must be a Unix epoch time in seconds');
  }
  const value = Number(raw);
  const newest = Math.floor(Date.now() / 1000) - Math.max(ctx.config.incrementalExclusionSeconds, 0);
  if (value > newest) {
    throw new ZendeskHttpError(422, {
      error: 'InvalidValue',
      description: 'Too recent start_time. Use a start_time older than 1 minute',
    });
  }
  return value;
}

interface Exportable {
  id: number;
  updatedAt: number;
}

function registerResource<T extends Exportable>(
  ctx: ZendeskContext,
  table: RouteTable,
  resource: 'tickets' | 'users',
  all: () => Iterable<T>,
  toJson: (record: T, endpoint: string) => Record<string, unknown>,
  /** "the ticket and ticket event export endpoints will not return data for the most recent minute" */
  excludesRecent: boolean,
): void {
  const candidates = (): Array<{ pos: Position; record: T }> => {
    const cutoff = Date.now() - Math.max(ctx.config.incrementalExclusionSeconds, 0) * 1000;
    const out: Array<{ pos: Position; record: T }> = [];
    for (const record of all()) {
      if (excludesRecent && record.updatedAt > cutoff) {
        continue;
      }
      out.push({ pos: { ts: Math.floor(record.updatedAt / 1000), id: record.id }, record });
    }
    return out.sort((a, b) => a.pos.ts - b.pos.ts || a.pos.id - b.pos.id);
  };

  // Cursor based: start_time on the first request, then `cursor` (after_cursor) for every later page and export.
  table.add(
    'GET',
    `/incremental/${resource}/cursor`,
    (call) => {
      const cursorParam = param(call, 'cursor');
      const from: Position = cursorParam ? decodeCursor(cursorParam) : { ts: startTime(ctx, call), id: 0 };
      const size = perPage(call);
      const later = candidates().filter((c) => after(c.pos, from));
      const page = later.slice(0, size);
      const last = page[page.length - 1];
      const afterCursor = encodeCursor(last ? last.pos : from);
      const base = `${call.endpoint}/incremental/${resource}/cursor${call.suffix}`;
      // A per_page given by the client is kept in the next URL, as the documented time-based next_page does.
      const carried: Array<[string, string | number]> = param(call, 'per_page') ? [['per_page', size]] : [];
      call.res.json({
        [resource]: page.map((c) => toJson(c.record, call.endpoint)),
        after_url: buildUrl(base, [...carried, ['cursor', afterCursor]]),
        after_cursor: afterCursor,
        // Exports only move forward here; the docs allow null "if there's no previous page".
        before_url: null,
        before_cursor: null,
        end_of_stream: later.length <= size,
      });
    },
    { incremental: true },
  );

  // Time based: start_time on every page; records sharing the last timestamp are all included, and the next page
  // starts at that timestamp again, so clients see duplicates (as documented).
  table.add(
    'GET',
    `/incremental/${resource}`,
    (call) => {
      const start = startTime(ctx, call);
      const size = perPage(call);
      const later = candidates().filter((c) => c.pos.ts >= start);
      let page = later.slice(0, size);
      const last = page[page.length - 1];
      if (last && later.length > size) {
        page = later.filter((c) => c.pos.ts <= last.pos.ts);
      }
      const endTime = last ? last.pos.ts : start;
      const base = `${call.endpoint}/incremental/${resource}${call.suffix}`;
      const carried: Array<[string, string | number]> = param(call, 'per_page') ? [['per_page', size]] : [];
      call.res.json({
        [resource]: page.map((c) => toJson(c.record, call.endpoint)),
        next_page: buildUrl(base, [...carried, ['start_time', endTime]]),
        count: page.length,
        end_time: endTime,
        end_of_stream: page.length < size,
      });
    },
    { incremental: true },
  );
}

export function registerIncrementalRoutes(ctx: ZendeskContext, table: RouteTable): void {
  const { store } = ctx;
  registerResource(
    ctx,
    table,
    'tickets',
    () => store.tickets.values(),
    (t, e) => store.ticketJson(t, e),
    true,
  );
  registerResource(
    ctx,
    table,
    'users',
    () => store.users.values(),
    (u, e) => store.userJson(u, e),
    false,
  );
}

// https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/
export function registerJobRoutes(ctx: ZendeskContext, table: RouteTable): void {
  const { store } = ctx;
  table.add('GET', '/job_statuses', (call) => {
    const jobs = [...store.jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
    call.res.json({ job_statuses: jobs.map((j) => store.jobJson(j, call.endpoint)) });
  });
  table.add('GET', '/job_statuses/show_many', (call) => {
    const ids = (queryString(call.query, 'ids') ?? '').split(',').filter(Boolean);
    if (ids.length === 0) {
      throw invalidValue('ids is required');
    }
    const jobs = ids.map((id) => store.jobs.get(id)).filter((j) => j !== undefined);
    call.res.json({ job_statuses: jobs.map((j) => store.jobJson(j, call.endpoint)) });
  });
  table.add('GET', '/job_statuses/:id*', (call) => {
    const job = store.jobs.get(call.params.id);
    if (!job) {
      throw recordNotFound();
    }
    call.res.json({ job_status: store.jobJson(job, call.endpoint) });
  });
}
