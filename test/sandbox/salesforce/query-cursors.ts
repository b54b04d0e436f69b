import type { IdFactory } from './ids';

/**
 * Server-side query cursors behind `nextRecordsUrl`. Like Salesforce: the result set is fixed when the query runs,
 * a locator is `<01g id>-<offset>`, a cursor dies after 15 minutes unused, and a user holds at most 10 open cursors
 * (opening an 11th silently drops the oldest, whose next page then answers INVALID_QUERY_LOCATOR).
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm
 * https://help.salesforce.com/s/articleView?id=000385626 (query cursor limits)
 */

interface Cursor {
  records: Array<Record<string, unknown>>;
  batchSize: number;
  endpoint: 'query' | 'queryAll';
  lastUsed: number;
}

export interface Page {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<Record<string, unknown>>;
}

export class QueryCursors {
  private readonly cursors = new Map<string, Cursor>();

  constructor(
    private readonly ids: IdFactory,
    private readonly opts: { ttlMs: number; maxOpen: number },
  ) {}

  /** First page; opens a cursor only when there is more than one page. */
  open(
    records: Array<Record<string, unknown>>,
    totalSize: number,
    batchSize: number,
    endpoint: Cursor['endpoint'],
    version: string,
  ): Page {
    if (records.length <= batchSize) {
      return { totalSize, done: true, records };
    }
    this.evict();
    const locator = this.ids.next('01g');
    this.cursors.set(locator, { records, batchSize, endpoint, lastUsed: Date.now() });
    while (this.cursors.size > this.opts.maxOpen) {
      const oldest = this.cursors.keys().next().value as string;
      this.cursors.delete(oldest);
    }
    return {
      totalSize,
      done: false,
      nextRecordsUrl: `/services/data/v${version}/${endpoint}/${locator}-${batchSize}`,
      records: records.slice(0, batchSize),
    };
  }

  /** The page at `<locator>-<offset>`, or undefined when the locator is unknown, expired or malformed. */
  next(locatorWithOffset: string, version: string): Page | undefined {
    this.evict();
    const match = /^(01g[A-Za-z0-9]{15})-(\d+)$/.exec(locatorWithOffset);
    if (!match) {
      return undefined;
    }
    const [, locator, rawOffset] = match as unknown as [string, string, string];
    const cursor = this.cursors.get(locator);
    const offset = Number(rawOffset);
    if (!cursor || offset > cursor.records.length) {
      return undefined;
    }
    cursor.lastUsed = Date.now();
    const end = offset + cursor.batchSize;
    const done = end >= cursor.records.length;
    if (done) {
      this.cursors.delete(locator);
    }
    return {
      totalSize: cursor.records.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/${cursor.endpoint}/${locator}-${end}` }),
      records: cursor.records.slice(offset, end),
    };
  }

  private evict(): void {
    const now = Date.now();
    for (const [locator, cursor] of this.cursors) {
      if (now - cursor.lastUsed > this.opts.ttlMs) {
        this.cursors.delete(locator);
      }
    }
  }
}
