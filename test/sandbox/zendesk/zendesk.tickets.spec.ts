import { FIXTURE } from '../common/seed-data';
import { raw, sdkError, tokenClient, type Zd } from './test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from './zendesk.sandbox';

describe('Zendesk sandbox: tickets and comments through node-zendesk', () => {
  let sb: ZendeskSandbox;
  let zd: Zd;
  let agentId: number;
  let emma: any;

  beforeAll(async () => {
    sb = await startZendeskSandbox({ people: 60 });
    zd = tokenClient(sb);
    agentId = (await zd.users.me()).result.id;
    [emma] = await zd.users.search({ query: `email:${FIXTURE.english.email}` });
  });
  afterAll(() => sb.stop());

  const transcript = (extra: Record<string, unknown> = {}) => ({
    ticket: {
      subject: 'Live chat',
      comment: { body: 'Visitor: where is my order?\nAgent: checking now.', public: false },
      requester: { email: FIXTURE.english.email, name: 'Emma Johnson' },
      priority: 'normal',
      tags: ['livechat', 'Chat Bot'],
      ...extra,
    },
  });

  it('creates a ticket with a private transcript comment for an existing requester', async () => {
    const { response, result } = await zd.tickets.create(transcript());
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(result.url);
    expect(result).toMatchObject({
      subject: 'Live chat',
      description: 'Visitor: where is my order?\nAgent: checking now.',
      status: 'new',
      priority: 'normal',
      requester_id: emma.id,
      submitter_id: agentId,
      tags: ['livechat', 'chat', 'bot'],
      is_public: false,
      via: { channel: 'api' },
      url: `${sb.settings.endpointUri}/tickets/${result.id}.json`,
    });
    const comments = await zd.tickets.getComments(result.id);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({
      type: 'Comment',
      public: false,
      author_id: agentId,
      plain_body: result.description,
    });
    expect(sb.journal.entries({ object: 'tickets', operation: 'create' }).map((e) => e.recordId)).toContain(
      String(result.id),
    );
  });

  it('creates the requester when the email is unknown', async () => {
    const { result } = await zd.tickets.create(
      transcript({ requester: { email: 'first.time@example.com', name: 'First Timer' } }),
    );
    const [user] = await zd.users.search({ query: 'email:first.time@example.com' });
    expect(user).toMatchObject({ name: 'First Timer', role: 'end-user' });
    expect(result.requester_id).toBe(user.id);
    expect(sb.journal.entries({ object: 'users', externalKey: 'first.time@example.com' })).toHaveLength(1);
  });

  it('shows a ticket; unknown ids throw RecordNotFound', async () => {
    const { result: created } = await zd.tickets.create(transcript());
    const { result } = await zd.tickets.show(created.id);
    expect(result.id).toBe(created.id);
    const err = await sdkError(zd.tickets.show(987654));
    expect(err.statusCode).toBe(404);
    expect(err.result).toEqual({ error: 'RecordNotFound', description: 'Not found' });
  });

  it('adds internal notes and public replies; comments list both with author and visibility', async () => {
    const { result: ticket } = await zd.tickets.create(
      transcript({ comment: { body: 'Opening message', public: true } }),
    );
    const note = await zd.tickets.update(ticket.id, {
      ticket: { comment: { body: 'Internal: VIP customer', public: false } },
    });
    expect(note.response.status).toBe(200);
    expect(note.response.headers.get('content-type')).toContain('application/json');
    const reply = await zd.tickets.update(ticket.id, {
      ticket: { status: 'pending', comment: { body: 'We shipped it today.', public: true } },
    });
    expect(reply.result.status).toBe('pending');
    const comments = await zd.tickets.getComments(ticket.id);
    expect(comments.map((c: any) => [c.body, c.public, c.author_id])).toEqual([
      ['Opening message', true, agentId],
      ['Internal: VIP customer', false, agentId],
      ['We shipped it today.', true, agentId],
    ]);
    expect(comments[2].html_body).toContain('We shipped it today.');
    expect(sb.journal.entries({ object: 'ticket_comments', externalKey: String(ticket.id) })).toHaveLength(2);
  });

  it('keeps the visibility of the first comment as the default for later ones', async () => {
    const { result: ticket } = await zd.tickets.create(transcript());
    await zd.tickets.update(ticket.id, { ticket: { comment: { body: 'no public flag' } } });
    const comments = await zd.tickets.getComments(ticket.id);
    expect(comments[1]).toMatchObject({ body: 'no public flag', public: false });
  });

  it('returns the audit of an update with change events', async () => {
    const { result: ticket } = await zd.tickets.create(transcript());
    const res = await raw(sb, 'PUT', `/api/v2/tickets/${ticket.id}.json`, {
      body: { ticket: { status: 'solved', priority: 'high', additional_tags: ['done'] } },
    });
    expect(res.status).toBe(200);
    expect(res.json.ticket).toMatchObject({ status: 'solved', priority: 'high' });
    expect(res.json.ticket.tags).toContain('done');
    expect(res.json.audit.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Change', field_name: 'status', value: 'solved', previous_value: 'new' }),
        expect.objectContaining({ type: 'Change', field_name: 'priority', value: 'high', previous_value: 'normal' }),
      ]),
    );
  });

  it('validates tickets with 422 RecordInvalid details and 400 for a missing wrapper', async () => {
    const noComment = await sdkError(zd.tickets.create({ ticket: { subject: 'Empty' } }));
    expect(noComment.statusCode).toBe(422);
    expect(noComment.result).toEqual({
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: { description: [{ description: 'Description: cannot be blank', error: 'BlankValue' }] },
    });
    const badValues = await sdkError(
      zd.tickets.create(transcript({ status: 'done', priority: 'asap', requester_id: 42, requester: undefined })),
    );
    expect(Object.keys(badValues.result.details).sort()).toEqual(['priority', 'requester_id', 'status']);
    const noWrapper = await sdkError(zd.tickets.create({ subject: 'flat' }));
    expect(noWrapper.statusCode).toBe(400);
    const missing = await sdkError(zd.tickets.update(999999, { ticket: { status: 'open' } }));
    expect(missing.statusCode).toBe(404);
  });

  it('refuses to update a closed ticket', async () => {
    const { result: ticket } = await zd.tickets.create(transcript({ status: 'closed' }));
    const err = await sdkError(zd.tickets.update(ticket.id, { ticket: { comment: { body: 'too late' } } }));
    expect(err.statusCode).toBe(422);
    expect(err.result.details.status[0].description).toBe('Status: closed prevents ticket update');
  });

  it('treats external_id as free-form, not unique', async () => {
    const a = await zd.tickets.create(transcript({ external_id: 'chat-777' }));
    const b = await zd.tickets.create(transcript({ external_id: 'chat-777' }));
    expect(a.result.id).not.toBe(b.result.id);
    const found = await zd.search.queryAll('type:ticket external_id:chat-777');
    expect(found.map((t: any) => t.id).sort()).toEqual([a.result.id, b.result.id].sort());
  });

  it("lists a user's requested tickets (offset pagination followed by getAll)", async () => {
    const { result: user } = await zd.users.create({
      user: { name: 'Many Tickets', email: 'many.tickets@example.com' },
    });
    for (let i = 0; i < 3; i += 1) {
      await zd.tickets.create({ ticket: { comment: { body: `issue ${i}` }, requester_id: user.id } });
    }
    const page = await raw(sb, 'GET', `/api/v2/users/${user.id}/tickets/requested.json?per_page=2`);
    expect(page.json.count).toBe(3);
    expect(page.json.next_page).toBe(
      `${sb.settings.endpointUri}/users/${user.id}/tickets/requested.json?page=2&per_page=2`,
    );
    const tickets = await zd.tickets.listByUserRequested(user.id);
    expect(tickets.map((t: any) => t.description)).toEqual(['issue 0', 'issue 1', 'issue 2']);
    expect(tickets.every((t: any) => t.requester_id === user.id)).toBe(true);
    const err = await sdkError(zd.tickets.listByUserRequested(1));
    expect(err.statusCode).toBe(404);
  });

  it('seeds cases as tickets requested by the person, opened by their public comment', async () => {
    const tickets = await zd.tickets.listByUserRequested(emma.id);
    const seeded = tickets.filter((t: any) => t.tags.includes('seed'));
    expect(seeded).toHaveLength(FIXTURE.english.cases.length);
    for (const t of seeded) {
      const [first] = await zd.tickets.getComments(t.id);
      expect(first).toMatchObject({ author_id: emma.id, public: true, body: t.description });
    }
  });

  it('lists tickets with cursor pagination and pages comments', async () => {
    const all = await zd.tickets.list();
    expect(all.length).toBe((await raw(sb, 'GET', '/api/v2/search.json?query=type:ticket')).json.count);
    const { result: ticket } = await zd.tickets.create(transcript());
    for (const body of ['two', 'three']) {
      await zd.tickets.update(ticket.id, { ticket: { comment: { body } } });
    }
    const first = await raw(sb, 'GET', `/api/v2/tickets/${ticket.id}/comments.json?page[size]=2`);
    expect(first.json.comments).toHaveLength(2);
    expect(first.json.meta.has_more).toBe(true);
    const second = await raw(sb, 'GET', first.json.links.next);
    expect(second.json.comments.map((c: any) => c.body)).toEqual(['three']);
    expect(second.json.meta.has_more).toBe(false);
    const desc = await raw(sb, 'GET', `/api/v2/tickets/${ticket.id}/comments.json?sort_order=desc`);
    expect(desc.json.comments.map((c: any) => c.body)).toEqual([
      'three',
      'two',
      'Visitor: where is my order?\nAgent: checking now.',
    ]);
  });

  describe('Idempotency-Key on ticket creation', () => {
    it('replays the original ticket for the same key and body (x-idempotency-lookup: hit)', async () => {
      const keyed = tokenClient(sb, { customHeaders: { 'Idempotency-Key': 'chat-42-transcript' } });
      const first = await keyed.tickets.create(transcript({ external_id: 'chat-42' }));
      expect(first.response.status).toBe(201);
      expect(first.response.headers.get('x-idempotency-lookup')).toBe('miss');
      const again = await keyed.tickets.create(transcript({ external_id: 'chat-42' }));
      expect(again.response.status).toBe(201);
      expect(again.response.headers.get('x-idempotency-lookup')).toBe('hit');
      expect(again.result.id).toBe(first.result.id);
      expect(sb.journal.entries({ object: 'tickets', externalKey: 'chat-42-transcript' })).toHaveLength(1);
    });

    it('answers 400 IdempotentRequestError when the key is reused with another body', async () => {
      const keyed = tokenClient(sb, { customHeaders: { 'Idempotency-Key': 'reused-key' } });
      await keyed.tickets.create(transcript({ subject: 'one' }));
      const err = await sdkError(keyed.tickets.create(transcript({ subject: 'two' })));
      expect(err.statusCode).toBe(400);
      expect(err.result).toEqual({
        error: 'IdempotentRequestError',
        description: "Request parameters don't match the given idempotency key",
      });
    });

    it('does not apply to requests without the header', async () => {
      const a = await zd.tickets.create(transcript());
      const b = await zd.tickets.create(transcript());
      expect(a.result.id).not.toBe(b.result.id);
      expect(a.response.headers.get('x-idempotency-lookup')).toBeNull();
    });
  });
});
