import { z } from 'zod';
import { ConnectorError } from '../connector.errors';
import comments from './__fixtures__/ticket-comments.json';
import incrementalTickets from './__fixtures__/incremental-tickets-cursor.json';
import incrementalUsers from './__fixtures__/incremental-users-cursor.json';
import jobStatus from './__fixtures__/job-status-completed.json';
import ticketCreate from './__fixtures__/ticket-create.json';
import userCreateOrUpdate from './__fixtures__/user-create-or-update.json';
import usersSearch from './__fixtures__/users-search.json';
import webhookComment from './__fixtures__/webhook-ticket-comment-added.json';
import webhookStatus from './__fixtures__/webhook-ticket-status-changed.json';
import webhookUser from './__fixtures__/webhook-user-created.json';
import {
  agentUrl,
  caseTicket,
  caseState,
  decodeChangeCursor,
  encodeChangeCursor,
  joinName,
  noteTicket,
  numericId,
  organizationNames,
  parseVendor,
  phoneMatches,
  phoneRenderings,
  searchTerms,
  splitName,
  ticketChange,
  toCrmCase,
  toCrmNote,
  toCrmPerson,
  upsertUserBody,
  userChange,
  userNames,
  webhookChanges,
  zdCommentSchema,
  zdJobStatusSchema,
  zdTicketSchema,
  zdUserSchema,
  zendeskSearchValue,
} from './zendesk.mapper';
import { zendeskDescriptor } from './zendesk.descriptor';

const API = 'https://acme.zendesk.com/api/v2';

describe('descriptor', () => {
  it('validates settings: a subdomain or an http(s) endpointUri', () => {
    const { settingsSchema } = zendeskDescriptor;
    expect(settingsSchema.safeParse({ subdomain: 'acme' }).success).toBe(true);
    expect(settingsSchema.safeParse({ endpointUri: 'https://support.example.com/api/v2' }).success).toBe(true);
    expect(settingsSchema.safeParse({}).success).toBe(false);
    expect(settingsSchema.safeParse({ subdomain: 'evil.example.com#' }).success).toBe(false);
    expect(settingsSchema.safeParse({ endpointUri: 'ftp://acme.zendesk.com' }).success).toBe(false);
    expect(settingsSchema.safeParse({ subdomain: 'acme', incrementalPageSize: 5000 }).success).toBe(false);
  });

  it('accepts API-token or OAuth credentials, hints without revealing them, and renders JSON schemas', () => {
    const { credentialsSchema, credentialHint } = zendeskDescriptor;
    expect(credentialsSchema.safeParse({ email: 'agent@acme.com', apiToken: 't' }).success).toBe(true);
    expect(credentialsSchema.safeParse({ clientId: 'c', clientSecret: 's', refreshToken: 'r' }).success).toBe(true);
    expect(credentialsSchema.safeParse({ email: 'agent@acme.com' }).success).toBe(false);
    expect(credentialHint({ email: 'agent@acme.com', apiToken: 'abcdefghijklmnopqrst' })).toBe('…qrst');
    expect(credentialHint({ email: 'agent@acme.com', apiToken: 'short' })).toBe('…');
    expect(() => z.toJSONSchema(zendeskDescriptor.settingsSchema, { unrepresentable: 'any' })).not.toThrow();
    expect(() => z.toJSONSchema(credentialsSchema, { unrepresentable: 'any' })).not.toThrow();
  });
});

describe('zendeskSearchValue (the one escaping helper for the search query language)', () => {
  it.each([
    ['plain@example.com', '"plain@example.com"'],
    ['a"b', '"a\\"b"'],
    ['back\\slash', '"back\\\\slash"'],
    ['\\"', '"\\\\\\""'],
    ['x" type:ticket "y', '"x\\" type:ticket \\"y"'],
    ["o'brien' OR '1'='1", "\"o'brien' OR '1'='1\""],
    ['line\nbreak\ttab', '"line break tab"'],
    ['-negated *wild* (paren) <lt> status:open', '"-negated *wild* (paren) <lt> status:open"'],
    ['名前@例え.jp', '"名前@例え.jp"'],
    ['', '""'],
  ])('%p → %s', (value, expected) => {
    expect(zendeskSearchValue(value)).toBe(expected);
  });

  it('builds field terms from escaped values only', () => {
    expect(searchTerms('email', ['a"b@example.com'])).toBe('email:"a\\"b@example.com"');
    expect(searchTerms('external_id', ['k1', 'k"2'])).toBe('external_id:"k1" external_id:"k\\"2"');
  });
});

