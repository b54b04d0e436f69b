/**
 * Parser and evaluator for the `criteria` parameter of the Search Records API.
 *
 * Grammar (https://www.zoho.com/crm/developer/docs/api/v8/search-records.html):
 *   criteria  := group ( ('and' | 'or') group )*
 *   group     := '(' ( criteria | condition ) ')'
 *   condition := field ':' operator ':' value
 * Inside a value, `\(` `\)` `\,` and `\\` stand for the literal characters; an unescaped `)` ends the value and an
 * unescaped `,` separates the values of `in` / `between`. Colons after the operator belong to the value, so
 * datetimes such as 2026-01-01T00:00:00+00:00 need no escaping.
 *
 * Matching follows the documented quirks: `equals` on text-like fields behaves like "contains" over the search
 * index (word sequences, punctuation such as - _ @ : treated as separators), not on picklists.
 */
import type { FieldDef, ZohoDataType } from './zoho-schema';

export type Operator =
  | 'equals'
  | 'not_equal'
  | 'starts_with'
  | 'in'
  | 'between'
  | 'greater_than'
  | 'greater_equal'
  | 'less_than'
  | 'less_equal';

export type CriteriaNode =
  | { kind: 'condition'; field: string; operator: Operator; values: string[] }
  | { kind: 'and' | 'or'; children: CriteriaNode[] };

export class CriteriaError extends Error {
  constructor(
    readonly code: 'INVALID_QUERY' | 'CRITERIA_LIMIT_EXCEEDED',
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

const OPERATORS: readonly Operator[] = [
  'equals',
  'not_equal',
  'starts_with',
  'in',
  'between',
  'greater_than',
  'greater_equal',
  'less_than',
  'less_equal',
];

/** Documented maximum of conditions in one criteria string (the error text says 15). */
export const MAX_CONDITIONS = 15;
export const MAX_IN_VALUES = 100;

const invalidQuery = (reason: string, extra: Record<string, unknown> = {}): CriteriaError =>
  new CriteriaError('INVALID_QUERY', 'Invalid query formed', { reason, ...extra });

class Parser {
  private pos = 0;
  conditions = 0;

  constructor(private readonly text: string) {}

  parse(): CriteriaNode {
    const node = this.expression();
    this.skipSpaces();
    if (this.pos !== this.text.length) {
      throw invalidQuery(`unexpected character at position ${this.pos}`);
    }
    return node;
  }

  private skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) {
      this.pos += 1;
    }
  }

  private expression(): CriteriaNode {
    const groups: CriteriaNode[] = [this.group()];
    const ops: Array<'and' | 'or'> = [];
    for (;;) {
      this.skipSpaces();
      const rest = this.text.slice(this.pos);
      const match = /^(and|or)\s*(?=\()/i.exec(rest);
      if (!match) {
        break;
      }
      ops.push(match[1].toLowerCase() as 'and' | 'or');
      this.pos += match[0].length;
      groups.push(this.group());
    }
    if (groups.length === 1) {
      return groups[0];
    }
    // "and" binds tighter than "or" when a level mixes both without parentheses.
    const disjuncts: CriteriaNode[][] = [[groups[0]]];
    ops.forEach((op, i) => {
      const next = groups[i + 1];
      if (op === 'and') {
        disjuncts[disjuncts.length - 1].push(next);
      } else {
        disjuncts.push([next]);
      }
    });
    const ands = disjuncts.map((list) => (list.length === 1 ? list[0] : { kind: 'and' as const, children: list }));
    return ands.length === 1 ? ands[0] : { kind: 'or', children: ands };
  }

  private group(): CriteriaNode {
    this.skipSpaces();
    if (this.text[this.pos] !== '(') {
      throw invalidQuery(`expected "(" at position ${this.pos}`);
    }
    this.pos += 1;
    this.skipSpaces();
    const node = this.text[this.pos] === '(' ? this.expression() : this.condition();
    this.skipSpaces();
    if (this.text[this.pos] !== ')') {
      throw invalidQuery(`expected ")" at position ${this.pos}`);
    }
    this.pos += 1;
    return node;
  }

  private condition(): CriteriaNode {
    const head = /^([A-Za-z_$][A-Za-z0-9_$.]*)\s*:\s*([A-Za-z_]+)\s*:/.exec(this.text.slice(this.pos));
    if (!head) {
      throw invalidQuery(`malformed condition at position ${this.pos}`);
    }
    const field = head[1];
    const operator = head[2].toLowerCase();
    if (!OPERATORS.includes(operator as Operator)) {
      throw new CriteriaError('INVALID_QUERY', 'Invalid query formed', {
        operator: head[2],
        reason: 'invalid operator found',
      });
    }
    this.pos += head[0].length;
    const values = this.value();
    this.conditions += 1;
    if (this.conditions > MAX_CONDITIONS) {
      throw new CriteriaError(
        'CRITERIA_LIMIT_EXCEEDED',
        `no of criterium that can be given exceed the limit ${MAX_CONDITIONS}`,
        {},
      );
    }
    const op = operator as Operator;
    if (op === 'between' && values.length !== 2) {
      throw invalidQuery('between expects exactly two comma separated values', { api_name: field });
    }
    if (op === 'in' && values.length > MAX_IN_VALUES) {
      throw new CriteriaError('INVALID_QUERY', `Only ${MAX_IN_VALUES} values are allowed in "IN" criteria`, {
        param_name: field,
      });
    }
    if (op !== 'in' && op !== 'between' && values.length !== 1) {
      throw invalidQuery('unescaped "," in a single value; escape it as \\,', { api_name: field });
    }
    if (values.some((v) => v.length === 0)) {
      throw invalidQuery('empty value', { api_name: field });
    }
    return { kind: 'condition', field, operator: op, values };
  }

  /** Reads up to (not including) the unescaped ")" that closes the condition. */
  private value(): string[] {
    const values: string[] = [];
    let current = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === '\\') {
        const next = this.text[this.pos + 1];
        if (next === '(' || next === ')' || next === ',' || next === '\\') {
          current += next;
          this.pos += 2;
          continue;
        }
        current += ch;
        this.pos += 1;
        continue;
      }
      if (ch === ')') {
        values.push(current.trim());
        return values;
      }
      if (ch === '(') {
        throw invalidQuery('unescaped "(" in a value; escape it as \\(');
      }
      if (ch === ',') {
        values.push(current.trim());
        current = '';
        this.pos += 1;
        continue;
      }
      current += ch;
      this.pos += 1;
    }
    throw invalidQuery('criteria ended inside a value (missing ")")');
  }
}

