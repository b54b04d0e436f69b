import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookRejectedError } from '../connector.errors';
import { salesforceSettingsSchema } from './salesforce.descriptor';
import {
  OUTBOUND_ACK,
  advance,
  caseRecord,
  caseState,
  changesSoql,
  clip,
  contactWrite,
  decodeCursor,
  encodeCursor,
  externalKeyValue,
  findPeopleSoql,
  fromCasePriority,
  matchedBy,
  nameParts,
  notesSoql,
  ordersSoql,
  outboundEvents,
  parseOutboundMessage,
  parseXml,
  phoneRenderings,
  samePhone,
  soqlDateTime,
  soqlIn,
  soqlString,
  taskRecord,
  toCase,
  toChangeEvent,
  toIso,
  toNotes,
  toOrder,
  toPerson,
  type SfRecord,
} from './salesforce.mapper';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(__dirname, '__fixtures__', name), 'utf8')) as T;
const xml = (name: string): string => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
const records = (name: string): SfRecord[] => fixture<{ records: SfRecord[] }>(name).records;

const settings = salesforceSettingsSchema.parse({ multiCurrency: true });
const INSTANCE = 'https://acme.my.salesforce.com';

describe('soqlString (the one escaping helper)', () => {
  it.each([
    ['plain@example.com', "'plain@example.com'"],
    ["o'brien@example.com", "'o\\'brien@example.com'"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\' OR Id != '", "'\\\\\\' OR Id != \\''"],
    ['"quoted"', '\'\\"quoted\\"\''],
    ['line\nbreak\ttab\rcr', "'line\\nbreak\\ttab\\rcr'"],
    ['percent%_under', "'percent%_under'"],
    ['名前@例え.jp', "'名前@例え.jp'"],
  ])('%p → %p', (value, literal) => {
    expect(soqlString(value)).toBe(literal);
  });

  it('escapes LIKE wildcards only when asked', () => {
    expect(soqlString('50%_off', { like: true })).toBe("'50\\%\\_off'");
    expect(soqlString("it's 50%", { like: true })).toBe("'it\\'s 50\\%'");
  });

  it('never lets a value close the literal: the only unescaped quote is the closing one', () => {
    for (const hostile of ["'", "\\'", "\\\\'", "a' OR '1'='1", 'x\\', "'; DELETE", "\\\\\\'"]) {
      const literal = soqlString(hostile);
      const inner = literal.slice(1, -1);
      // Walk the escapes: every quote inside must be preceded by an odd run of backslashes.
      let i = 0;
      while (i < inner.length) {
        if (inner[i] === '\\') {
          i += 2;
          continue;
        }
        expect(inner[i]).not.toBe("'");
        i += 1;
      }
      expect(i).toBe(inner.length);
    }
  });

  it('builds IN lists and datetime literals', () => {
    expect(soqlIn(["a'b", 'c'])).toBe("('a\\'b', 'c')");
    expect(soqlDateTime(Date.parse('2026-11-22T10:00:00.000Z'))).toBe('2026-11-22T10:00:00Z');
    expect(soqlDateTime(Date.parse('2026-11-22T10:00:00.123Z'))).toBe('2026-11-22T10:00:00.123Z');
  });
});

describe('phones', () => {
  it('renders an E.164 number the ways people store it', () => {
    expect(phoneRenderings('+14155552671')).toEqual(
      expect.arrayContaining([
        '+14155552671',
        '(415) 555-2671',
        '415-555-2671',
        '4155552671',
        '+1 415 555 2671',
        '1-415-555-2671',
      ]),
    );
    expect(phoneRenderings('+819012345678')).toEqual(
      expect.arrayContaining(['+819012345678', '090-1234-5678', '09012345678', '+81 90 1234 5678', '+81-90-1234-5678']),
    );
    expect(phoneRenderings('+442079460018')).toEqual(
      expect.arrayContaining(['020 7946 0018', '+44 20 7946 0018', '+44 (0)20 7946 0018', '00442079460018']),
    );
    expect(phoneRenderings('not a phone')).toEqual([]);
    expect(phoneRenderings('+1415555267')).toEqual(['+1415555267', '1415555267']);
  });

  it('re-checks a stored value for exact equality, reading national forms in the number’s country', () => {
    expect(samePhone('090-1234-5678', '+819012345678')).toBe(true);
    expect(samePhone('(415) 555-2671', '+14155552671')).toBe(true);
    expect(samePhone('+1 (415) 555-2671', '+14155552671')).toBe(true);
    expect(samePhone('(415) 555-2672', '+14155552671')).toBe(false);
    // The same national digits in another country are another number.
    expect(samePhone('090-1234-5678', '+19012345678')).toBe(false);
    expect(samePhone(null, '+14155552671')).toBe(false);
    expect(samePhone('', '+14155552671')).toBe(false);
  });
});

describe('findPeople query and re-check', () => {
  it('puts every identifier in one escaped query', () => {
    const soql = findPeopleSoql(
      settings,
      { email: "o'brien@example.com", externalId: 'ext-1', phone: '+14155552671' },
      50,
    );
    expect(soql).toContain("Email = 'o\\'brien@example.com'");
    expect(soql).toContain("External_Id__c = 'ext-1'");
    expect(soql).toMatch(/Phone IN \('\+14155552671', '\(415\) 555-2671'/);
    expect(soql).toMatch(/MobilePhone IN \(/);
    expect(soql).toMatch(/FROM Contact WHERE .* ORDER BY LastModifiedDate DESC LIMIT 50$/);
    expect(findPeopleSoql(settings, {}, 50)).toBeNull();
    expect(findPeopleSoql(settings, { phone: 'garbage' }, 50)).toBeNull();
  });

  it('tags each record with the strongest identifier that really matches it', () => {
    const [yuki, sam, emma, samDuplicate] = records('query-contacts.json') as [SfRecord, SfRecord, SfRecord, SfRecord];
    expect(matchedBy(emma, settings, { email: 'emma.johnson@example.com', externalId: 'EXT-P0000' })).toBe(
      'external_id',
    );
    expect(matchedBy(emma, settings, { email: 'emma.johnson@example.com' })).toBe('email');
    expect(matchedBy(yuki, settings, { phone: '+819012345678' })).toBe('phone');
    expect(matchedBy(samDuplicate, settings, { phone: '+442079460099' })).toBe('phone');
    expect(matchedBy(sam, settings, { phone: '+442079460099' })).toBeNull();
    expect(matchedBy(emma, settings, { email: 'emma.johnson@example.co' })).toBeNull();
  });

  it('maps a Contact onto CrmPerson', () => {
    const [yuki] = records('query-contacts.json') as [SfRecord];
    expect(toPerson(yuki, settings, INSTANCE)).toEqual({
      id: '0035g000000000HAAQ',
      objectType: 'Contact',
      // Contact.Name says "雪 田中" (en_US user locale); a Japanese name is shown family name first.
      name: '田中 雪',
      firstName: '雪',
      lastName: '田中',
      emails: ['tanaka.yuki@example.jp'],
      phones: ['090-1234-5678'],
      company: '株式会社サクラ',
      locale: null,
      tier: 'Gold',
      externalId: 'ext-p0001',
      updatedAt: '2026-09-29T00:00:00.000Z',
      url: `${INSTANCE}/0035g000000000HAAQ`,
    });
    const noTier = salesforceSettingsSchema.parse({ tierField: null });
    expect(toPerson(yuki, noTier, INSTANCE).tier).toBeNull();
    const [, , emma] = records('query-contacts.json') as [SfRecord, SfRecord, SfRecord];
    expect(toPerson(emma, settings, INSTANCE).name).toBe(emma.Name);
  });
});

describe('writes', () => {
  it('sends only the person fields the caller knows', () => {
    expect(contactWrite({ email: 'a@b.c' }, { includeEmail: true })).toEqual({ Email: 'a@b.c' });
    expect(contactWrite({ name: 'Ada Byron King', phone: '+14155552671' }, { includeEmail: true })).toEqual({
      FirstName: 'Ada Byron',
      LastName: 'King',
      Phone: '+14155552671',
    });
    expect(nameParts({ name: '田中雪' })).toEqual({ lastName: '田中雪' });
    expect(nameParts({ firstName: 'Ada', name: 'ignored' })).toEqual({ firstName: 'Ada' });
  });

  it('keeps safe idempotency keys and hashes the rest into a URL- and case-safe value', () => {
    expect(externalKeyValue('session-123e4567-e89b-12d3-a456-426614174000')).toBe(
      'session-123e4567-e89b-12d3-a456-426614174000',
    );
    expect(externalKeyValue('ws:conv:42')).toBe('ws:conv:42');
    const hashed = externalKeyValue('conv?x=1');
    expect(hashed).toMatch(/^k-[0-9a-f]{64}$/);
    expect(externalKeyValue('conv?x=1')).toBe(hashed);
    expect(externalKeyValue('conv')).toBe('conv');
    expect(externalKeyValue('Conv-A')).not.toBe(externalKeyValue('conv-a'));
    for (const key of ['a/b', 'a.xml', '%2F', 'x y', 'é', 'x'.repeat(201)]) {
      expect(externalKeyValue(key)).toMatch(/^k-[0-9a-f]{64}$/);
    }
  });

  it('builds the Task and the Case, clipped to the field sizes', () => {
    expect(
      taskRecord({
        personId: '0035g0000000004AAA',
        title: 'T'.repeat(300),
        body: 'B',
        internal: true,
        idempotencyKey: 'k',
      }),
    ).toEqual({
      Subject: expect.stringMatching(/^T+…$/) as unknown,
      Description: 'B',
      WhoId: '0035g0000000004AAA',
      Status: 'Completed',
      Type: 'Chat',
    });
    const record = caseRecord({
      personId: '0035g0000000004AAA',
      subject: 'Order late',
      description: 'Escalated.',
      priority: 'urgent',
      transcript: 'Visitor: where?',
      idempotencyKey: 'e-1',
    });
    expect(record).toEqual({
      ContactId: '0035g0000000004AAA',
      Subject: 'Order late',
      Description: 'Escalated.\n\n--- Chat transcript ---\nVisitor: where?',
      Priority: 'High',
      Origin: 'Chat',
    });
    expect(
      caseRecord({ personId: 'x', subject: 's', description: 'd', priority: 'normal', idempotencyKey: 'k' }).Priority,
    ).toBe('Medium');
  });

  it('clips at a character boundary and marks the cut', () => {
    expect(clip('short', 10)).toBe('short');
    const long = clip('x'.repeat(40_000), 32_000);
    expect(long).toHaveLength(32_000);
    expect(long.endsWith('…[truncated]')).toBe(true);
    const emoji = clip(`${'a'.repeat(31_986)}😀😀😀😀😀😀`, 32_000);
    expect(emoji.length).toBeLessThanOrEqual(32_000);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(emoji)).toBe(false);
  });
});

describe('related records', () => {
  it('maps Orders with their OrderItems', () => {
    const [first] = records('query-orders.json').map((record) => toOrder(record, settings, INSTANCE));
    expect(first).toEqual({
      id: '8015g0000000005AAA',
      number: '245-12784',
      status: 'Shipped',
      total: 170,
      currency: 'USD',
      placedAt: '2026-09-20',
      items: [
        { sku: 'SKU-200', name: 'Mechanical Keyboard', quantity: 1, unitPrice: 120 },
        { sku: 'SKU-100', name: 'Wireless Mouse', quantity: 2, unitPrice: 25 },
      ],
      url: `${INSTANCE}/8015g0000000005AAA`,
    });
    const single = salesforceSettingsSchema.parse({ defaultCurrency: 'EUR' });
    expect(toOrder(records('query-orders.json')[0], single, INSTANCE).currency).toBe('EUR');
    expect(ordersSoql(single, '0035g0000000004AAA', 20)).not.toContain('CurrencyIsoCode');
    expect(ordersSoql(settings, '0035g0000000004AAA', 20)).toContain(
      "FROM Order WHERE BillToContactId = '0035g0000000004AAA' ORDER BY EffectiveDate DESC",
    );
  });

  it('merges Notes and Tasks newest first', () => {
    const notes = toNotes(records('query-notes.json')[0], INSTANCE, 10);
    expect(notes.map((note) => [note.title, note.author, note.private])).toEqual([
      ['Chat transcript', 'Integration User', true],
      ['Customer prefers email follow-up.', 'Bob Support', true],
    ]);
    expect(notes[0]).toMatchObject({ body: 'Visitor: hi', createdAt: '2026-11-22T11:35:55.116Z' });
    expect(toNotes(records('query-notes.json')[0], INSTANCE, 1)).toHaveLength(1);
    expect(toNotes(undefined, INSTANCE, 10)).toEqual([]);
    expect(notesSoql('0035g0000000004AAA', 5)).toContain("FROM Contact WHERE Id = '0035g0000000004AAA'");
  });

  it('maps Cases, their state and priority', () => {
    const cases = records('query-cases.json').map((record) => toCase(record, INSTANCE));
    expect(cases[0]).toMatchObject({ number: '00001001', status: 'Closed', state: 'closed', priority: 'normal' });
    expect(cases[1]).toMatchObject({ status: 'Waiting on Customer', state: 'pending' });
    expect(caseState('New', false)).toBe('open');
    expect(caseState('Resolved', true)).toBe('solved');
    expect(fromCasePriority('High')).toBe('high');
    expect(fromCasePriority('Low')).toBe('low');
    expect(fromCasePriority('Critical')).toBe('urgent');
    expect(fromCasePriority('Whatever')).toBeNull();
  });
});

describe('change cursor', () => {
  it('round-trips and refuses anything it did not write', () => {
    const cursor = {
      v: 1,
      contact: { t: 1_700_000_000_000, id: '' },
      case: { t: 5, id: '5005g000000000FAAQ' },
    } as const;
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor('garbage')).toBeNull();
    const forged = Buffer.from(
      JSON.stringify({ v: 1, contact: { t: 0, id: "x' OR Id != '" }, case: { t: 0, id: '' } }),
    ).toString('base64url');
    expect(decodeCursor(forged)).toBeNull();
  });

  it('continues after the last (SystemModstamp, Id), including ties', () => {
    const start = { t: Date.parse('2026-06-25T00:00:00Z'), id: '' };
    expect(changesSoql('Contact', start, 200)).toBe(
      'SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp >= 2026-06-25T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC LIMIT 200',
    );
    const rows = records('query-changes-contact.json');
    const next = advance(start, rows);
    expect(next).toEqual({ t: Date.parse('2026-08-27T00:00:00Z'), id: '0035g000000000ZAAQ' });
    expect(changesSoql('Case', next, 200)).toBe(
      'SELECT Id, SystemModstamp, Status, IsClosed, ContactId FROM Case WHERE SystemModstamp > 2026-08-27T00:00:00Z OR ' +
        "(SystemModstamp = 2026-08-27T00:00:00Z AND Id > '0035g000000000ZAAQ') ORDER BY SystemModstamp ASC, Id ASC LIMIT 200",
    );
    expect(advance(next, [])).toBe(next);
  });

  it('turns rows into change events', () => {
    const [contact] = records('query-changes-contact.json') as [SfRecord];
    expect(toChangeEvent('Contact', contact)).toEqual({
      kind: 'person.changed',
      recordId: '0035g000000000QAAQ',
      personId: '0035g000000000QAAQ',
      occurredAt: '2026-06-25T00:00:00.000Z',
      eventId: 'Contact:0035g000000000QAAQ:2026-06-25T00:00:00.000Z',
      summary: null,
    });
    const kinds = records('query-changes-case.json').map((record) => [
      toChangeEvent('Case', record).kind,
      record.IsClosed,
    ]);
    for (const [kind, closed] of kinds) {
      expect(kind).toBe(closed ? 'case.solved' : 'case.updated');
    }
  });

  it('reads Salesforce datetimes', () => {
    expect(toIso('2026-01-01T00:00:00.000+0000')).toBe('2026-01-01T00:00:00.000Z');
    expect(toIso('2026-01-01T09:00:00.000+0900')).toBe('2026-01-01T00:00:00.000Z');
    expect(toIso('2026-01-01')).toBe('2026-01-01');
    expect(toIso('nonsense')).toBeNull();
    expect(toIso(null)).toBeNull();
  });
});

describe('Outbound Messages', () => {
  it('parses a Contact notification', () => {
    const message = parseOutboundMessage(xml('outbound-contact.xml'));
    expect(message).toEqual({
      organizationId: '00D5g0000000001EAA',
      actionId: '04k5g0000000001AAA',
      notifications: [
        {
          id: '04l5g0000000001AAA',
          object: 'Contact',
          fields: {
            Id: '0035g0000000004AAA',
            FirstName: 'Emma',
            LastName: "O'Neil & Sons",
            Email: 'emma.johnson@example.com',
            LastModifiedDate: '2026-11-22T10:00:00.000Z',
          },
        },
      ],
    });
    expect(outboundEvents(message, new Date(0))).toEqual([
      {
        kind: 'person.changed',
        recordId: '0035g0000000004AAA',
        personId: '0035g0000000004AAA',
        occurredAt: '2026-11-22T10:00:00.000Z',
        eventId: '04l5g0000000001AAA',
        summary: null,
      },
    ]);
  });

  it('maps Case notifications (closed → solved), ignores other objects, reads CDATA and nil', () => {
    const message = parseOutboundMessage(xml('outbound-case.xml'));
    expect(message.notifications[0]?.fields.Subject).toBe('Refund <request>');
    expect(message.notifications[1]?.fields.ContactId).toBeNull();
    expect(outboundEvents(message, new Date('2026-11-22T11:00:00Z'))).toEqual([
      {
        kind: 'case.solved',
        recordId: '5005g000000000FAAQ',
        personId: '0035g0000000004AAA',
        occurredAt: '2026-11-22T10:05:00.000Z',
        eventId: '04l5g0000000002AAA',
        summary: 'Closed',
        caseState: 'solved',
      },
      {
        kind: 'case.updated',
        recordId: '5005g000000000NAAQ',
        personId: null,
        occurredAt: '2026-11-22T11:00:00.000Z',
        eventId: '04l5g0000000003AAA',
        summary: 'Waiting on Customer',
        // Not closed: a case reopened in Salesforce is open again in the service.
        caseState: 'open',
      },
    ]);
  });

  it.each([
    ['empty', ''],
    ['JSON', '{"OrganizationId":"00D5g0000000001EAA"}'],
    ['DOCTYPE (entity expansion)', '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'],
    ['unknown entity', '<soapenv:Envelope><soapenv:Body>&xxe;</soapenv:Body></soapenv:Envelope>'],
    ['unbalanced', '<a><b></a>'],
    ['two roots', '<a/><b/>'],
    ['no OrganizationId', '<Envelope><Body><notifications></notifications></Body></Envelope>'],
    ['truncated', xml('outbound-contact.xml').slice(0, 400)],
  ])('rejects %s as malformed', (_name, body) => {
    expect(() => parseOutboundMessage(body)).toThrow(WebhookRejectedError);
    try {
      parseOutboundMessage(body);
    } catch (error) {
      expect((error as WebhookRejectedError).reason).toBe('malformed');
    }
  });

  it('parses attributes with entities and the ack it must answer is well-formed', () => {
    expect(parseXml('<a x="1 &amp; 2" y=\'&#65;\'>t&#x42;</a>')).toMatchObject({
      name: 'a',
      attributes: { x: '1 & 2', y: 'A' },
      text: 'tB',
    });
    expect(parseXml(OUTBOUND_ACK).name).toBe('Envelope');
  });
});

describe('collections and upsert fixtures', () => {
  it('have the documented shapes the connector reads', () => {
    const upsert = fixture<{
      created: { status: number; body: { created: boolean } };
      updated: { status: number; body: { created: boolean } };
    }>('upsert-task.json');
    expect(upsert.created).toMatchObject({ status: 201, body: { created: true } });
    expect(upsert.updated).toMatchObject({ status: 200, body: { created: false } });
    const results =
      fixture<Array<{ success: boolean; errors: Array<{ statusCode: string }> }>>('collections-upsert-task.json');
    expect(results.map((result) => result.success)).toEqual([true, true, false, true]);
    expect(results[2]?.errors[0]?.statusCode).toBe('UNABLE_TO_LOCK_ROW');
  });
});
