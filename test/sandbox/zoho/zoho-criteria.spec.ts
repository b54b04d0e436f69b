import {
  CriteriaError,
  escapeCriteriaValue,
  indexText,
  matchesCriteria,
  parseCriteria,
  textContains,
  validateCriteria,
  type CriteriaNode,
} from './zoho-criteria';
import { fieldOf, findModule, type ModuleDef } from './zoho-schema';

const contacts = findModule('Contacts') as ModuleDef;
const resolve = (name: string) => fieldOf(contacts, name);

function matches(criteria: string, record: Record<string, unknown>): boolean {
  const tree = parseCriteria(criteria);
  validateCriteria(tree, resolve);
  return matchesCriteria(tree, resolve, (name) => record[name]);
}

function failure(criteria: string): CriteriaError {
  try {
    validateCriteria(parseCriteria(criteria), resolve);
  } catch (error) {
    if (error instanceof CriteriaError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${criteria} to be rejected`);
}

describe('Zoho search criteria parser', () => {
  it('parses a single condition', () => {
    expect(parseCriteria('(Email:equals:a@b.com)')).toEqual({
      kind: 'condition',
      field: 'Email',
      operator: 'equals',
      values: ['a@b.com'],
    });
  });

  it('parses nested and/or groups, with spaces and any case for the joiners', () => {
    const tree = parseCriteria('((Email:equals:a@b.com) OR (Phone:equals:123)) and (Last_Name:starts_with:Sm)');
    expect(tree).toEqual<CriteriaNode>({
      kind: 'and',
      children: [
        {
          kind: 'or',
          children: [
            { kind: 'condition', field: 'Email', operator: 'equals', values: ['a@b.com'] },
            { kind: 'condition', field: 'Phone', operator: 'equals', values: ['123'] },
          ],
        },
        { kind: 'condition', field: 'Last_Name', operator: 'starts_with', values: ['Sm'] },
      ],
    });
  });

  it('lets "and" bind tighter than "or" on one level', () => {
    const tree = parseCriteria('(A:equals:1)or(B:equals:2)and(C:equals:3)');
    expect(tree.kind).toBe('or');
    expect((tree as { children: CriteriaNode[] }).children[1]?.kind).toBe('and');
  });

  it('keeps colons of datetime values in the value', () => {
    const tree = parseCriteria('(Modified_Time:greater_equal:2026-01-01T05:58:06+05:30)');
    expect(tree).toMatchObject({ values: ['2026-01-01T05:58:06+05:30'] });
  });

  it('splits in/between values on unescaped commas only', () => {
    expect(parseCriteria('(Last_Name:in:Smith,Burns\\,B,Jones)')).toMatchObject({
      values: ['Smith', 'Burns,B', 'Jones'],
    });
    expect(parseCriteria('(Created_Time:between:2026-01-01T00:00:00+00:00,2026-02-01T00:00:00+00:00)')).toMatchObject({
      values: ['2026-01-01T00:00:00+00:00', '2026-02-01T00:00:00+00:00'],
    });
  });

  it('unescapes \\( \\) \\, and \\\\ (the documented escapes)', () => {
    expect(parseCriteria('(Last_Name:equals:Patricia\\(Boyle\\))')).toMatchObject({ values: ['Patricia(Boyle)'] });
    expect(parseCriteria('(Last_Name:equals:K\\\\)')).toMatchObject({ values: ['K\\'] });
    expect(parseCriteria('(Last_Name:equals:a\\b)')).toMatchObject({ values: ['a\\b'] });
  });

  it.each([
    ['', 'empty criteria'],
    ['Email:equals:a', 'no parentheses'],
    ['(Email:equals:a', 'unterminated value'],
    ['(Email:equals:a))', 'trailing parenthesis'],
    ['(Email-equals-a)', 'no colons'],
    ['(Email:equals:)', 'empty value'],
    ['(Email:equals:a(b)', 'unescaped "(" in a value'],
    ['(Last_Name:equals:Burns,B)', 'unescaped "," in a single value'],
    ['(Created_Time:between:2026-01-01T00:00:00+00:00)', 'between with one value'],
    ['(Email:equals:a) xor (Phone:equals:1)', 'unknown joiner'],
  ])('rejects %j (%s) with INVALID_QUERY', (criteria) => {
    expect(failure(criteria).code).toBe('INVALID_QUERY');
  });

  it('rejects an unknown operator, naming it', () => {
    const error = failure('(Email:like:a)');
    expect(error.code).toBe('INVALID_QUERY');
    expect(error.details).toMatchObject({ operator: 'like', reason: 'invalid operator found' });
  });

  it('rejects an operator the field type does not support', () => {
    expect(failure('(Last_Name:greater_than:a)').details).toMatchObject({
      operator: 'greater_than',
      api_name: 'Last_Name',
    });
    expect(failure('(Description:in:a,b)').details).toMatchObject({ operator: 'in' });
  });

  it('rejects unknown fields and values of the wrong type', () => {
    expect(failure('(Nope:equals:a)').details).toMatchObject({ api_name: 'Nope' });
    expect(failure('(Created_Time:greater_than:yesterday)').details).toMatchObject({ expected_data_type: 'datetime' });
  });

  it('caps the number of conditions and of "in" values', () => {
    const many = Array.from({ length: 16 }, (_, i) => `(Last_Name:equals:n${i})`).join('or');
    expect(failure(`(${many})`).code).toBe('CRITERIA_LIMIT_EXCEEDED');
    const values = Array.from({ length: 101 }, (_, i) => `v${i}`).join(',');
    expect(failure(`(Last_Name:in:${values})`).message).toBe('Only 100 values are allowed in "IN" criteria');
  });
});

describe('Zoho search criteria matching', () => {
  const emma = {
    id: '5725767000100000001',
    First_Name: 'Emma',
    Last_Name: 'Johnson',
    Email: 'emma.johnson@example.com',
    Phone: '(415) 555-2671',
    Customer_Tier: 'VIP',
    Account_Name: { name: 'Acme Corp', id: '5725767000100000009' },
    Created_Time: '2026-03-01T10:00:00+00:00',
  };

  it('equals on text behaves like "contains" over words (documented), not on picklists', () => {
    expect(matches('(Account_Name:equals:Acme Corp)', emma)).toBe(true);
    expect(textContains('ABC Inc', 'ABC')).toBe(true);
    expect(textContains('ABCD Inc', 'ABC')).toBe(false);
    expect(matches('(Customer_Tier:equals:vip)', emma)).toBe(true);
    expect(matches('(Customer_Tier:equals:VI)', emma)).toBe(false);
  });

  it('treats look-alike punctuation as separators (sales-team vs sales_team)', () => {
    expect(indexText('sales-team@zoho.com')).toBe(indexText('sales_team@zoho.com'));
    expect(matches('(Email:equals:emma.johnson@example.com)', emma)).toBe(true);
    expect(matches('(Email:equals:emma.johnson@example.org)', emma)).toBe(false);
  });

  it('combines and/or', () => {
    expect(matches('((Email:equals:nobody@x.com)or(Last_Name:equals:Johnson))', emma)).toBe(true);
    expect(matches('((Email:equals:nobody@x.com)and(Last_Name:equals:Johnson))', emma)).toBe(false);
  });

  it('supports starts_with, not_equal, in, between and comparisons', () => {
    expect(matches('(Last_Name:starts_with:john)', emma)).toBe(true);
    expect(matches('(Last_Name:not_equal:Smith)', emma)).toBe(true);
    expect(matches('(Last_Name:in:Smith,Johnson)', emma)).toBe(true);
    expect(matches('(Created_Time:between:2026-01-01T00:00:00+00:00,2026-12-31T00:00:00+00:00)', emma)).toBe(true);
    expect(matches('(Created_Time:greater_than:2026-03-01T10:00:00+00:00)', emma)).toBe(false);
    expect(matches('(Created_Time:greater_equal:2026-03-01T10:00:00+00:00)', emma)).toBe(true);
  });

  it('compares lookups by id (or by name)', () => {
    expect(matches('(Account_Name:equals:5725767000100000009)', emma)).toBe(true);
    expect(matches('(Account_Name:equals:5725767000100000008)', emma)).toBe(false);
    expect(matches('(Account_Name:equals:acme corp)', emma)).toBe(true);
  });

  it('keeps properly escaped hostile values literal', () => {
    const hostile = 'x)or(Last_Name:starts_with:';
    const record = { ...emma, Last_Name: hostile };
    const criteria = `(Last_Name:equals:${escapeCriteriaValue(hostile)})`;
    const tree = parseCriteria(criteria);
    expect(tree).toEqual({ kind: 'condition', field: 'Last_Name', operator: 'equals', values: [hostile] });
    expect(matches(criteria, record)).toBe(true);
    // The same value matched against an ordinary record must not turn into a match-everything "or".
    expect(matches(criteria, emma)).toBe(false);
  });

  it('shows why escaping matters: an unescaped value changes the query or breaks it', () => {
    // Unescaped, the hostile value injects an "or" branch that matches every record whose name starts with J.
    const injected = '(Last_Name:equals:x)or(Last_Name:starts_with:J)';
    expect(matches(injected, emma)).toBe(true);
    expect(() => parseCriteria('(Last_Name:equals:O(Brien)')).toThrow(CriteriaError);
  });

  it('escapes every character the parser treats specially', () => {
    for (const value of ['a,b', 'a(b)c', 'back\\slash\\', '(),\\', 'emoji 😀 and 日本語']) {
      const tree = parseCriteria(`(Last_Name:equals:${escapeCriteriaValue(value)})`);
      expect(tree).toMatchObject({ values: [value.trim()] });
    }
  });
});