describe('people', () => {
  const [emma, yuki] = usersSearch.users.map((user) => parseVendor(zdUserSchema, user, 'user'));
  const options = {
    apiBase: API,
    tierField: 'customer_tier',
    organizations: organizationNames(usersSearch.organizations),
  };

  it('maps a user with its sideloaded organization, tier field and agent link', () => {
    expect(toCrmPerson(emma, options)).toEqual({
      id: '35436',
      objectType: 'users',
      name: 'Emma Johnson',
      firstName: 'Emma',
      lastName: 'Johnson',
      emails: ['emma.johnson@example.com'],
      phones: ['(415) 555-2671'],
      company: 'Acme Corp',
      locale: 'en-US',
      tier: 'vip',
      externalId: 'ext-p0000',
      updatedAt: '2026-09-20T10:00:00Z',
      url: 'https://acme.zendesk.com/agent/users/35436',
    });
  });

  it('splits a Japanese name written family-name first without a space', () => {
    expect(toCrmPerson(yuki, options)).toMatchObject({ firstName: '雪', lastName: '田中', tier: null, company: null });
  });

  it.each([
    ["Ada O'Neil", 'en-US', 'Ada', "O'Neil"],
    ['Ludwig van Beethoven', 'de', 'Ludwig', 'van Beethoven'],
    ['Cher', 'en-US', 'Cher', null],
    ['佐藤花子', 'ja', '花子', '佐藤'],
    ['田中 雪', 'ja', '雪', '田中'],
    ['王小明', 'zh-CN', '小明', '王'],
    ['김민준', 'ko', '민준', '김'],
    ['李', 'zh-CN', null, '李'],
    ['', 'en-US', null, null],
  ])('splitName(%p, %p)', (name, locale, firstName, lastName) => {
    expect(splitName(name, locale)).toEqual({ firstName, lastName });
  });

  it('joins names the way they split', () => {
    expect(joinName({ firstName: 'Ada', lastName: "O'Neil" })).toBe("Ada O'Neil");
    expect(joinName({ firstName: '雪', lastName: '田中' })).toBe('田中雪');
    expect(joinName({ name: '  Full Name ' })).toBe('Full Name');
    expect(joinName({})).toBeUndefined();
  });

  it('builds create_or_update bodies without role, and without a name unless one is needed', () => {
    expect(upsertUserBody({ externalId: 'k', email: 'a@b.c', phone: '+14155552671' }, false)).toEqual({
      user: { email: 'a@b.c', external_id: 'k', phone: '+14155552671' },
    });
    expect(upsertUserBody({ email: 'ada@example.com' }, true).user.name).toBe('ada');
    expect(upsertUserBody({ firstName: 'Ada', email: 'ada@example.com' }, false).user).not.toHaveProperty('role');
  });

  it('parses the create_or_update answer', () => {
    const user = parseVendor(zdUserSchema, userCreateOrUpdate.user, 'user');
    expect(toCrmPerson(user, options).lastName).toBe("O'Neil");
  });

  it('refuses a shape it cannot read', () => {
    expect(() => parseVendor(zdUserSchema, {}, 'user')).toThrow(ConnectorError);
  });
});

