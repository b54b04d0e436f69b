import { SoqlExecutor } from './soql-executor';
import { SoqlError, parseSoql, tokenize, type Condition, type SoqlQuery } from './soql';
import { OrgStore } from './store';

/** Escapes a value the way a careful client (jsforce's SOQL builder) does before putting it in quotes. */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function where(soql: string): Condition {
  const query = parseSoql(soql);
  if (!query.where) {
    throw new Error('no WHERE');
  }
  return query.where;
}

function parseError(soql: string): SoqlError {
  try {
    parseSoql(soql);
  } catch (error) {
    if (error instanceof SoqlError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected a SoqlError for: ${soql}`);
}

describe('SOQL tokenizer and parser', () => {
  it('parses the select list, relationship paths, subqueries and COUNT()', () => {
    const query = parseSoql(
      'SELECT Id, Account.Name, (SELECT Id, Product2.Name FROM OrderItems ORDER BY Quantity DESC LIMIT 5) FROM Order',
    );
    expect(query.from.name).toBe('Order');
    expect(query.select[0]).toMatchObject({ kind: 'field', path: { parts: ['Id'] } });
    expect(query.select[1]).toMatchObject({ kind: 'field', path: { parts: ['Account', 'Name'] } });
    const sub = query.select[2] as Extract<SoqlQuery['select'][number], { kind: 'subquery' }>;
    expect(sub.kind).toBe('subquery');
    expect(sub.query.from.name).toBe('OrderItems');
    expect(sub.query.orderBy).toEqual([expect.objectContaining({ direction: 'DESC', nulls: 'LAST' })]);
    expect(sub.query.limit).toBe(5);
    expect(parseSoql('select count() from contact').select).toEqual([expect.objectContaining({ kind: 'count' })]);
  });

  it('is case-insensitive for keywords and keeps clause order', () => {
    const query = parseSoql(
      "select id from Contact where email = 'A@B.C' order by LastName asc nulls last, CreatedDate desc limit 10 offset 20",
    );
    expect(query.where).toMatchObject({ kind: 'compare', op: '=', value: { kind: 'string', value: 'A@B.C' } });
    expect(query.orderBy).toEqual([
      expect.objectContaining({
        field: expect.objectContaining({ parts: ['LastName'] }),
        direction: 'ASC',
        nulls: 'LAST',
      }),
      expect.objectContaining({
        field: expect.objectContaining({ parts: ['CreatedDate'] }),
        direction: 'DESC',
        nulls: 'LAST',
      }),
    ]);
    expect(query.limit).toBe(10);
    expect(query.offset).toBe(20);
  });

  it('reads every literal kind', () => {
    const cond = where(
      "SELECT Id FROM Contact WHERE (Name IN ('a', 'b') AND Amount >= -12.5 AND IsDeleted = FALSE AND Email != null AND CreatedDate > 2024-01-01T00:00:00Z AND ActivityDate <= 2024-02-29 AND SystemModstamp < 2024-01-01T09:30:00.123+09:00)",
    );
    expect(cond.kind).toBe('and');
    const operands = (cond as { operands: Condition[] }).operands;
    expect(operands[0]).toMatchObject({ kind: 'in', negated: false, values: [{ value: 'a' }, { value: 'b' }] });
    expect(operands[1]).toMatchObject({ op: '>=', value: { kind: 'number', value: -12.5 } });
    expect(operands[2]).toMatchObject({ value: { kind: 'boolean', value: false } });
    expect(operands[3]).toMatchObject({ op: '!=', value: { kind: 'null' } });
    expect(operands[4]).toMatchObject({ value: { kind: 'datetime', ms: Date.parse('2024-01-01T00:00:00Z') } });
    expect(operands[5]).toMatchObject({ value: { kind: 'date', value: '2024-02-29' } });
    expect(operands[6]).toMatchObject({ value: { kind: 'datetime', ms: Date.parse('2024-01-01T00:30:00.123Z') } });
  });

  it('supports NOT, NOT IN, <> and nested parentheses', () => {
    expect(where("SELECT Id FROM Contact WHERE NOT (Email = 'a' OR Email = 'b')")).toMatchObject({
      kind: 'not',
      operand: { kind: 'or' },
    });
    expect(where("SELECT Id FROM Contact WHERE Email NOT IN ('a')")).toMatchObject({ kind: 'in', negated: true });
    expect(where("SELECT Id FROM Contact WHERE Email <> 'a'")).toMatchObject({ kind: 'compare', op: '!=' });
    expect(where("SELECT Id FROM Contact WHERE ((Email = 'a') AND (NOT Phone = 'b'))")).toMatchObject({ kind: 'and' });
  });

  it('decodes every Salesforce escape sequence', () => {
    const cond = where(String.raw`SELECT Id FROM Contact WHERE Name = 'a\'b\"c\\d\ne\rf\tg\bh\fi\_j\%k\u00e9'`);
    expect(cond).toMatchObject({ value: { kind: 'string', value: 'a\'b"c\\d\ne\rf\tg\bh\fi_j%k\u00e9' } });
  });

  it.each([
    ["' OR Name != '", 'injection that closes the quote'],
    ["x') OR (Name != 'y", 'injection that closes a parenthesis'],
    ['\\', 'a lone backslash'],
    ["\\' OR Id != null OR Name = \\'", 'backslash before the quote'],
    ['a, b), (c', 'commas and parentheses'],
    ["o'brien+test@example.com", 'an apostrophe in an email'],
    ['田中 雪 🌸', 'unicode and emoji'],
    ['100% _done_', 'LIKE wildcards'],
    ['line1\nline2\t"quoted"', 'control characters and double quotes'],
    ["' LIMIT 1 --", 'trailing clause'],
  ])('keeps %j literal (%s)', (hostile) => {
    const query = parseSoql(`SELECT Id, Name FROM Contact WHERE Name = ${quote(hostile)} AND Email != null LIMIT 5`);
    expect(query.where).toMatchObject({
      kind: 'and',
      operands: [
        { kind: 'compare', op: '=', value: { kind: 'string', value: hostile } },
        { kind: 'compare', op: '!=' },
      ],
    });
    expect(query.limit).toBe(5);
  });

  it('rejects the same hostile strings when they are NOT escaped', () => {
    expect(parseError("SELECT Id FROM Contact WHERE Name = '' OR Name != '' AND Email = 'x'").errorCode).toBe(
      'MALFORMED_QUERY',
    );
    expect(parseError("SELECT Id FROM Contact WHERE Name = 'it's'").errorCode).toBe('MALFORMED_QUERY');
    expect(parseError("SELECT Id FROM Contact WHERE Name = 'a\\'").errorCode).toBe('MALFORMED_QUERY');
  });

  it('refuses to mix AND and OR without parentheses', () => {
    const error = parseError("SELECT Id FROM Contact WHERE Email = 'a' AND Phone = 'b' OR Name = 'c'");
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.detail).toBe('unexpected token: OR');
  });

  it.each([
    ['SELECT FROM Contact', 'FROM'],
    ['SELECT Id FROM', '<EOF>'],
    ['SELECT Id Contact', 'Contact'],
    ['SELECT Id, FROM Contact', 'FROM'],
    ["SELECT Id FROM Contact WHERE Email = 'a' LIMT 1", 'LIMT'],
    ['SELECT Id FROM Contact WHERE', '<EOF>'],
    ['SELECT Id FROM Contact WHERE Email IN ()', ')'],
    ['SELECT Id FROM Contact LIMIT -1', '-1'],
    ['SELECT Id FROM Contact LIMIT 1.5', '1.5'],
    ['SELECT Id FROM Contact ORDER BY', '<EOF>'],
    ['SELECT Id FROM Contact WHERE Email = ', '<EOF>'],
    ["SELECT Id FROM Contact WHERE (Email = 'a'", '<EOF>'],
    ["SELECT Id FROM Contact WHERE Email = 'a')", ')'],
  ])('rejects %j as MALFORMED_QUERY at the offending token', (soql, token) => {
    const error = parseError(soql);
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.detail).toBe(`unexpected token: ${token}`);
  });

  it('rejects unterminated strings, illegal escapes, bad characters and impossible dates', () => {
    expect(parseError("SELECT Id FROM Contact WHERE Name = 'abc").errorCode).toBe('MALFORMED_QUERY');
    expect(parseError("SELECT Id FROM Contact WHERE Name = 'a\\qb'").detail).toContain(
      "Illegal character sequence '\\q'",
    );
    expect(parseError('SELECT Id FROM Contact WHERE Name = :name').errorCode).toBe('MALFORMED_QUERY');
    expect(parseError('SELECT Id FROM Contact WHERE CreatedDate > 2024-02-30T00:00:00Z').errorCode).toBe(
      'MALFORMED_QUERY',
    );
    expect(parseError('SELECT Id FROM Contact WHERE ActivityDate = 2023-02-29').errorCode).toBe('MALFORMED_QUERY');
  });

  it('formats errors like Salesforce: line, caret, row and column', () => {
    const soql = "SELECT Id\nFROM Contact\nWHERE Email = 'a' LIMT 1";
    const error = parseError(soql);
    expect(error.pos).toMatchObject({ row: 3, column: 19 });
    expect(error.format(soql)).toBe(
      "\nWHERE Email = 'a' LIMT 1\n                  ^\nERROR at Row:3:Column:19\nunexpected token: LIMT",
    );
  });

  it('reads relative date literals, including the parameterised ones', () => {
    expect(where('SELECT Id FROM Task WHERE ActivityDate = TODAY')).toMatchObject({
      value: { kind: 'dateLiteral', name: 'TODAY' },
    });
    expect(where('SELECT Id FROM Task WHERE CreatedDate >= last_n_days:30')).toMatchObject({
      value: { kind: 'dateLiteral', name: 'LAST_N_DAYS', n: 30 },
    });
    expect(parseError('SELECT Id FROM Task WHERE CreatedDate = LAST_N_DAYS').errorCode).toBe('MALFORMED_QUERY');
    expect(parseError('SELECT Id FROM Task WHERE CreatedDate = LAST_N_DAYS:x').errorCode).toBe('MALFORMED_QUERY');
  });

  it('records token positions across lines', () => {
    const tokens = tokenize('SELECT\r\n  Id FROM\n Contact');
    expect(tokens.map((t) => [t.text, t.pos.row, t.pos.column])).toEqual([
      ['SELECT', 1, 1],
      ['Id', 2, 3],
      ['FROM', 2, 6],
      ['Contact', 3, 2],
      ['<EOF>', 3, 9],
    ]);
  });
});

describe('SOQL execution against the store', () => {
  const store = new OrgStore({ onWrite: () => undefined }, { duplicateRule: 'off' });
  const tricky = [
    "' OR Name != '",
    "x') OR (LastName != 'y",
    '\\',
    "\\' OR Id != null OR LastName = \\'",
    '100% _done_',
    '田中',
    'plain',
  ];
  const account = store.create('Account', { Name: 'Acme' });
  for (const lastName of tricky) {
    store.create('Contact', {
      LastName: lastName,
      AccountId: account.Id,
      Email: `${tricky.indexOf(lastName)}@example.com`,
    });
  }
  store.create('Contact', { LastName: 'Nobody', FirstName: 'No', Email: null });
  const exec = (soql: string): Array<Record<string, unknown>> =>
    new SoqlExecutor(store, '62.0').execute(parseSoql(soql), false).records;

  it.each(tricky)('an escaped %j matches exactly one record', (lastName) => {
    const rows = exec(`SELECT Id, LastName FROM Contact WHERE LastName = ${quote(lastName)}`);
    expect(rows.map((r) => r.LastName)).toEqual([lastName]);
  });

  it('treats escaped LIKE wildcards literally and unescaped ones as wildcards', () => {
    expect(
      exec(String.raw`SELECT LastName FROM Contact WHERE LastName LIKE '100\% \_done\_'`).map((r) => r.LastName),
    ).toEqual(['100% _done_']);
    expect(exec(String.raw`SELECT LastName FROM Contact WHERE LastName LIKE '100\%%'`)).toHaveLength(1);
    expect(exec(String.raw`SELECT LastName FROM Contact WHERE LastName LIKE '\%%'`)).toHaveLength(0);
    expect(exec("SELECT LastName FROM Contact WHERE LastName LIKE 'PLA_N'").map((r) => r.LastName)).toEqual(['plain']);
    expect(exec("SELECT LastName FROM Contact WHERE LastName LIKE '%.%'")).toHaveLength(0);
  });

  it('compares strings case-insensitively and treats null as a value', () => {
    expect(exec("SELECT Id FROM Contact WHERE LastName = 'PLAIN'")).toHaveLength(1);
    expect(exec('SELECT Id FROM Contact WHERE Email = null').map((r) => r.Id)).toHaveLength(1);
    // SOQL's != keeps records whose field is null.
    expect(exec("SELECT Id FROM Contact WHERE Email != '0@example.com'")).toHaveLength(tricky.length);
    expect(exec("SELECT Id FROM Contact WHERE Email NOT IN ('0@example.com', '1@example.com')")).toHaveLength(
      tricky.length - 1,
    );
  });

  it('sorts with SOQL null ordering and shapes parent relationships', () => {
    const rows = exec('SELECT LastName, Email, Account.Name FROM Contact ORDER BY Email ASC LIMIT 2');
    expect(rows[0]).toMatchObject({ LastName: 'Nobody', Email: null, Account: null });
    expect(rows[1]).toMatchObject({
      Email: '0@example.com',
      Account: { attributes: { type: 'Account' }, Name: 'Acme' },
    });
    const last = exec('SELECT Email FROM Contact ORDER BY Email DESC NULLS FIRST LIMIT 1');
    expect(last[0]?.Email).toBeNull();
  });

  function executeError(soql: string): SoqlError {
    try {
      exec(soql);
    } catch (error) {
      if (error instanceof SoqlError) {
        return error;
      }
      throw error;
    }
    throw new Error('expected an error');
  }

  it('reports unknown objects, fields and relationships', () => {
    expect(executeError('SELECT Id FROM Contactz').errorCode).toBe('INVALID_TYPE');
    expect(executeError('SELECT Id, Emial FROM Contact')).toMatchObject({
      errorCode: 'INVALID_FIELD',
      detail: expect.stringContaining("No such column 'Emial' on entity 'Contact'"),
    });
    expect(executeError('SELECT Acount.Name FROM Contact').detail).toContain("Didn't understand relationship 'Acount'");
    expect(executeError("SELECT Id FROM Contact WHERE Nope = 'x'").errorCode).toBe('INVALID_FIELD');
    expect(executeError('SELECT Id, (SELECT Id FROM Widgets) FROM Contact').errorCode).toBe('INVALID_TYPE');
  });

  it('type-checks filter values', () => {
    expect(executeError('SELECT Id FROM Contact WHERE Email = 5').errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(executeError("SELECT Id FROM Contact WHERE SystemModstamp > '2024-01-01T00:00:00Z'").detail).toContain(
      'must be of type dateTime and should not be enclosed in quotes',
    );
    expect(executeError("SELECT Id FROM Contact WHERE AccountId = 'not-an-id'").detail).toBe(
      'invalid ID field: not-an-id',
    );
    expect(executeError('SELECT Id FROM Contact WHERE HasOptedOutOfEmail > true').errorCode).toBe(
      'INVALID_QUERY_FILTER_OPERATOR',
    );
    expect(executeError("SELECT Id FROM Contact WHERE Description = 'x'").detail).toBe(
      "field 'Description' can not be filtered in a query call",
    );
  });

  it('accepts Order as an object and relationship name, and caps OFFSET at 2000', () => {
    const order = store.create(
      'Order',
      { AccountId: account.Id, Status: 'Draft', EffectiveDate: '2026-01-02' },
      {},
      { seeding: false },
    );
    store.create('OrderItem', { OrderId: order.Id, Quantity: 3, UnitPrice: 2 });
    expect(exec('SELECT Order.OrderNumber, TotalPrice FROM OrderItem')).toEqual([
      expect.objectContaining({ TotalPrice: 6, Order: expect.objectContaining({ OrderNumber: order.OrderNumber }) }),
    ]);
    expect(exec('SELECT Id, TotalAmount FROM Order ORDER BY EffectiveDate')[0]).toMatchObject({ TotalAmount: 6 });
    expect(executeError('SELECT Id FROM Contact LIMIT 10 OFFSET 2001')).toMatchObject({
      errorCode: 'NUMBER_OUTSIDE_VALID_RANGE',
      detail: 'Maximum SOQL offset allowed is 2000',
    });
    expect(parseError('SELECT Id FROM Contact ORDER BY').errorCode).toBe('MALFORMED_QUERY');
  });

  it('polymorphic relationships only expose the Name pseudo-object', () => {
    const contact = store.records('Contact')[0];
    store.create('Task', { WhoId: contact.Id, Subject: 'Chat' });
    expect(exec('SELECT Who.Name, Who.Type FROM Task')[0]).toMatchObject({
      Who: { attributes: { type: 'Contact' }, Name: contact.Name, Type: 'Contact' },
    });
    expect(executeError('SELECT Who.Email FROM Task').detail).toContain("No such column 'Email' on entity 'Name'");
  });
});

describe('SOQL relative date literals', () => {
  const DAY = 86_400_000;
  let now = Date.parse('2026-11-22T12:00:00Z');
  const store = new OrgStore({ onWrite: () => undefined }, { duplicateRule: 'off', clock: () => now });
  const contact = store.create('Contact', { LastName: 'Dated' });
  store.create('Task', { WhoId: contact.Id, Subject: 'due tomorrow', ActivityDate: '2026-11-23' });
  store.create('Task', { WhoId: contact.Id, Subject: 'due last week', ActivityDate: '2026-11-15' });
  const subjects = (where: string): unknown[] =>
    new SoqlExecutor(store, '62.0')
      .execute(parseSoql(`SELECT Subject FROM Task WHERE ${where} ORDER BY Subject`), false)
      .records.map((r) => r.Subject);

  it('resolves TODAY, TOMORROW, YESTERDAY and N-day ranges against the org clock', () => {
    expect(subjects('ActivityDate = TOMORROW')).toEqual(['due tomorrow']);
    expect(subjects('ActivityDate = NEXT_N_DAYS:1')).toEqual(['due tomorrow']);
    expect(subjects('ActivityDate = LAST_N_DAYS:7')).toEqual(['due last week']);
    expect(subjects('ActivityDate = LAST_N_DAYS:6')).toEqual([]);
    expect(subjects('ActivityDate < TODAY')).toEqual(['due last week']);
    expect(subjects('ActivityDate > TODAY')).toEqual(['due tomorrow']);
    expect(subjects('CreatedDate = TODAY')).toEqual(['due last week', 'due tomorrow']);
    now += DAY;
    expect(subjects('CreatedDate = TODAY')).toEqual([]);
    expect(subjects('CreatedDate = YESTERDAY')).toEqual(['due last week', 'due tomorrow']);
    expect(subjects('ActivityDate = TODAY')).toEqual(['due tomorrow']);
  });

  it('only applies to date and datetime fields', () => {
    expect(() => subjects('Subject = TODAY')).toThrow(SoqlError);
  });
});
