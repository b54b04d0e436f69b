import notifications from './__fixtures__/notifications.json';
import cases from './__fixtures__/related-cases.json';
import notes from './__fixtures__/related-notes.json';
import orders from './__fixtures__/related-sales-orders.json';
import search from './__fixtures__/search-contacts.json';
import { zohoSettingsSchema } from './zoho.descriptor';
import {
  advanceCursor,
  caseChange,
  caseDescription,
  caseKeyValue,
  casePriority,
  caseRecord,
  caseState,
  crmWebBase,
  decodeCursor,
  encodeCursor,
  escapeCriteriaValue,
  isNotification,
  markedNoteTitle,
  noteMarkerKey,
  noteMarkerOf,
  noteRecord,
  notificationEvents,
  personCriteria,
  personToRecord,
  phoneRenderings,
  phoneSearchDigits,
  samePhone,
  scanFrom,
  SECOND_SETTLES_MS,
  startCursor,
  toCase,
  toMatches,
  toNote,
  toOrder,
  toPerson,
  zohoTime,
  type ZohoContact,
} from './zoho.mapper';

const settings = zohoSettingsSchema.parse({});
const links = { webBase: 'https://crm.zoho.com/crm' };
const contacts = search.data as ZohoContact[];

/** The sandbox's parser reads values this way; the escaper must round-trip through it. */
function unescape(value: string): string {
  return value.replace(/\\([\\(),])/g, '$1');
}

describe('escapeCriteriaValue', () => {
  it.each([
    ['Burns,B', 'Burns\\,B'],
    ['K\\', 'K\\\\'],
    ['(paren)', '\\(paren\\)'],
    ['x)or(Last_Name:starts_with:', 'x\\)or\\(Last_Name:starts_with:'],
    ["o'brien@example.com", "o'brien@example.com"],
    ['a:equals:b', 'a:equals:b'],
    ['名前(テスト),値', '名前\\(テスト\\)\\,値'],
    ['', ''],
  ])('%p → %p', (raw, escaped) => {
    expect(escapeCriteriaValue(raw)).toBe(escaped);
    expect(unescape(escapeCriteriaValue(raw))).toBe(raw);
  });

  it('leaves no unescaped ( ) , in any value', () => {
    for (const raw of ['((((', '),),', '\\(', '\\\\)', 'a\\,b']) {
      const escaped = escapeCriteriaValue(raw);
      expect(escaped.replace(/\\[\\(),]/g, '')).not.toMatch(/[(),\\]/);
    }
  });
});

describe('personCriteria', () => {
  it('ors every identifier, the phone as lists of renderings', () => {
    const criteria = personCriteria(
      { email: 'emma.johnson@example.com', externalId: 'ext-(1)', phone: '+14155552671' },
      'External_Id',
    );
    expect(criteria).toBe(
      '((Email:equals:emma.johnson@example.com)or(Secondary_Email:equals:emma.johnson@example.com)' +
        'or(External_Id:equals:ext-\\(1\\))' +
        'or(Phone:in:+14155552671,14155552671,\\(415\\) 555-2671,415 555-2671,4155552671,+1 415 555 2671)' +
        'or(Mobile:in:+14155552671,14155552671,\\(415\\) 555-2671,415 555-2671,4155552671,+1 415 555 2671))',
    );
  });

  it('uses a lone condition as is, and skips unusable values', () => {
    expect(personCriteria({ externalId: 'abc' }, 'Ext_Key')).toBe('(Ext_Key:equals:abc)');
    expect(personCriteria({ email: ' ', externalId: 'x'.repeat(256) }, 'External_Id')).toBeUndefined();
    expect(personCriteria({}, 'External_Id')).toBeUndefined();
  });
});

describe('phones', () => {
  it('renders the forms people type', () => {
    expect(phoneRenderings('+819012345678')).toEqual([
      '+819012345678',
      '819012345678',
      '090-1234-5678',
      '09012345678',
      '+81 90 1234 5678',
      '9012345678',
    ]);
    expect(phoneRenderings('+442079460018')).toContain('020 7946 0018');
  });

  it('searches the national significant number by digits', () => {
    expect(phoneSearchDigits('+819012345678')).toBe('9012345678');
    expect(phoneSearchDigits('+14155552671')).toBe('4155552671');
  });

  it('re-checks a stored phone for exact equality, in the caller number’s country or the default region', () => {
    expect(samePhone('(415) 555-2671', '+14155552671')).toBe(true);
    expect(samePhone('415.555.2671', '+14155552671')).toBe(true);
    expect(samePhone('+1 415 555 2672', '+14155552671')).toBe(false);
    expect(samePhone('555-2671', '+14155552671')).toBe(false);
    expect(samePhone('090-1234-5678', '+819012345678')).toBe(true);
    expect(samePhone('020 7946 0018', '+442079460018')).toBe(true);
    expect(samePhone('020 7946 0018', '+14155552671', 'GB')).toBe(false);
    expect(samePhone(null, '+14155552671')).toBe(false);
  });
});

