import { raw, sdkError, tokenClient, type Zd } from './test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from './zendesk.sandbox';

/** Follows `after_url` ourselves: node-zendesk has no loop for cursor exports. */
async function drainCursor(zd: Zd, firstUrl: string, key: 'tickets' | 'users') {
  const pages: any[] = [];
  let url: string | null = firstUrl;
  while (url) {
    // The ticketexport client does not unwrap `tickets`, so the whole export page (cursors included) comes back.
    const { result }: { result: any } = await zd.ticketexport.request('GET', url);
    pages.push(result);
    url = result.end_of_stream ? null : result.after_url;
    if (pages.length > 50) {
      throw new Error('export did not end');
    }
  }
  return { pages, records: pages.flatMap((p) => p[key]) };
}

describe('Zendesk sandbox: incremental exports', () => {
  let sb: ZendeskSandbox;
  let zd: Zd;
  let seededTicketCount: number;

  beforeAll(async () => {
    sb = await startZendeskSandbox({ people: 150, incrementalRequestsPerMinute: 1000 });
    zd = tokenClient(sb);
    seededTicketCount = (await raw(sb, 'GET', '/api/v2/search.json?query=type:ticket')).json.count;
  });
  afterAll(() => sb.stop());

  it('exportCursor() returns the export page as Zendesk shapes it', async () => {
    sb.requests.clear();
    const { result } = await zd.ticketexport.exportCursor(1);
    expect(result.tickets).toHaveLength(seededTicketCount);
    expect(result).toMatchObject({ end_of_stream: true, before_cursor: null, before_url: null });
    expect(result.after_url).toBe(
      `${sb.settings.endpointUri}/incremental/tickets/cursor.json?cursor=${encodeURIComponent(result.after_cursor)}`,
    );
    expect(Buffer.from(result.after_cursor, 'base64').toString()).toMatch(/^\d+\.0\|\|\d+\|$/);
    // The SDK's wire quirks are tolerated: cursor=undefined and page[size]=100 on the first call.
    const [entry] = sb.requests.entries({ pathIncludes: '/incremental/tickets/cursor' });
    expect(entry?.query).toEqual({ start_time: '1', cursor: 'undefined', 'page[size]': '100' });
    const stamps = result.tickets.map((t: any) => t.generated_timestamp);
    expect(stamps).toEqual([...stamps].sort((a: number, b: number) => a - b));
  });

  it('pages by per_page; following after_url visits every ticket exactly once', async () => {
    const { pages, records } = await drainCursor(
      zd,
      `${sb.settings.endpointUri}/incremental/tickets/cursor.json?start_time=1&per_page=40`,
      'tickets',
    );
    expect(pages.length).toBe(Math.ceil(seededTicketCount / 40));
    expect(pages[0].after_url).toContain('per_page=40&cursor=');
    expect(pages.slice(0, -1).every((p) => p.end_of_stream === false && p.tickets.length === 40)).toBe(true);
    expect(records).toHaveLength(seededTicketCount);
    expect(new Set(records.map((t: any) => t.id)).size).toBe(seededTicketCount);
  });

  it('accepts the SDK page-2 call (start_time=undefined&cursor=…)', async () => {
    const first = await zd.ticketexport.request(
      'GET',
      `${sb.settings.endpointUri}/incremental/tickets/cursor.json?start_time=1&per_page=10`,
    );
    const { result } = await zd.ticketexport.exportCursor(undefined, first.result.after_cursor);
    expect(result.tickets[0].id).not.toBe(first.result.tickets[0].id);
    expect(result.tickets).toHaveLength(seededTicketCount - 10);
  });

  it('leaves out the most recent minute, so a ticket created now is not exported yet', async () => {
    const { result: created } = await zd.tickets.create({ ticket: { comment: { body: 'just now' } } });
    const { result } = await zd.ticketexport.exportCursor(1);
    expect(result.tickets.map((t: any) => t.id)).not.toContain(created.id);
  });

  it('answers a too recent start_time with 422 InvalidValue (thrown by the SDK)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const err = await sdkError(zd.ticketexport.exportCursor(now - 5));
    expect(err.statusCode).toBe(422);
    expect(err.result).toEqual({
      error: 'InvalidValue',
      description: 'Too recent start_time. Use a start_time older than 1 minute',
    });
    const missing = await sdkError(zd.ticketexport.exportCursor(undefined, undefined));
    expect(missing.statusCode).toBe(400);
    const badCursor = await sdkError(zd.ticketexport.exportCursor(undefined, 'bm90IGEgY3Vyc29y'));
    expect(badCursor.statusCode).toBe(400);
  });

  it('time-based export: node-zendesk incremental() stops after the first page; next_page has the rest', async () => {
    const paged = tokenClient(sb, { query: { per_page: 50 } });
    const firstOnly = await paged.tickets.incremental(1);
    expect(firstOnly.length).toBeGreaterThanOrEqual(50);
    expect(firstOnly.length).toBeLessThan(seededTicketCount);

    const seen = new Set<number>();
    let url: string | null = `${sb.settings.endpointUri}/incremental/tickets.json?start_time=1&per_page=50`;
    let pages = 0;
    while (url && pages < 20) {
      const { result }: { result: any } = await zd.ticketexport.request('GET', url);
      pages += 1;
      result.tickets.forEach((t: any) => seen.add(t.id));
      expect(result.count).toBe(result.tickets.length);
      url = result.end_of_stream ? null : result.next_page;
    }
    expect(seen.size).toBe(seededTicketCount);
  });

  it('exports users by cursor, including brand-new ones, and time-based', async () => {
    const { result: user } = await zd.users.create({
      user: { name: 'Fresh Export', email: 'fresh.export@example.com' },
    });
    const { records } = await drainCursor(
      zd,
      `${sb.settings.endpointUri}/incremental/users/cursor.json?start_time=1&per_page=40`,
      'users',
    );
    const total = (await raw(sb, 'GET', '/api/v2/users.json?per_page=1')).json.count;
    expect(records).toHaveLength(total);
    expect(records.map((u: any) => u.id)).toContain(user.id);
    const timeBased = await zd.users.incremental(1);
    expect(timeBased).toHaveLength(total);
  });

  describe('with the recent-minute exclusion turned off', () => {
    let live: ZendeskSandbox;
    let lz: Zd;
    beforeAll(async () => {
      live = await startZendeskSandbox({
        seed: false,
        incrementalExclusionSeconds: 0,
        incrementalRequestsPerMinute: 1000,
      });
      lz = tokenClient(live);
    });
    afterAll(() => live.stop());

    it('continues from the saved after_cursor and sees later changes again', async () => {
      const since = Math.floor(Date.now() / 1000) - 120;
      const { result: a } = await lz.tickets.create({ ticket: { comment: { body: 'a' } } });
      const first = (await lz.ticketexport.exportCursor(since)).result;
      expect(first.tickets.map((t: any) => t.id)).toEqual([a.id]);
      expect(first.end_of_stream).toBe(true);

      const idle = (await lz.ticketexport.exportCursor(undefined, first.after_cursor)).result;
      expect(idle.tickets).toEqual([]);
      expect(idle.after_cursor).toBe(first.after_cursor);

      // generated_timestamp has one-second resolution; move past it so the update sorts after the cursor.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await lz.tickets.update(a.id, { ticket: { status: 'solved' } });
      const { result: b } = await lz.tickets.create({ ticket: { comment: { body: 'b' } } });
      const next = (await lz.ticketexport.exportCursor(undefined, first.after_cursor)).result;
      expect(next.tickets.map((t: any) => [t.id, t.status])).toEqual([
        [a.id, 'solved'],
        [b.id, 'new'],
      ]);
    });
  });
});
