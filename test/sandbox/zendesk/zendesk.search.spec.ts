import { FIXTURE } from '../common/seed-data';
import { raw, sdkError, tokenClient, type Zd } from './test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from './zendesk.sandbox';

describe('Zendesk sandbox: search through node-zendesk', () => {
  let sb: ZendeskSandbox;
  let zd: Zd;
  let emma: any;

  beforeAll(async () => {
    // The default 1000 people: enough records to hit the 1,000-result search cap.
    sb = await startZendeskSandbox();
    zd = tokenClient(sb);
    [emma] = await zd.users.search({ query: `email:${FIXTURE.english.email}` });
    await zd.tickets.create({ ticket: { comment: { body: 'open one' }, requester_id: emma.id, status: 'open' } });
    await zd.tickets.create({ ticket: { comment: { body: 'solved one' }, requester_id: emma.id, status: 'solved' } });
  });
  afterAll(() => sb.stop());

  it("finds a requester's unsolved tickets with type:ticket requester:… status<solved", async () => {
    sb.requests.clear();
    const query = `type:ticket requester:${FIXTURE.english.email} status<solved`;
    const { result } = await zd.search.query(query);
    expect(result.length).toBeGreaterThanOrEqual(1);
    for (const t of result) {
      expect(t.result_type).toBe('ticket');
      expect(t.requester_id).toBe(emma.id);
      expect(['new', 'open', 'pending', 'hold']).toContain(t.status);
    }
    expect(result.map((t: any) => t.description)).toContain('open one');
    expect(result.map((t: any) => t.description)).not.toContain('solved one');
    const [entry] = sb.requests.entries({ pathIncludes: '/search' });
    expect(entry?.path).toBe('/api/v2/search.json');
    expect(entry?.query).toEqual({ query });
  });

  it('cannot be widened by a hostile quoted value', async () => {
    const { result } = await zd.search.query(
      `type:ticket requester:"${FIXTURE.english.email}\\" status:closed type:user"`,
    );
    expect(result).toEqual([]);
    const { result: viaId } = await zd.search.query(`type:ticket requester_id:"${emma.id} OR 1=1"`);
    expect(viaId).toEqual([]);
  });

  it('searches users with type:user and mixes result types without a type', async () => {
    const { result: users } = await zd.search.query(`type:user phone:${FIXTURE.japanese.phoneE164}`);
    expect(users.map((u: any) => [u.result_type, u.email])).toEqual([['user', FIXTURE.japanese.email]]);
    const { result: mixed } = await zd.search.query(`"${FIXTURE.english.fullName}"`);
    expect(new Set(mixed.map((r: any) => r.result_type))).toEqual(new Set(['ticket', 'user']));
  });

  it('pages with offset links and stops at 1,000 results; deeper pages answer 422', async () => {
    const query = 'created>2000-01-01';
    const first = await raw(sb, 'GET', `/api/v2/search.json?query=${encodeURIComponent(query)}`);
    expect(first.json.count).toBeGreaterThan(1000);
    expect(first.json.results).toHaveLength(100);
    expect(first.json.facets).toBeNull();
    expect(first.json.next_page.startsWith(`${sb.settings.endpointUri}/search.json?query=`)).toBe(true);
    const all = await zd.search.queryAll(query);
    expect(all).toHaveLength(1000);
    const deep = await raw(sb, 'GET', `/api/v2/search.json?query=${encodeURIComponent(query)}&page=11`);
    expect(deep.status).toBe(422);
    expect(deep.json.error).toBe('InsufficientResourceError');
  });

  it('sorts by sort_by/sort_order', async () => {
    const { result } = await zd.search.query('type:ticket status:open&sort_by=created_at&sort_order=asc');
    // node-zendesk encodes the whole string into `query`, so this is a search for the literal text; nothing matches.
    expect(result).toEqual([]);
    const res = await raw(
      sb,
      'GET',
      '/api/v2/search.json?query=type:ticket&sort_by=created_at&sort_order=asc&per_page=50',
    );
    const created = res.json.results.map((t: any) => Date.parse(t.created_at));
    expect(created).toEqual([...created].sort((a, b) => a - b));
    const bad = await raw(sb, 'GET', '/api/v2/search.json?query=type:ticket&sort_by=colour');
    expect(bad.status).toBe(400);
  });

  it('counts results and exports them with cursor pagination', async () => {
    const count = await zd.search.showResultsCount('type:ticket status:open');
    const exported = await zd.search.exportResults('status:open', 'ticket');
    expect(exported.length).toBe(count.result.count);
    expect(exported.every((t: any) => t.status === 'open' && t.result_type === 'ticket')).toBe(true);
    const page = await raw(sb, 'GET', '/api/v2/search/export.json?query=status:open&filter[type]=ticket&page[size]=5');
    expect(page.json.meta).toMatchObject({ has_more: true });
    expect(page.json.links.next.startsWith(`${sb.settings.endpointUri}/search/export.json?`)).toBe(true);
    const noType = await raw(sb, 'GET', '/api/v2/search/export.json?query=status:open');
    expect(noType.status).toBe(400);
  });

  it('rejects a missing or malformed query with a 400 search error', async () => {
    const missing = await sdkError(zd.search.query(''));
    expect(missing.statusCode).toBe(400);
    expect(missing.result.error).toBe('invalid');
    const malformed = await sdkError(zd.search.query('subject:"never closed'));
    expect(malformed.statusCode).toBe(400);
    expect(malformed.result.description).toMatch(/Unterminated/);
  });
});