export function parseCriteria(text: string): CriteriaNode {
  if (text.trim().length === 0) {
    throw invalidQuery('empty criteria');
  }
  return new Parser(text.trim()).parse();
}

/** Operators the Search API accepts per field type (doc table "operator support by field type"). */
const SUPPORTED: Record<string, readonly Operator[]> = {
  text: ['equals', 'not_equal', 'starts_with', 'in'],
  email: ['equals', 'not_equal', 'starts_with', 'in'],
  phone: ['equals', 'not_equal', 'starts_with', 'in'],
  website: ['equals', 'not_equal', 'starts_with', 'in'],
  textarea: ['equals', 'not_equal', 'starts_with'],
  picklist: ['equals', 'not_equal', 'in'],
  autonumber: ['equals', 'not_equal', 'in'],
  lookup: ['equals', 'not_equal', 'in'],
  ownerlookup: ['equals', 'not_equal', 'in'],
  boolean: ['equals', 'not_equal'],
  date: ['equals', 'not_equal', 'greater_equal', 'greater_than', 'less_equal', 'less_than', 'between', 'in'],
  datetime: ['equals', 'not_equal', 'greater_equal', 'greater_than', 'less_equal', 'less_than', 'between', 'in'],
  integer: ['equals', 'not_equal', 'greater_equal', 'greater_than', 'less_equal', 'less_than', 'between', 'in'],
  currency: ['equals', 'not_equal', 'greater_equal', 'greater_than', 'less_equal', 'less_than', 'between', 'in'],
  double: ['equals', 'not_equal', 'greater_equal', 'greater_than', 'less_equal', 'less_than', 'between', 'in'],
  bigint: ['equals', 'not_equal', 'greater_equal', 'greater_than', 'less_equal', 'less_than', 'between', 'in'],
};

const TEXTLIKE: readonly ZohoDataType[] = ['text', 'textarea', 'email', 'phone', 'website'];

/**
 * Checks every condition against the module's fields before anything is evaluated, the way Zoho rejects a query
 * as a whole. `resolve` maps an API name to its definition (undefined = unknown or not searchable).
 */
export function validateCriteria(node: CriteriaNode, resolve: (apiName: string) => FieldDef | undefined): void {
  if (node.kind !== 'condition') {
    node.children.forEach((child) => validateCriteria(child, resolve));
    return;
  }
  const field = resolve(node.field);
  if (!field || field.data_type === 'subform') {
    throw invalidQuery('the field is not available for search', { api_name: node.field });
  }
  const allowed = SUPPORTED[field.data_type] ?? [];
  if (!allowed.includes(node.operator)) {
    throw new CriteriaError('INVALID_QUERY', 'Invalid query formed', {
      operator: node.operator,
      api_name: node.field,
      reason: 'invalid operator found',
    });
  }
  for (const value of node.values) {
    const bad = typeMismatch(field.data_type, value);
    if (bad) {
      throw new CriteriaError('INVALID_QUERY', 'Invalid query formed', {
        expected_data_type: bad,
        api_name: node.field,
        reason: 'invalid data type for the given value',
      });
    }
  }
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2}|Z)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function typeMismatch(type: ZohoDataType, value: string): string | undefined {
  switch (type) {
    case 'integer':
    case 'bigint':
      return /^-?\d+$/.test(value) ? undefined : type;
    case 'currency':
    case 'double':
      return /^-?\d+(\.\d+)?$/.test(value) ? undefined : 'double';
    case 'datetime':
      return DATETIME.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'datetime';
    case 'date':
      return DATE.test(value) ? undefined : 'date';
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : 'boolean';
    default:
      return undefined;
  }
}