describe('phones', () => {
  it('renders an E.164 number the ways people store it', () => {
    expect(phoneRenderings('+819012345678')).toEqual([
      '+819012345678',
      '+81 90 1234 5678',
      '090-1234-5678',
      '09012345678',
    ]);
    expect(phoneRenderings('+14155552671')).toEqual([
      '+14155552671',
      '+1 415 555 2671',
      '(415) 555-2671',
      '4155552671',
    ]);
    expect(phoneRenderings('not a phone')).toEqual([]);
  });

  it('re-checks candidates exactly, reading local forms in the wanted number’s country', () => {
    expect(phoneMatches('090-1234-5678', '+819012345678', 'ja')).toBe(true);
    expect(phoneMatches('(415) 555-2671', '+14155552671', 'en-US')).toBe(true);
    expect(phoneMatches('+81 90-1234-5678', '+819012345678')).toBe(true);
    // Same digits, other number: a loose digit search could return it, the re-check does not.
    expect(phoneMatches('090-1234-5679', '+819012345678', 'ja')).toBe(false);
    expect(phoneMatches('+1 9012345678', '+819012345678')).toBe(false);
    expect(phoneMatches('+4420794600189', '+442079460018')).toBe(false);
    expect(phoneMatches(null, '+819012345678')).toBe(false);
  });
});

describe('tickets, cases and notes', () => {
  const ticket = parseVendor(zdTicketSchema, ticketCreate.ticket, 'ticket');

  it('maps a ticket to a case with unified state', () => {
    expect(toCrmCase(ticket, API)).toEqual({
      id: '35436',
      number: '35436',
      subject: 'Order 245-12784 not delivered',
      status: 'new',
      state: 'open',
      priority: 'high',
      createdAt: '2026-11-22T10:00:00Z',
      updatedAt: '2026-11-22T10:00:00Z',
      url: 'https://acme.zendesk.com/agent/tickets/35436',
    });
    expect(['new', 'open', 'pending', 'hold', 'solved', 'closed'].map(caseState)).toEqual([
      'open',
      'open',
      'pending',
      'pending',
      'solved',
      'closed',
    ]);
  });

  it('maps comments to notes: private flag, sideloaded author, opening comment addressed by the ticket id', () => {
    const authors = userNames(comments.users);
    const parsed = comments.comments.map((item) => parseVendor(zdCommentSchema, item, 'comment'));
    const notes = parsed.map((comment) => toCrmNote(ticket, comment, comment.id === 1268, API, authors));
    expect(notes.map((note) => [note.id, note.private, note.author])).toEqual([
      ['35436:1274', false, 'Alice Agent'],
      ['35436:1270', true, 'Alice Agent'],
      ['35436', false, 'Emma Johnson'],
    ]);
    expect(notes[0]).toMatchObject({ title: ticket.subject, body: 'Your order left the warehouse today.' });
  });

  it('writes notes as solved, tagged tickets keyed by external_id, and cases with a public description', () => {
    expect(
      noteTicket({ personId: '7', title: 'Chat', body: 'Transcript', internal: true, idempotencyKey: 'k1' }, 7),
    ).toEqual({
      requester_id: 7,
      subject: 'Chat',
      comment: { body: 'Transcript', public: false },
      status: 'solved',
      external_id: 'k1',
      tags: ['chat_transcript'],
    });
    expect(
      caseTicket(
        { personId: '7', subject: 'S', description: 'D', priority: 'urgent', transcript: 'T', idempotencyKey: 'k2' },
        7,
      ),
    ).toEqual({
      requester_id: 7,
      subject: 'S',
      comment: { body: 'D', public: true },
      priority: 'urgent',
      external_id: 'k2',
      tags: ['chat_escalation'],
    });
  });

  it('reads job statuses with per-item results', () => {
    const job = parseVendor(zdJobStatusSchema, jobStatus.job_status, 'job status');
    expect(job.results?.map((item) => [item.index, item.id ?? null, item.error ?? null])).toEqual([
      [0, 244, null],
      [1, null, 'RecordInvalid'],
      [2, 245, null],
    ]);
  });

  it('accepts only numeric ids', () => {
    expect(numericId('35436')).toBe(35436);
    expect(numericId('9000000000001')).toBe(9000000000001);
    expect(numericId('12; DROP')).toBeUndefined();
    expect(numericId('')).toBeUndefined();
    expect(numericId('99999999999999999')).toBeUndefined();
  });

  it('links to the agent interface under an endpointUri with a path prefix', () => {
    expect(agentUrl('http://127.0.0.1:4030/api/v2', 'tickets', 3)).toBe('http://127.0.0.1:4030/agent/tickets/3');
    expect(agentUrl('https://support.example.com/zd/api/v2', 'users', 3)).toBe(
      'https://support.example.com/zd/agent/users/3',
    );
  });
});

