import { FIXTURE, seedPeople } from '../common/seed-data';
import { raw, sdkError, tokenClient, type Zd } from './test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from './zendesk.sandbox';

describe('Zendesk sandbox: users through node-zendesk', () => {
  let sb: ZendeskSandbox;
  let zd: Zd;

  beforeAll(async () => {
    sb = await startZendeskSandbox({ people: 150 });
    zd = tokenClient(sb);
  });
  afterAll(() => sb.stop());

  describe('seed', () => {
    it('stores exactly the seed people present in Zendesk, as end users, plus the API agent', async () => {
      const expected = seedPeople(1, 150).filter((p) => p.presentIn.includes('zendesk'));
      const endUsers = await zd.users.search({ query: 'role:end-user' });
      expect(endUsers.map((u: any) => u.external_id).sort()).toEqual(expected.map((p) => p.externalId).sort());
      expect(await zd.users.search({ query: `email:${FIXTURE.onlyIn.zendesk.email}` })).toHaveLength(1);
      expect(await zd.users.search({ query: `email:${FIXTURE.onlyIn.hubspot.email}` })).toEqual([]);
      // Zendesk allows one user per email, so the ambiguous fixture exists once here.
      expect(await zd.users.search({ query: `email:${FIXTURE.ambiguous.email}` })).toHaveLength(1);
    });

    it('starts empty but for the agent with seed: false, and is deterministic per seed', async () => {
      const empty = await startZendeskSandbox({ seed: false });
      const again = await startZendeskSandbox({ people: 150 });
      try {
        const users = await tokenClient(empty).users.list();
        expect(users.map((u: any) => u.role)).toEqual(['admin']);
        const a = await raw(sb, 'GET', '/api/v2/users/search.json?query=role:end-user&per_page=5');
        const b = await raw(again, 'GET', '/api/v2/users/search.json?query=role:end-user&per_page=5');
        const strip = (u: any) => ({ ...u, url: undefined });
        expect(b.json.users.map(strip)).toEqual(a.json.users.map(strip));
      } finally {
        await empty.stop();
        await again.stop();
      }
    });

    it("turns seed notes into comments on the person's latest ticket (private notes as internal notes)", async () => {
      const [emma] = await zd.users.search({ query: `email:${FIXTURE.english.email}` });
      const tickets = await zd.tickets.listByUserRequested(emma.id);
      const latest = tickets[tickets.length - 1];
      const comments = await zd.tickets.getComments(latest.id);
      const notes = comments.slice(1).map((c: any) => [c.body, c.public]);
      expect(notes).toEqual(FIXTURE.english.notes.map((n) => [n.body, !n.private]));
    });
  });

  describe('search', () => {
    it('finds a seeded person by email and maps the seed to Zendesk user fields', async () => {
      const users = await zd.users.search({ query: `email:${FIXTURE.english.email}` });
      expect(users).toHaveLength(1);
      const [user] = users;
      expect(user).toMatchObject({
        name: 'Emma Johnson',
        email: 'emma.johnson@example.com',
        phone: '(415) 555-2671',
        external_id: 'ext-p0000',
        role: 'end-user',
        locale: 'en-US',
        tags: ['vip'],
        user_fields: { customer_tier: 'vip' },
      });
      expect(typeof user.id).toBe('number');
      expect(typeof user.organization_id).toBe('number');
      expect(user.url).toBe(`${sb.settings.endpointUri}/users/${user.id}.json`);
      expect(user.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it('sends the query the way the wire notes describe (GET /users/search.json?query=…, no page[size])', async () => {
      sb.requests.clear();
      await zd.users.search({ query: 'email:a@b.c' });
      const [entry] = sb.requests.entries({ pathIncludes: '/users/search' });
      expect(entry).toMatchObject({ method: 'GET', path: '/api/v2/users/search.json', status: 200 });
      expect(entry?.query).toEqual({ query: 'email:a@b.c' });
      expect(entry?.credential).toBe(`${sb.credentials.email}/token`);
    });

    it('matches phone numbers across local and E.164 forms, with or without the phone: field', async () => {
      const byField = await zd.users.search({ query: 'phone:+14155552671' });
      expect(byField.map((u: any) => u.email)).toEqual([FIXTURE.english.email]);
      const bare = await zd.users.search({ query: '+819012345678' });
      expect(bare.map((u: any) => u.name)).toEqual(['田中雪']);
      expect(bare[0].locale).toBe('ja');
      const local = await zd.users.search({ query: 'phone:"090-1234-5678"' });
      expect(local.map((u: any) => u.email)).toEqual([FIXTURE.japanese.email]);
    });

    it('looks up by external_id (parameter and query syntax), case-insensitively', async () => {
      const byParam = await zd.users.search({ external_id: 'EXT-P0001' });
      expect(byParam.map((u: any) => u.email)).toEqual([FIXTURE.japanese.email]);
      const byQuery = await zd.users.search({ query: 'external_id:"ext-p0001"' });
      expect(byQuery.map((u: any) => u.email)).toEqual([FIXTURE.japanese.email]);
      expect(await zd.users.search({ external_id: 'ext-nope' })).toEqual([]);
    });

    it('keeps hostile quoted values literal', async () => {
      const hostile = await zd.users.search({ query: 'email:"nobody@example.com\\" role:end-user"' });
      expect(hostile).toEqual([]);
      const starInsideQuotes = await zd.users.search({ query: 'email:"emma*"' });
      expect(starInsideQuotes).toEqual([]);
      const wildcard = await zd.users.search({ query: 'email:emma.johnson*' });
      expect(wildcard.map((u: any) => u.email)).toEqual([FIXTURE.english.email]);
    });

    it('answers a malformed query with a 400 search error', async () => {
      const err = await sdkError(zd.users.search({ query: 'email:"unterminated' }));
      expect(err.statusCode).toBe(400);
      expect(err.result).toMatchObject({ error: 'invalid' });
    });

    it('pages search results with absolute next_page links that getAll() follows', async () => {
      const first = await raw(sb, 'GET', '/api/v2/users/search.json?query=role:end-user&per_page=40');
      expect(first.status).toBe(200);
      expect(first.json.users).toHaveLength(40);
      expect(first.json.count).toBeGreaterThan(100);
      expect(first.json.previous_page).toBeNull();
      expect(first.json.next_page).toBe(
        `${sb.settings.endpointUri}/users/search.json?query=role%3Aend-user&page=2&per_page=40`,
      );
      const all = await zd.users.search({ query: 'role:end-user' });
      expect(all).toHaveLength(first.json.count);
      expect(new Set(all.map((u: any) => u.id)).size).toBe(all.length);
    });
  });

  describe('read', () => {
    it('shows a user and the authenticated agent', async () => {
      const [emma] = await zd.users.search({ query: `email:${FIXTURE.english.email}` });
      const { result } = await zd.users.show(emma.id);
      expect(result.email).toBe(FIXTURE.english.email);
      const me = await zd.users.me();
      expect(me.result).toMatchObject({ email: sb.credentials.email, role: 'admin' });
    });

    it('shows many users by id (unknown ids are left out) and validates the id list', async () => {
      const [emma] = await zd.users.search({ query: `email:${FIXTURE.english.email}` });
      const [yuki] = await zd.users.search({ query: `email:${FIXTURE.japanese.email}` });
      const { result } = await zd.users.showMany([emma.id, 1, yuki.id]);
      expect(result.map((u: any) => u.email)).toEqual([FIXTURE.english.email, FIXTURE.japanese.email]);
      const bad = await raw(sb, 'GET', '/api/v2/users/show_many.json?ids=1,abc');
      expect(bad.status).toBe(400);
    });

    it('throws RecordNotFound for an unknown user', async () => {
      const err = await sdkError(zd.users.show(123));
      expect(err.statusCode).toBe(404);
      expect(err.result).toEqual({ error: 'RecordNotFound', description: 'Not found' });
    });

    it('lists users with cursor pagination (page[size]=100) across pages', async () => {
      sb.requests.clear();
      const users = await zd.users.list();
      const count = (await raw(sb, 'GET', '/api/v2/users/search.json?query=role:end-user')).json.count + 1;
      expect(users).toHaveLength(count);
      const pages = sb.requests.entries({ pathIncludes: '/api/v2/users.json' });
      expect(pages[0]?.query).toEqual({ 'page[size]': '100' });
      expect(pages[1]?.query).toMatchObject({ 'page[size]': '100', 'page[after]': expect.any(String) });
    });

    it('returns cursor meta/links whose next link starts with the endpointUri', async () => {
      const page = await raw(sb, 'GET', '/api/v2/users.json?page[size]=10');
      expect(page.json.users).toHaveLength(10);
      expect(page.json.meta).toMatchObject({ has_more: true, after_cursor: expect.any(String) });
      expect(page.json.links.next.startsWith(`${sb.settings.endpointUri}/users.json?`)).toBe(true);
      const next = await raw(sb, 'GET', page.json.links.next);
      expect(next.json.users[0].id).toBeGreaterThan(page.json.users[9].id);
      const back = await raw(sb, 'GET', next.json.links.prev);
      expect(back.json.users.map((u: any) => u.id)).toEqual(page.json.users.map((u: any) => u.id));
    });

    it('refuses offset pagination past the first 10,000 records and bad paging parameters', async () => {
      const deep = await raw(sb, 'GET', '/api/v2/users.json?page=101&per_page=100');
      expect(deep.status).toBe(400);
      expect(deep.json.error).toBe('InvalidPaginationParameter');
      const bad = await raw(sb, 'GET', '/api/v2/users.json?page[size]=abc');
      expect(bad.status).toBe(400);
      const cursor = await raw(sb, 'GET', '/api/v2/users.json?page[after]=garbage');
      expect(cursor.status).toBe(400);
    });
  });

  describe('write', () => {
    it('creates a user (201) and journals the write', async () => {
      const { response, result } = await zd.users.create({
        user: {
          name: 'Chat Visitor',
          email: 'visitor.one@example.com',
          phone: '+15557654321',
          external_id: 'ext-chat-1',
          user_fields: { customer_tier: 'gold' },
        },
      });
      expect(response.status).toBe(201);
      expect(result).toMatchObject({
        name: 'Chat Visitor',
        email: 'visitor.one@example.com',
        external_id: 'ext-chat-1',
        role: 'end-user',
        user_fields: { customer_tier: 'gold' },
      });
      const [entry] = sb.journal.entries({ object: 'users', externalKey: 'ext-chat-1' });
      expect(entry).toMatchObject({ operation: 'create', recordId: String(result.id) });
      expect(entry?.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('answers a duplicate email with 422 RecordInvalid/DuplicateValue', async () => {
      const err = await sdkError(zd.users.create({ user: { name: 'Someone Else', email: FIXTURE.english.email } }));
      expect(err.statusCode).toBe(422);
      expect(err.result).toEqual({
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: {
          email: [
            {
              description: `Email: ${FIXTURE.english.email} is already being used by another user`,
              error: 'DuplicateValue',
            },
          ],
        },
      });
    });

    it('validates names, emails, roles and the user wrapper', async () => {
      const blank = await sdkError(zd.users.create({ user: { email: 'x1@example.com' } }));
      expect(blank.statusCode).toBe(422);
      expect(blank.result.details.name[0]).toEqual({ description: 'Name: cannot be blank', error: 'BlankValue' });
      const badEmail = await sdkError(zd.users.create({ user: { name: 'X', email: 'not-an-email', role: 'wizard' } }));
      expect(Object.keys(badEmail.result.details).sort()).toEqual(['email', 'role']);
      const noWrapper = await sdkError(zd.users.create({ name: 'Flat' }));
      expect(noWrapper.statusCode).toBe(400);
      expect(noWrapper.result.error).toBe('ParameterMissing');
    });

    it('updates a user: merges user_fields and adds a secondary email instead of replacing the primary', async () => {
      const { result: created } = await zd.users.create({
        user: { name: 'Upd Ate', email: 'upd.ate@example.com', user_fields: { a: '1' } },
      });
      const { result } = await zd.users.update(created.id, {
        user: { phone: '+442079460099', email: 'second@example.com', user_fields: { b: '2' } },
      });
      expect(result).toMatchObject({
        email: 'upd.ate@example.com',
        phone: '+442079460099',
        user_fields: { a: '1', b: '2' },
      });
      const bySecondary = await zd.users.search({ query: 'email:second@example.com' });
      expect(bySecondary.map((u: any) => u.id)).toEqual([created.id]);
      expect(sb.journal.entries({ object: 'users', operation: 'update' }).map((e) => e.recordId)).toContain(
        String(created.id),
      );
    });

    it('createOrUpdate creates (201), then updates by email (200) and by external_id first', async () => {
      const first = await zd.users.createOrUpdate({
        user: { name: 'Up Sert', email: 'up.sert@example.com', external_id: 'UPS-1' },
      });
      expect(first.response.status).toBe(201);
      const second = await zd.users.createOrUpdate({ user: { name: 'Up Sert Renamed', email: 'UP.SERT@example.com' } });
      expect(second.response.status).toBe(200);
      expect(second.result.id).toBe(first.result.id);
      expect(second.result.name).toBe('Up Sert Renamed');
      // external_id wins over email and is matched case-insensitively; the stored case follows the request.
      const third = await zd.users.createOrUpdate({ user: { name: 'By External', external_id: 'ups-1' } });
      expect(third.response.status).toBe(200);
      expect(third.result).toMatchObject({ id: first.result.id, name: 'By External', external_id: 'ups-1' });
      expect(sb.journal.entries({ object: 'users', operation: 'upsert' }).length).toBeGreaterThanOrEqual(3);
    });

    it('limits writes to one end user to 5 per minute; node-zendesk resolves that 429 instead of throwing', async () => {
      const { result: user } = await zd.users.create({ user: { name: 'Hot User', email: 'hot.user@example.com' } });
      for (let i = 0; i < 5; i += 1) {
        const { response } = await zd.users.update(user.id, { user: { notes: `edit ${i}` } });
        expect(response.headers.get('zendesk-ratelimit-create-update-user')).toMatch(
          /^total=5; remaining=\d; resets=\d+$/,
        );
      }
      const { response, result } = await zd.users.update(user.id, { user: { notes: 'one too many' } });
      expect(response.status).toBe(429);
      expect(result).toBeInstanceOf(Error);
      expect(result.statusCode).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await zd.users.show(user.id)).result.notes).toBe('edit 4');
    });
  });
});