describe('toMatches: the loose search re-checked', () => {
  it('keeps only exact matches, strongest identifier first, one per contact', () => {
    const matches = toMatches(
      contacts,
      { email: 'emma.johnson@example.com', externalId: 'ext-p0000', phone: '+14155552671' },
      settings,
      links,
    );
    expect(matches.map((match) => [match.person.id, match.matchedBy])).toEqual([
      ['5725767000000524157', 'external_id'],
      // emma_johnson@… and …@example.com.au are look-alikes, but Mobile 415-555-2671 is the number.
      ['5725767000000524158', 'phone'],
    ]);
  });

  it('drops look-alike emails and prefix external ids', () => {
    expect(toMatches(contacts, { email: 'emma.johnson@example.com' }, settings, links)).toHaveLength(1);
    expect(toMatches(contacts, { externalId: 'ext-p0000x' }, settings, links).map((m) => m.person.id)).toEqual([
      '5725767000000524159',
    ]);
    expect(toMatches(contacts, { email: 'nobody@example.com' }, settings, links)).toEqual([]);
  });
});

describe('people', () => {
  it('maps a contact with unified fields and a deep link', () => {
    expect(toPerson(contacts[0], settings, links)).toEqual({
      id: '5725767000000524157',
      objectType: 'Contacts',
      name: 'Emma Johnson',
      firstName: 'Emma',
      lastName: 'Johnson',
      emails: ['emma.johnson@example.com'],
      phones: ['(415) 555-2671'],
      company: 'Acme Corp',
      locale: null,
      tier: 'VIP',
      externalId: 'ext-p0000',
      updatedAt: '2026-09-30T04:45:42.000Z',
      url: 'https://crm.zoho.com/crm/tab/Contacts/5725767000000524157',
    });
    expect(toPerson(contacts[1], settings, links)).toMatchObject({
      tier: null,
      externalId: null,
      company: null,
      phones: ['+1 415 555 2672', '415-555-2671'],
    });
  });

  it('builds upsert fields without inventing names unless asked', () => {
    expect(
      personToRecord({ email: 'a@b.co', externalId: 'e1' }, 'External_Id', { placeholderLastName: false }),
    ).toEqual({
      Email: 'a@b.co',
      External_Id: 'e1',
    });
    expect(personToRecord({ email: 'a.b@c.co' }, 'External_Id', { placeholderLastName: true })).toEqual({
      Last_Name: 'a.b',
      Email: 'a.b@c.co',
    });
    expect(personToRecord({ name: 'Ada King Lovelace', phone: '+4420' }, 'X', { placeholderLastName: true })).toEqual({
      First_Name: 'Ada',
      Last_Name: 'King Lovelace',
      Phone: '+4420',
    });
  });

  it('derives the web app from the data centre of the API domain', () => {
    expect(crmWebBase('https://www.zohoapis.com')).toBe('https://crm.zoho.com/crm');
    expect(crmWebBase('https://www.zohoapis.eu')).toBe('https://crm.zoho.eu/crm');
    expect(crmWebBase('https://zohoapis.com.au')).toBe('https://crm.zoho.com.au/crm');
    expect(crmWebBase('https://www.zohoapis.ca')).toBe('https://crm.zohocloud.ca/crm');
    expect(crmWebBase('http://127.0.0.1:4040')).toBe('http://127.0.0.1:4040/crm');
    expect(crmWebBase('https://www.zohoapis.com', 'https://crm.zoho.com/crm/org600/')).toBe(
      'https://crm.zoho.com/crm/org600',
    );
  });
});

