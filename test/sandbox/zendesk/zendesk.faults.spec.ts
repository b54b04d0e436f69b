import { raw, sdkError, tokenClient, type Zd } from './test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from './zendesk.sandbox';

describe('Zendesk sandbox: injected faults, seen through node-zendesk', () => {
  let sb: ZendeskSandbox;
  let zd: Zd;

  beforeAll(async () => {
    sb = await startZendeskSandbox({ people: 20 });
    zd = tokenClient(sb);
  });
  afterAll(() => sb.stop());
  afterEach(() => sb.faults.reset());

  it('adds latency', async () => {
    sb.faults.set({ latency: { kind: 'fixed', ms: 150 } });
    const started = Date.now();
    await zd.users.me();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers injected 500s in Zendesk error JSON, thrown by the SDK; pathFilter scopes them', async () => {
    sb.faults.set({ errorRates: { 500: 1 }, pathFilter: /\/tickets/ });
    const err = await sdkError(zd.tickets.show(1));
    expect(err.statusCode).toBe(500);
    expect(err.result).toMatchObject({ error: 'InternalError' });
    expect((await zd.users.me()).response.status).toBe(200);
  });

  it('an HTML 502 resolves to an empty result (the SDK does not throw for 502)', async () => {
    sb.faults.set({ errorRates: { 502: 1 } });
    const { response, result } = await zd.users.me();
    expect(response.status).toBe(502);
    expect(result).toEqual({});
  });

  it('an injected 429 carries Retry-After and resolves like a real one', async () => {
    sb.faults.set({ errorRates: { 429: 1 } });
    const { response, result } = await zd.users.me();
    expect(response.status).toBe(429);
    expect(result.statusCode).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('503 is thrown with its body', async () => {
    sb.faults.set({ errorRates: { 503: 1 } });
    const err = await sdkError(zd.users.me());
    expect(err.statusCode).toBe(503);
    expect(err.result.error).toBe('ServiceUnavailable');
  });

  it('hangs requests until the client gives up; control routes are never faulted', async () => {
    sb.faults.set({ hangRate: 1 });
    await expect(raw(sb, 'GET', '/api/v2/users/me.json', { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const control = await fetch(`${sb.baseUrl}/__sandbox/journal`);
    expect(control.status).toBe(200);
  });

  describe('reset after commit (ambiguous outcome)', () => {
    it('drops the connection after a ticket is created; the journal proves the write committed', async () => {
      sb.faults.set({ resetAfterCommitRate: 1 });
      const before = sb.journal.entries({ object: 'tickets' }).length;
      await expect(
        zd.tickets.create({ ticket: { comment: { body: 'ambiguous' }, external_id: 'amb-1' } }),
      ).rejects.toThrow(/socket hang up|ECONNRESET|network/i);
      sb.faults.reset();
      const after = sb.journal.entries({ object: 'tickets' });
      expect(after.length).toBe(before + 1);
      const { result } = await zd.tickets.show(Number(after[after.length - 1]?.recordId));
      expect(result).toMatchObject({ external_id: 'amb-1', description: 'ambiguous' });
    });

    it('a retry with the same Idempotency-Key returns the committed ticket instead of a duplicate', async () => {
      const keyed = tokenClient(sb, { customHeaders: { 'Idempotency-Key': 'retry-after-reset' } });
      const payload = { ticket: { comment: { body: 'retry me' }, external_id: 'amb-2' } };
      sb.faults.set({ resetAfterCommitRate: 1 });
      await expect(keyed.tickets.create(payload)).rejects.toThrow();
      sb.faults.reset();
      const retry = await keyed.tickets.create(payload);
      expect(retry.response.headers.get('x-idempotency-lookup')).toBe('hit');
      const journaled = sb.journal.entries({ object: 'tickets', externalKey: 'retry-after-reset' });
      expect(journaled).toHaveLength(1);
      expect(String(retry.result.id)).toBe(journaled[0]?.recordId);
    });

    it('commits a comment before the reset, so a blind retry would post it twice', async () => {
      const { result: ticket } = await zd.tickets.create({ ticket: { comment: { body: 'start' } } });
      sb.faults.set({ resetAfterCommitRate: 1 });
      await expect(
        zd.tickets.update(ticket.id, { ticket: { comment: { body: 'note', public: false } } }),
      ).rejects.toThrow();
      sb.faults.reset();
      const comments = await zd.tickets.getComments(ticket.id);
      expect(comments.map((c: any) => c.body)).toEqual(['start', 'note']);
      expect(sb.journal.entries({ object: 'ticket_comments', externalKey: String(ticket.id) })).toHaveLength(1);
    });

    it('commits a user before the reset; a blind retry of create then hits DuplicateValue', async () => {
      sb.faults.set({ resetAfterCommitRate: 1 });
      const user = { user: { name: 'Ambiguous User', email: 'ambiguous.user@example.com' } };
      await expect(zd.users.create(user)).rejects.toThrow();
      sb.faults.reset();
      const err = await sdkError(zd.users.create(user));
      expect(err.statusCode).toBe(422);
      expect(err.result.details.email[0].error).toBe('DuplicateValue');
      const upsert = await zd.users.createOrUpdate(user);
      expect(upsert.response.status).toBe(200);
      expect(sb.requests.entries({ pathIncludes: '/users.json', method: 'POST' })[0]?.status).toBe(0);
    });
  });
});