describe('change feeds', () => {
  it('maps the ticket export: solved/closed → case.solved, note tickets skipped', () => {
    const changes = incrementalTickets.tickets.map((item) => ticketChange(parseVendor(zdTicketSchema, item, 'ticket')));
    expect(changes.map((change) => change && [change.kind, change.recordId, change.personId, change.summary])).toEqual([
      ['case.updated', '101', '35436', 'open'],
      ['case.solved', '102', '35436', 'solved'],
      null,
      ['case.solved', '104', '9873843', 'closed'],
    ]);
    expect(changes[0]?.eventId).toBe('ticket:101:2026-11-22T09:30:00Z');
  });

  it('maps the user export to person.changed for end users only', () => {
    const changes = incrementalUsers.users.map((item) => userChange(parseVendor(zdUserSchema, item, 'user')));
    expect(changes).toEqual([
      {
        kind: 'person.changed',
        recordId: '35436',
        personId: '35436',
        occurredAt: '2026-11-22T09:30:00Z',
        eventId: 'user:35436:2026-11-22T09:30:00Z',
        summary: null,
      },
      null,
    ]);
  });

  it('round-trips the opaque cursor and refuses foreign ones', () => {
    const cursor = { users: { cursor: 'abc' }, tickets: { startTime: 1_790_000_000 }, draining: ['users' as const] };
    expect(decodeChangeCursor(encodeChangeCursor(cursor))).toEqual(cursor);
    expect(() => decodeChangeCursor('not-a-cursor')).toThrow(ConnectorError);
    expect(() => decodeChangeCursor(Buffer.from('{"v":1,"u":{},"k":{}}').toString('base64url'))).toThrow(
      ConnectorError,
    );
  });
});

describe('webhooks', () => {
  const at = '2026-11-22T10:10:00.000Z';

  it('status changed to SOLVED → case.solved', () => {
    expect(webhookChanges(webhookStatus, at)).toEqual([
      {
        kind: 'case.solved',
        recordId: '35436',
        personId: '20978392',
        occurredAt: '2026-11-22T10:05:00Z',
        eventId: 'cbe4028c-7239-495d-b020-f22348516046',
        summary: 'solved',
        caseState: 'solved',
      },
    ]);
  });

  it('a public staff comment → case.agent_replied with the reply; a private one → case.updated', () => {
    expect(webhookChanges(webhookComment, at)).toEqual([
      expect.objectContaining({
        kind: 'case.agent_replied',
        recordId: '35436',
        summary: 'Your order left the warehouse today.',
      }),
    ]);
    const privateNote = structuredClone(webhookComment);
    privateNote.event.comment.is_public = false;
    expect(webhookChanges(privateNote, at)).toEqual([
      expect.objectContaining({ kind: 'case.updated', summary: 'open' }),
    ]);
    const fromCustomer = structuredClone(webhookComment);
    fromCustomer.event.comment.author.is_staff = false;
    expect(webhookChanges(fromCustomer, at)?.[0]?.kind).toBe('case.updated');
  });

  it('user events of end users → person.changed; agents, note tickets and other families → nothing', () => {
    expect(webhookChanges(webhookUser, at)).toEqual([
      expect.objectContaining({ kind: 'person.changed', recordId: '9000000000123', personId: '9000000000123' }),
    ]);
    expect(webhookChanges({ ...webhookUser, detail: { id: '1', role: 'AGENT' } }, at)).toEqual([]);
    expect(
      webhookChanges({ ...webhookStatus, detail: { ...webhookStatus.detail, tags: ['chat_transcript'] } }, at),
    ).toEqual([]);
    expect(webhookChanges({ type: 'zen:event-type:organization.created', detail: { id: '5' } }, at)).toEqual([]);
  });

  it('is null for a body that is no Zendesk event', () => {
    expect(webhookChanges({ hello: 'world' }, at)).toBeNull();
    expect(webhookChanges([1, 2], at)).toBeNull();
  });
});