describe('notes and their idempotency marker', () => {
  it('puts a short key verbatim and anything else as a digest, within 120 characters', () => {
    expect(noteMarkerKey('session-7f3a')).toBe('session-7f3a');
    const digest = noteMarkerKey('key with ] and spaces');
    expect(digest).toMatch(/^h\.[A-Za-z0-9_-]{24}$/);
    expect(noteMarkerKey('key with ] and spaces')).toBe(digest);
    expect(noteMarkerKey('x'.repeat(65))).toMatch(/^h\./);
    const title = markedNoteTitle('session-7f3a', 'Chat transcript '.repeat(20));
    expect(title.length).toBeLessThanOrEqual(120);
    expect(title.startsWith('[ccb:session-7f3a] Chat transcript')).toBe(true);
    expect(noteMarkerOf(title)).toBe('session-7f3a');
    expect(noteMarkerOf(markedNoteTitle('key with ] and spaces', ''))).toBe(digest);
    expect(noteMarkerOf('[ccb:] no key')).toBeUndefined();
    expect(noteMarkerOf(null)).toBeUndefined();
  });

  it('keeps surrogate pairs whole when it cuts the title', () => {
    const title = markedNoteTitle('kk', '😀'.repeat(200));
    expect(title.length).toBeLessThanOrEqual(120);
    expect(title.length).toBeGreaterThan(110);
    expect(title).not.toMatch(/[\uD800-\uDBFF]$/);
  });

  it('writes title with marker and body capped at the field size', () => {
    expect(noteRecord({ title: 'T', body: 'x'.repeat(10), idempotencyKey: 'k1' }, 5)).toEqual({
      Note_Title: '[ccb:k1] T',
      Note_Content: 'xxxxx',
    });
  });

  it('maps notes without the marker, as internal notes linked to their contact', () => {
    const [marked, plain] = notes.data.map((record) => toNote(record, links));
    expect(marked).toEqual({
      id: '5725767000000611003',
      title: 'Chat transcript 2026-09-30',
      body: 'Visitor: 注文はどこですか？\nAgent: 発送済みです。',
      author: 'Chat Bridge',
      createdAt: '2026-09-30T05:30:00.000Z',
      private: true,
      url: 'https://crm.zoho.com/crm/tab/Contacts/5725767000000524157',
    });
    expect(plain).toMatchObject({ title: null, author: 'Patricia Boyle' });
  });
});

describe('cases', () => {
  const fields = { ...settings, caseOrigin: 'Chat' };

  it('maps statuses to states and priorities both ways', () => {
    const mapped = cases.data.map((record) => toCase(record, settings.closedCaseStatuses, links));
    expect(mapped.map((item) => [item.status, item.state, item.priority])).toEqual([
      ['Escalated', 'open', 'high'],
      ['On Hold', 'pending', 'normal'],
      ['Closed', 'closed', null],
    ]);
    expect(mapped[0]).toMatchObject({ number: '1042', subject: 'Order 245-12784 not delivered' });
    expect(caseState('new', ['Closed', 'Resolved'])).toBe('open');
    expect(caseState('resolved', ['Closed', 'Resolved'])).toBe('closed');
    expect(casePriority('Low')).toBe('low');
  });

  it('writes the key into the unique field and the transcript into the description', () => {
    const record = caseRecord(
      {
        personId: '5725767000000524157',
        subject: 'S'.repeat(300),
        description: 'Customer escalated.',
        transcript: 'Visitor: hi\nAgent: hello',
        priority: 'urgent',
        idempotencyKey: 'escalation-1',
      },
      fields,
    );
    expect(record).toEqual({
      Subject: 'S'.repeat(255),
      Description: 'Customer escalated.\n\n--- Chat transcript ---\nVisitor: hi\nAgent: hello',
      Status: 'New',
      Priority: 'High',
      Case_Origin: 'Chat',
      Related_To: { id: '5725767000000524157' },
      Chat_Session_Key: 'escalation-1',
    });
    expect(caseKeyValue('k'.repeat(101))).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(caseDescription({ description: 'd', transcript: 'x'.repeat(40_000) }).length).toBeLessThanOrEqual(32_000);
  });
});

describe('orders', () => {
  it('maps sales orders with their Ordered_Items subform', () => {
    const [first, second] = orders.data.map((record) => toOrder(record, links));
    expect(first).toEqual({
      id: '5725767000000830001',
      number: '245-12784',
      status: 'Shipped',
      total: 170,
      currency: 'USD',
      placedAt: '2026-09-20T10:00:00.000Z',
      items: [
        { sku: null, name: 'Mechanical Keyboard', quantity: 1, unitPrice: 120 },
        { sku: null, name: 'Wireless Mouse', quantity: 2, unitPrice: 25 },
      ],
      url: 'https://crm.zoho.com/crm/tab/SalesOrders/5725767000000830001',
    });
    expect(second).toMatchObject({ number: 'Order 10023', total: null, currency: null, items: [] });
  });
});

