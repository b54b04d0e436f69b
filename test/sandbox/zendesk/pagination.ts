import { invalidPagination } from './errors';

/**
 * Zendesk's two list paginations (https://developer.zendesk.com/api-reference/introduction/pagination/):
 * - offset: `page`, `per_page` (max 100) → `next_page`, `previous_page`, `count`; beyond the first 100 pages
 *   (10,000 records) the API answers 400 (support article 5591904358938);
 * - cursor, chosen by the presence of `page[size]` (max 100): `page[after]` / `page[before]` →
 *   `meta: {has_more, after_cursor, before_cursor}`, `links: {next, prev}`.
 * Next/previous URLs are absolute and start with the endpoint the client called, so node-zendesk's `getAll()` (which
 * only follows URLs containing its `endpointUri`) can walk them.
 */

export type QueryValue = string | string[] | undefined;
export type Query = Record<string, QueryValue>;

export const MAX_PAGE_SIZE = 100;
export const OFFSET_RECORD_LIMIT = 10_000;

/** One string value of a query parameter; repeated parameters are a client bug and answered 400. */
export function queryString(query: Query, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) {
    throw invalidPagination(`Parameter "${key}" was given more than once`);
  }
  return value;
}

function positiveInt(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') {
    return undefined;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw invalidPagination(`${name} must be a positive integer`);
  }
  return Number(raw);
}

/** Keys are kept literal (`page[size]`, as Zendesk prints them); values are percent-encoded. */
export function buildUrl(base: string, params: Array<[string, string | number]>): string {
  if (params.length === 0) {
    return base;
  }
  return `${base}?${params.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}`;
}

/** Query parameters that are not paging parameters, to carry over into next/prev links. */
function carriedParams(query: Query, drop: (key: string) => boolean): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(query)) {
    if (drop(key) || value === undefined) {
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      out.push([key, v]);
    }
  }
  return out;
}

export interface OffsetPage<T> {
  items: T[];
  body: { next_page: string | null; previous_page: string | null; count: number };
}

export function offsetPage<T>(
  all: T[],
  query: Query,
  baseUrl: string,
  opts: { recordLimit?: number; onLimit?: () => Error } = {},
): OffsetPage<T> {
  const page = positiveInt(queryString(query, 'page'), 'page') ?? 1;
  const perPage = Math.min(positiveInt(queryString(query, 'per_page'), 'per_page') ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const limit = opts.recordLimit ?? OFFSET_RECORD_LIMIT;
  if ((page - 1) * perPage >= limit && page > 1) {
    throw (
      opts.onLimit?.() ??
      invalidPagination(
        `Offset pagination is limited to the first ${limit} records; use cursor pagination (page[size]) instead`,
      )
    );
  }
  const reachable = all.slice(0, limit);
  const start = (page - 1) * perPage;
  const items = reachable.slice(start, start + perPage);
  const carried = carriedParams(query, (k) => k === 'page' || k === 'per_page');
  const link = (p: number): string => buildUrl(baseUrl, [...carried, ['page', p], ['per_page', perPage]]);
  return {
    items,
    body: {
      next_page: start + perPage < reachable.length ? link(page + 1) : null,
      previous_page: page > 1 ? link(page - 1) : null,
      count: all.length,
    },
  };
}

// --- cursor --------------------------------------------------------------------------------------------------------

/** Opaque to clients; shaped like Zendesk's own base64 JSON cursors (`{"o":"id","v":…}`). */
export function encodeListCursor(id: number): string {
  return Buffer.from(JSON.stringify({ o: 'id', v: id })).toString('base64url');
}

export function decodeListCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; v?: unknown };
    if (parsed.o === 'id' && typeof parsed.v === 'number' && Number.isSafeInteger(parsed.v)) {
      return parsed.v;
    }
  } catch {
    // fall through
  }
  throw invalidPagination('Invalid cursor');
}

export function wantsCursor(query: Query): boolean {
  return query['page[size]'] !== undefined || query['page[after]'] !== undefined || query['page[before]'] !== undefined;
}

export interface CursorPage<T> {
  items: T[];
  body: {
    meta: { has_more: boolean; after_cursor: string | null; before_cursor: string | null };
    links: { next: string | null; prev: string | null };
  };
}

/** `all` must be sorted by the key `keyOf` returns (ascending). */
export function cursorPage<T>(all: T[], query: Query, baseUrl: string, keyOf: (item: T) => number): CursorPage<T> {
  const size = Math.min(positiveInt(queryString(query, 'page[size]'), 'page[size]') ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const afterRaw = queryString(query, 'page[after]');
  const beforeRaw = queryString(query, 'page[before]');
  let items: T[];
  let hasMore: boolean;
  if (beforeRaw) {
    const before = decodeListCursor(beforeRaw);
    const earlier = all.filter((item) => keyOf(item) < before);
    items = earlier.slice(Math.max(0, earlier.length - size));
    hasMore = earlier.length > size;
  } else {
    const after = afterRaw ? decodeListCursor(afterRaw) : undefined;
    const later = after === undefined ? all : all.filter((item) => keyOf(item) > after);
    items = later.slice(0, size);
    hasMore = later.length > size;
  }
  const first = items[0];
  const last = items[items.length - 1];
  const afterCursor = last === undefined ? null : encodeListCursor(keyOf(last));
  const beforeCursor = first === undefined ? null : encodeListCursor(keyOf(first));
  const carried = carriedParams(query, (k) => k.startsWith('page[') || k === 'page' || k === 'per_page');
  // Links are printed whenever there is a cursor to put in them, even on the last page: `meta.has_more` is what says
  // whether to stop (the docs: "Repeat ... until the meta[has_more] property is false"). A client that follows
  // `links.next` blindly, like node-zendesk's getAll(), makes one more request and gets an empty page with null links.
  return {
    items,
    body: {
      meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: beforeCursor },
      links: {
        next: afterCursor ? buildUrl(baseUrl, [...carried, ['page[size]', size], ['page[after]', afterCursor]]) : null,
        prev: beforeCursor
          ? buildUrl(baseUrl, [...carried, ['page[size]', size], ['page[before]', beforeCursor]])
          : null,
      },
    },
  };
}

/** Lists that support both: cursor when `page[size]` is present, offset otherwise. */
export function listPage<T>(
  all: T[],
  query: Query,
  baseUrl: string,
  keyOf: (item: T) => number,
): { items: T[]; body: Record<string, unknown> } {
  if (wantsCursor(query)) {
    return cursorPage(all, query, baseUrl, keyOf);
  }
  return offsetPage(all, query, baseUrl);
}
