import { compileQuery, parseQuery, SearchSyntaxError, type TicketView, type UserView } from './search-query';

const user = (over: Partial<UserView> = {}): UserView => ({
  id: 11,
  name: 'Emma Johnson',
  emails: ['emma.johnson@example.com'],
  phone: '(415) 555-2671',
  phoneE164: '+14155552671',
  externalId: 'ext-p0000',
  role: 'end-user',
  tags: ['vip'],
  notes: '',
  details: '',
  organizationId: 5,
  organizationName: 'Acme Corp',
  userFields: { customer_tier: 'vip' },
  createdAt: Date.parse('2026-01-01T00:00:00Z'),
  updatedAt: Date.parse('2026-09-01T12:00:00Z'),
  ...over,
});

const ticket = (over: Partial<TicketView> = {}): TicketView => ({
  id: 7,
  status: 'open',
  priority: 'normal',
  type: 'question',
  subject: 'Order not delivered',
  description: 'Where is my parcel?',
  commentBodies: ['Where is my parcel?'],
  tags: ['livechat'],
  externalId: 'chat-1',
  requester: user(),
  assignee: undefined,
  submitter: user(),
  organizationId: 5,
  createdAt: Date.parse('2026-09-01T00:00:00Z'),
  updatedAt: Date.parse('2026-09-02T00:00:00Z'),
  ...over,
});

describe('Zendesk search query parser', () => {
  it('splits field terms, operators, negation and free text', () => {
    expect(parseQuery('type:ticket  status<solved -tags:spam hello')).toEqual([
      { negated: false, field: 'type', op: ':', value: 'ticket', quoted: false },
      { negated: false, field: 'status', op: '<', value: 'solved', quoted: false },
      { negated: true, field: 'tags', op: ':', value: 'spam', quoted: false },
      { negated: false, op: ':', value: 'hello', quoted: false },
    ]);
    expect(parseQuery('created>=2026-01-01 priority<=high').map((t) => t.op)).toEqual(['>=', '<=']);
  });

  it('unescapes \\" and \\\\ inside quotes and keeps other backslashes literal', () => {
    expect(parseQuery('email:"a\\"b\\\\c\\d"')).toEqual([
      { negated: false, field: 'email', op: ':', value: 'a"b\\c\\d', quoted: true },
    ]);
    expect(parseQuery('"two words"')[0]).toEqual({ negated: false, op: ':', value: 'two words', quoted: true });
  });

  it('keeps a hostile value in one literal term', () => {
    const terms = parseQuery('requester:"x@y.com\\" status:closed type:user"');
    expect(terms).toHaveLength(1);
    expect(terms[0]?.value).toBe('x@y.com" status:closed type:user');
    const compiled = compileQuery('type:ticket requester:"emma.johnson@example.com\\" status:open"');
    expect(compiled.matchTicket(ticket())).toBe(false);
  });

  it('treats field-looking text without an operator, and odd characters, as plain text', () => {
    expect(parseQuery('foo"bar (a) 1+1')).toEqual([
      { negated: false, op: ':', value: 'foo"bar', quoted: false },
      { negated: false, op: ':', value: '(a)', quoted: false },
      { negated: false, op: ':', value: '1+1', quoted: false },
    ]);
    expect(parseQuery('- x')[0]).toMatchObject({ negated: false, value: '-' });
  });

  it('rejects unterminated quotes, missing values and text glued to a closing quote', () => {
    expect(() => parseQuery('email:"abc')).toThrow(SearchSyntaxError);
    expect(() => parseQuery('email: abc')).toThrow(SearchSyntaxError);
    expect(() => parseQuery('email:')).toThrow(SearchSyntaxError);
    expect(() => parseQuery('email:"a"status:open')).toThrow(SearchSyntaxError);
    expect(() => compileQuery('type:spaceship')).toThrow(SearchSyntaxError);
  });
});

describe('Zendesk search query evaluation', () => {
  it('collects type: terms and ORs repeated values of one field', () => {
    const q = compileQuery('type:ticket status:pending status:open');
    expect([...(q.types ?? [])]).toEqual(['ticket']);
    expect(q.matchTicket(ticket())).toBe(true);
    expect(q.matchTicket(ticket({ status: 'solved' }))).toBe(false);
    expect(compileQuery('hello').types).toBeNull();
  });

  it('compares status and priority by their order', () => {
    const below = compileQuery('status<solved');
    for (const status of ['new', 'open', 'pending', 'hold']) {
      expect(below.matchTicket(ticket({ status }))).toBe(true);
    }
    for (const status of ['solved', 'closed']) {
      expect(below.matchTicket(ticket({ status }))).toBe(false);
    }
    expect(compileQuery('priority>=high').matchTicket(ticket({ priority: 'urgent' }))).toBe(true);
    expect(compileQuery('priority>=high').matchTicket(ticket({ priority: null }))).toBe(false);
  });

  it('matches requester by email, id or name and honours negation', () => {
    expect(compileQuery('requester:EMMA.JOHNSON@example.com').matchTicket(ticket())).toBe(true);
    expect(compileQuery('requester:11').matchTicket(ticket())).toBe(true);
    expect(compileQuery('requester_id:12').matchTicket(ticket())).toBe(false);
    expect(compileQuery('requester:"Emma Johnson"').matchTicket(ticket())).toBe(true);
    expect(compileQuery('-tags:livechat').matchTicket(ticket())).toBe(false);
    expect(compileQuery('-status:closed').matchTicket(ticket())).toBe(true);
  });

  it('matches users by exact email, normalised phone, external id, custom field and free text', () => {
    expect(compileQuery('email:emma.johnson@example.com').matchUser(user())).toBe(true);
    expect(compileQuery('email:emma.johnson@example').matchUser(user())).toBe(false);
    expect(compileQuery('email:emma*').matchUser(user())).toBe(true);
    expect(compileQuery('email:"emma*"').matchUser(user())).toBe(false);
    expect(compileQuery('phone:4155552671').matchUser(user())).toBe(true);
    expect(compileQuery('phone:+14155552671').matchUser(user())).toBe(true);
    expect(compileQuery('phone:555').matchUser(user())).toBe(false);
    // Spaces separate terms, so a phone typed with spaces must be quoted to stay one value.
    expect(compileQuery('"+1 415 555 2671"').matchUser(user())).toBe(true);
    expect(compileQuery('+1-415-555-2671').matchUser(user())).toBe(true);
    expect(compileQuery('external_id:EXT-P0000').matchUser(user())).toBe(true);
    expect(compileQuery('customer_tier:vip').matchUser(user())).toBe(true);
    expect(compileQuery('johnson').matchUser(user())).toBe(true);
    expect(compileQuery('organization:acme').matchUser(user())).toBe(true);
  });

  it('never treats values as patterns', () => {
    expect(compileQuery('email:.*').matchUser(user())).toBe(false);
    expect(compileQuery('name:"(Emma|x)"').matchUser(user())).toBe(false);
    expect(compileQuery('name:"^Emma"').matchUser(user())).toBe(false);
  });

  it('compares dates by UTC day or instant', () => {
    expect(compileQuery('updated:2026-09-01').matchUser(user())).toBe(true);
    expect(compileQuery('updated>2026-09-01').matchUser(user())).toBe(false);
    expect(compileQuery('updated>=2026-09-01T11:00:00Z').matchUser(user())).toBe(true);
    expect(compileQuery('created<2026-01-02').matchUser(user())).toBe(true);
    expect(compileQuery('created<yesterday-ish').matchUser(user())).toBe(false);
  });
});