describe('change cursor', () => {
  const t0 = Date.parse('2026-10-01T00:00:00Z');

  it('round-trips and refuses junk', () => {
    const cursor = startCursor(t0);
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(cursor.modules.Contacts.since).toBe('2026-10-01T00:00:00+00:00');
    expect(decodeCursor('not-a-cursor')).toBeUndefined();
    expect(decodeCursor(Buffer.from('{"v":2}').toString('base64url'))).toBeUndefined();
  });

  it('re-reads the cursor second while it may still change, then starts after it', () => {
    const cursor = { since: zohoTime(t0), ids: ['1'] };
    expect(scanFrom(cursor, t0 + 1000)).toBe('2026-09-30T23:59:59+00:00');
    expect(scanFrom(cursor, t0 + SECOND_SETTLES_MS + 1)).toBe('2026-10-01T00:00:00+00:00');
  });

  it('returns each record once across pages that overlap on one second', () => {
    const at = (second: number) => zohoTime(t0 + second * 1000);
    const page1 = [
      { id: '1', Modified_Time: at(0) },
      { id: '2', Modified_Time: at(1) },
      { id: '3', Modified_Time: at(1) },
    ];
    const first = advanceCursor({ since: at(0), ids: ['1'] }, page1);
    expect(first.fresh.map((record) => record.id)).toEqual(['2', '3']);
    expect(first.cursor).toEqual({ since: at(1), ids: ['2', '3'] });
    // The next scan starts a second earlier: 2 and 3 again, plus a change within that second and a later one.
    const page2 = [
      { id: '2', Modified_Time: at(1) },
      { id: '3', Modified_Time: at(1) },
      { id: '4', Modified_Time: at(1) },
      { id: '2', Modified_Time: at(2) },
    ];
    const second = advanceCursor(first.cursor, page2);
    expect(second.fresh.map((record) => `${record.id}@${record.Modified_Time}`)).toEqual([`4@${at(1)}`, `2@${at(2)}`]);
    expect(second.cursor).toEqual({ since: at(2), ids: ['2'] });
    expect(advanceCursor(second.cursor, page2).fresh).toEqual([]);
  });

  it('turns changed cases into case.updated / case.solved with their contact', () => {
    expect(caseChange(cases.data[0], settings)).toEqual({
      kind: 'case.updated',
      recordId: '5725767000000720011',
      personId: '5725767000000524157',
      occurredAt: '2026-09-30T12:05:00.000Z',
      eventId: 'Cases:5725767000000720011:2026-09-30T12:05:00.000Z',
      summary: 'Escalated',
      caseState: 'open',
    });
    expect(caseChange(cases.data[2], settings).kind).toBe('case.solved');
    expect(caseChange(cases.data[2], settings).caseState).toBe('solved');
  });
});

describe('notifications', () => {
  it('recognises a callback body', () => {
    expect(isNotification(notifications.contactsInsert)).toBe(true);
    expect(isNotification({ module: 'Contacts' })).toBe(false);
    expect(isNotification([])).toBe(false);
  });

  it('maps contact inserts to person.changed per id', () => {
    const events = notificationEvents(notifications.contactsInsert, ['Closed'], 0);
    expect(events).toEqual([
      {
        kind: 'person.changed',
        recordId: '5725767000000524157',
        personId: '5725767000000524157',
        occurredAt: new Date(1790000000123).toISOString(),
        eventId: 'zoho:1000000068001:Contacts:insert:5725767000000524157:1790000000123',
        summary: null,
      },
      expect.objectContaining({ recordId: '5725767000000524158' }),
    ]);
  });

  it('uses affected values to tell a closed case, and ignores other modules', () => {
    const events = notificationEvents(notifications.casesUpdate, ['Closed'], 0);
    expect(events.map((event) => [event.kind, event.recordId, event.summary])).toEqual([
      ['case.solved', '5725767000000720011', 'Closed'],
      ['case.updated', '5725767000000720010', null],
    ]);
    expect(notificationEvents(notifications.accountsDelete, ['Closed'], 0)).toEqual([]);
    expect(
      notificationEvents({ ...notifications.contactsInsert, ids: ['1 OR 1', 42] }, ['Closed'], 0).map(
        (e) => e.recordId,
      ),
    ).toEqual(['42']);
  });
});