/** Search-index normalisation: case folded, the documented look-alike characters turned into separators. */
export function indexText(value: string): string {
  return value
    .toLowerCase()
    .replace(/[{}[\]^:\-/!?*_@\s]+/g, ' ')
    .trim();
}

const NON_ASCII = /[\u0080-\uffff]/;

/** `equals` on text-like fields: the value's words appear, in order, among the field's words. */
export function textContains(fieldValue: string, query: string): boolean {
  const hay = indexText(fieldValue);
  const needle = indexText(query);
  if (needle.length === 0) {
    return false;
  }
  // CJK text has no spaces to split words on; the index matches such runs as substrings.
  if (NON_ASCII.test(needle) || NON_ASCII.test(hay)) {
    return hay.includes(needle);
  }
  return ` ${hay} `.includes(` ${needle} `);
}

function scalar(value: unknown): string | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  return typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint'
    ? String(value)
    : undefined;
}

function equalsValue(field: FieldDef, stored: unknown, query: string): boolean {
  switch (field.data_type) {
    case 'lookup':
    case 'ownerlookup': {
      const ref = stored as { id?: string; name?: string } | null | undefined;
      if (!ref) {
        return false;
      }
      return /^\d+$/.test(query) ? ref.id === query : (ref.name ?? '').toLowerCase() === query.toLowerCase();
    }
    case 'picklist':
    case 'autonumber':
      return (scalar(stored) ?? '').toLowerCase() === query.toLowerCase();
    case 'boolean':
      return String(stored === true) === query;
    case 'integer':
    case 'bigint':
    case 'currency':
    case 'double':
      return stored !== null && stored !== undefined && Number(stored) === Number(query);
    case 'datetime':
      return (
        typeof stored === 'string' && Math.floor(Date.parse(stored) / 1000) === Math.floor(Date.parse(query) / 1000)
      );
    case 'date':
      return stored === query;
    default: {
      const text = scalar(stored);
      return text !== undefined && textContains(text, query);
    }
  }
}

function compare(field: FieldDef, storedValue: unknown, query: string): number | undefined {
  const stored = scalar(storedValue);
  if (stored === undefined || stored === '') {
    return undefined;
  }
  if (field.data_type === 'datetime') {
    return Date.parse(stored) - Date.parse(query);
  }
  if (field.data_type === 'date') {
    const a = stored;
    return a < query ? -1 : a > query ? 1 : 0;
  }
  if (field.data_type === 'bigint' || field.data_type === 'integer') {
    const a = BigInt(stored);
    const b = BigInt(query);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return Number(stored) - Number(query);
}

/** Evaluates a validated criteria tree against one record (`get` returns the stored wire value of a field). */
export function matchesCriteria(
  node: CriteriaNode,
  resolve: (apiName: string) => FieldDef | undefined,
  get: (apiName: string) => unknown,
): boolean {
  if (node.kind !== 'condition') {
    return node.kind === 'and'
      ? node.children.every((child) => matchesCriteria(child, resolve, get))
      : node.children.some((child) => matchesCriteria(child, resolve, get));
  }
  const field = resolve(node.field) as FieldDef;
  const stored = get(node.field);
  const [first = '', second = ''] = node.values;
  switch (node.operator) {
    case 'equals':
      return equalsValue(field, stored, first);
    case 'not_equal':
      return !equalsValue(field, stored, first);
    case 'in':
      return node.values.some((value) => equalsValue(field, stored, value));
    case 'starts_with': {
      const text = scalar(stored);
      if (text === undefined) {
        return false;
      }
      const hay = TEXTLIKE.includes(field.data_type) ? text.toLowerCase() : text;
      return hay.startsWith(first.toLowerCase());
    }
    case 'greater_than':
      return (compare(field, stored, first) ?? -1) > 0;
    case 'greater_equal':
      return (compare(field, stored, first) ?? -1) >= 0;
    case 'less_than':
      return (compare(field, stored, first) ?? 1) < 0;
    case 'less_equal':
      return (compare(field, stored, first) ?? 1) <= 0;
    case 'between': {
      const low = compare(field, stored, first);
      const high = compare(field, stored, second);
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
  }
}

/** Escapes a literal value for use inside a criteria string (what a correct client does before encoding). */
export function escapeCriteriaValue(value: string): string {
  return value.replace(/[\\(),]/g, (ch) => `\\${ch}`);
}
