/**
 * A small subset of COQL (POST /crm/v8/coql, https://www.zoho.com/crm/developer/docs/api/v8/COQL-Overview.html):
 *   SELECT f1, f2 FROM Module [WHERE cond] [ORDER BY f [ASC|DESC], …] [LIMIT n [OFFSET m] | LIMIT m, n]
 * cond: comparisons (= != < > <= >=), [NOT] LIKE '%x%', [NOT] IN (…), [NOT] BETWEEN a AND b, IS [NOT] NULL,
 * combined with AND / OR and parentheses. String literals use single quotes ('' or \' inside). Lookups compare
 * on their id (`Related_To = '123'` or `Related_To.id = '123'`). No joins, aggregates or functions.
 * Unlike the Search API, `=` is an exact (case-insensitive) comparison.
 */
import type { Router } from 'express';
import { sendError, sendJson, sendNoContent, zohoError } from './zoho-errors';
import { API, fieldOf, findModule, type FieldDef, type ModuleDef } from './zoho-schema';
import type { StoredRecord, ZohoStore } from './zoho-store';

export class CoqlError extends Error {
  constructor(
    readonly code: 'SYNTAX_ERROR' | 'INVALID_QUERY' | 'LIMIT_EXCEEDED',
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

type Token = { kind: 'word' | 'string' | 'number' | 'op' | 'punct'; text: string; pos: number };

type Condition =
  | { kind: 'and' | 'or'; children: Condition[] }
  | { kind: 'compare'; field: string; op: string; value: string | number | boolean | null }
  | { kind: 'like'; field: string; pattern: string; negate: boolean }
  | { kind: 'in'; field: string; values: Array<string | number>; negate: boolean }
  | { kind: 'between'; field: string; low: string | number; high: string | number; negate: boolean }
  | { kind: 'null'; field: string; negate: boolean };

export interface CoqlQuery {
  module: ModuleDef;
  fields: string[];
  where?: Condition;
  orderBy: Array<{ field: string; desc: boolean }>;
  limit: number;
  offset: number;
}

export const COQL_MAX_LIMIT = 2000;
const DEFAULT_LIMIT = 200;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) {
          throw syntax('unterminated string', i, text.slice(i, i + 10));
        }
        const c = text[j];
        if (c === '\\' && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
        } else if (c === "'" && text[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (c === "'") {
          break;
        } else {
          value += c;
          j += 1;
        }
      }
      tokens.push({ kind: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>)/.exec(text.slice(i));
    if (op) {
      tokens.push({ kind: 'op', text: op[1] === '<>' ? '!=' : op[1], pos: i });
      i += op[0].length;
      continue;
    }
    if ('(),'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, pos: i });
      i += 1;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], pos: i });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_$][A-Za-z0-9_$.]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    throw syntax(`unexpected character ${ch}`, i, ch);
  }
  return tokens;
}

function syntax(reason: string, pos: number, near: string, clause = 'select'): CoqlError {
  return new CoqlError('SYNTAX_ERROR', 'error occurred while parsing the query', {
    clause,
    line: 1,
    column: pos + 1,
    near,
    reason,
  });
}

class Parser {
  private i = 0;
  private clause = 'select';

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind === 'word' && token.text.toLowerCase() === word) {
      this.i += 1;
      return true;
    }
    return false;
  }

  private expectKeyword(word: string): void {
    if (!this.keyword(word)) {
      this.fail(`expected ${word.toUpperCase()}`);
    }
  }

  private punct(ch: string): boolean {
    const token = this.peek();
    if (token?.kind === 'punct' && token.text === ch) {
      this.i += 1;
      return true;
    }
    return false;
  }

  private fail(reason: string): never {
    const token = this.peek();
    throw syntax(reason, token?.pos ?? 0, token?.text ?? '<end>', this.clause);
  }

  private identifier(): string {
    const token = this.peek();
    if (token?.kind !== 'word') {
      this.fail('expected a field name');
    }
    this.i += 1;
    return token.text;
  }

  private literal(): string | number | boolean | null {
    const token = this.peek();
    if (!token) {
      this.fail('expected a value');
    }
    this.i += 1;
    if (token.kind === 'string') {
      return token.text;
    }
    if (token.kind === 'number') {
      return Number(token.text);
    }
    if (token.kind === 'word' && ['true', 'false', 'null'].includes(token.text.toLowerCase())) {
      const word = token.text.toLowerCase();
      return word === 'null' ? null : word === 'true';
    }
    this.i -= 1;
    return this.fail('expected a value');
  }

  parse(): {
    module: string;
    fields: string[];
    where?: Condition;
    orderBy: Array<{ field: string; desc: boolean }>;
    limit: number;
    offset: number;
  } {
    this.expectKeyword('select');
    const fields = [this.identifier()];
    while (this.punct(',')) {
      fields.push(this.identifier());
    }
    this.clause = 'from';
    this.expectKeyword('from');
    const module = this.identifier();
    let where: Condition | undefined;
    if (this.keyword('where')) {
      this.clause = 'where';
      where = this.or();
    }
    const orderBy: Array<{ field: string; desc: boolean }> = [];
    if (this.keyword('order')) {
      this.clause = 'order by';
      this.expectKeyword('by');
      do {
        const field = this.identifier();
        const desc = this.keyword('desc');
        if (!desc) {
          this.keyword('asc');
        }
        orderBy.push({ field, desc });
      } while (this.punct(','));
    }
    let limit = DEFAULT_LIMIT;
    let offset = 0;
    if (this.keyword('limit')) {
      this.clause = 'limit';
      const first = this.literal();
      if (typeof first !== 'number') {
        this.fail('LIMIT expects a number');
      }
      limit = first;
      if (this.punct(',')) {
        const second = this.literal();
        if (typeof second !== 'number') {
          this.fail('LIMIT expects a number');
        }
        offset = first;
        limit = second;
      } else if (this.keyword('offset')) {
        const value = this.literal();
        if (typeof value !== 'number') {
          this.fail('OFFSET expects a number');
        }
        offset = value;
      }
    }
    if (this.peek()) {
      this.fail('unexpected token');
    }
    return { module, fields, ...(where ? { where } : {}), orderBy, limit, offset };
  }

  private or(): Condition {
    const children = [this.and()];
    while (this.keyword('or')) {
      children.push(this.and());
    }
    return children.length === 1 ? children[0] : { kind: 'or', children };
  }

  private and(): Condition {
    const children = [this.primary()];
    while (this.keyword('and')) {
      children.push(this.primary());
    }
    return children.length === 1 ? children[0] : { kind: 'and', children };
  }

  private primary(): Condition {
    if (this.punct('(')) {
      const inner = this.or();
      if (!this.punct(')')) {
        this.fail('expected )');
      }
      return inner;
    }
    const field = this.identifier();
    if (this.keyword('is')) {
      const negate = this.keyword('not');
      this.expectKeyword('null');
      return { kind: 'null', field, negate };
    }
    const negate = this.keyword('not');
    if (this.keyword('like')) {
      const pattern = this.literal();
      if (typeof pattern !== 'string') {
        this.fail('LIKE expects a string');
      }
      return { kind: 'like', field, pattern, negate };
    }
    if (this.keyword('in')) {
      if (!this.punct('(')) {
        this.fail('expected (');
      }
      const values: Array<string | number> = [];
      do {
        const value = this.literal();
        if (typeof value !== 'string' && typeof value !== 'number') {
          this.fail('IN expects strings or numbers');
        }
        values.push(value);
      } while (this.punct(','));
      if (!this.punct(')')) {
        this.fail('expected )');
      }
      return { kind: 'in', field, values, negate };
    }
    if (this.keyword('between')) {
      const low = this.literal();
      this.expectKeyword('and');
      const high = this.literal();
      if (
        (typeof low !== 'string' && typeof low !== 'number') ||
        (typeof high !== 'string' && typeof high !== 'number')
      ) {
        this.fail('BETWEEN expects two values');
      }
      return { kind: 'between', field, low, high, negate };
    }
    if (negate) {
      this.fail('expected LIKE, IN or BETWEEN after NOT');
    }
    const op = this.peek();
    if (op?.kind !== 'op') {
      this.fail('expected an operator');
    }
    this.i += 1;
    return { kind: 'compare', field, op: op.text, value: this.literal() };
  }
}

/** Parses and resolves a COQL statement against the org metadata. */
export function parseCoql(text: string): CoqlQuery {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new CoqlError('INVALID_QUERY', 'Invalid query formed', { reason: 'select_query is empty' });
  }
  const raw = new Parser(tokenize(text)).parse();
  const module = findModule(raw.module);
  if (!module || module.subform) {
    throw new CoqlError('INVALID_QUERY', 'Invalid query formed', {
      reason: 'invalid module given',
      module: raw.module,
    });
  }
  const check = (name: string, clause: string): void => {
    if (!resolveField(module, name)) {
      throw new CoqlError('INVALID_QUERY', 'Invalid query formed', {
        reason: 'column given seems to be invalid',
        column_name: name,
        clause,
      });
    }
  };
  raw.fields.forEach((f) => check(f, 'select'));
  raw.orderBy.forEach((o) => check(o.field, 'order by'));
  const visit = (node: Condition): void => {
    if ('children' in node) {
      node.children.forEach(visit);
    } else {
      check(node.field, 'where');
    }
  };
  if (raw.where) {
    visit(raw.where);
  }
  if (raw.limit < 1 || raw.limit > COQL_MAX_LIMIT) {
    throw new CoqlError('LIMIT_EXCEEDED', 'limit exceeded', { limit: COQL_MAX_LIMIT, clause: 'limit' });
  }
  return {
    module,
    fields: raw.fields,
    ...(raw.where ? { where: raw.where } : {}),
    orderBy: raw.orderBy,
    limit: raw.limit,
    offset: raw.offset,
  };
}

/** `Field` or `Lookup.id`. */
function resolveField(module: ModuleDef, name: string): FieldDef | undefined {
  const [head, sub] = name.split('.');
  const field = fieldOf(module, head ?? '');
  if (!field) {
    return undefined;
  }
  if (sub === undefined) {
    return field;
  }
  return sub === 'id' && (field.data_type === 'lookup' || field.data_type === 'ownerlookup') ? field : undefined;
}

/** Comparable form of a stored value: lookups by id, strings case-folded, numbers as numbers. */
function comparable(store: ZohoStore, record: StoredRecord, name: string): string | number | boolean | null {
  const [head] = name.split('.');
  const value = store.searchValue(record, head ?? '');
  if (value === null || value === undefined || value === '') {
    return null;
  }
  if (typeof value === 'object') {
    const id = (value as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return typeof value === 'string' ? value.toLowerCase() : null;
}

function normalize(value: string | number | boolean | null): string | number | boolean | null {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

const TIME = /^\d{4}-\d{2}-\d{2}t\d{2}:\d{2}/i;

function order(a: string | number | boolean, b: string | number | boolean): number {
  if (typeof a === 'string' && typeof b === 'string' && TIME.test(a) && TIME.test(b)) {
    const ta = Date.parse(a.toUpperCase());
    const tb = Date.parse(b.toUpperCase());
    if (!Number.isNaN(ta) && !Number.isNaN(tb)) {
      return ta - tb;
    }
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  const escaped = pattern
    .toLowerCase()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

function matches(store: ZohoStore, record: StoredRecord, node: Condition): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((child) => matches(store, record, child));
    case 'or':
      return node.children.some((child) => matches(store, record, child));
    case 'null': {
      const isNull = comparable(store, record, node.field) === null;
      return node.negate ? !isNull : isNull;
    }
    case 'like': {
      const value = comparable(store, record, node.field);
      const hit = typeof value === 'string' && likeRegex(node.pattern).test(value);
      return node.negate ? !hit && value !== null : hit;
    }
    case 'in': {
      const value = comparable(store, record, node.field);
      const hit =
        value !== null && node.values.some((v) => normalize(v) === value || String(normalize(v)) === String(value));
      return node.negate ? !hit && value !== null : hit;
    }
    case 'between': {
      const value = comparable(store, record, node.field);
      if (value === null) {
        return false;
      }
      const low = normalize(node.low) as string | number;
      const high = normalize(node.high) as string | number;
      const hit = order(value, low) >= 0 && order(value, high) <= 0;
      return node.negate ? !hit : hit;
    }
    case 'compare': {
      const value = comparable(store, record, node.field);
      const wanted = normalize(node.value);
      if (wanted === null) {
        return node.op === '=' ? value === null : value !== null;
      }
      if (value === null) {
        return false;
      }
      const cmp =
        typeof value === 'number' || typeof wanted === 'number' ? Number(value) - Number(wanted) : order(value, wanted);
      switch (node.op) {
        case '=':
          return cmp === 0;
        case '!=':
          return cmp !== 0;
        case '<':
          return cmp < 0;
        case '>':
          return cmp > 0;
        case '<=':
          return cmp <= 0;
        default:
          return cmp >= 0;
      }
    }
  }
}

/** Runs a parsed query: rows hold the selected fields (lookups as {id}) plus the record id. */
export function runCoql(store: ZohoStore, query: CoqlQuery): { rows: Array<Record<string, unknown>>; more: boolean } {
  let records = store.all(query.module).filter((r) => !query.where || matches(store, r, query.where));
  const keys = query.orderBy.length > 0 ? query.orderBy : [{ field: 'id', desc: false }];
  records = [...records].sort((a, b) => {
    for (const key of keys) {
      const va = key.field === 'id' ? BigInt(a.id) : comparable(store, a, key.field);
      const vb = key.field === 'id' ? BigInt(b.id) : comparable(store, b, key.field);
      if (va === vb) {
        continue;
      }
      if (va === null) {
        return 1;
      }
      if (vb === null) {
        return -1;
      }
      const cmp = typeof va === 'bigint' || typeof vb === 'bigint' ? (va < vb ? -1 : 1) : order(va, vb);
      if (cmp !== 0) {
        return key.desc ? -cmp : cmp;
      }
    }
    return 0;
  });
  const page = records.slice(query.offset, query.offset + query.limit);
  const rows = page.map((record) => {
    const row: Record<string, unknown> = {};
    for (const name of query.fields) {
      const [head, sub] = name.split('.');
      const value = store.searchValue(record, head ?? '');
      if (sub === 'id') {
        row[name] = (value as { id?: string } | null)?.id ?? null;
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        row[name] = { id: (value as { id?: string }).id ?? null };
      } else {
        row[name] = value ?? null;
      }
    }
    row.id = record.id;
    return row;
  });
  return { rows, more: query.offset + query.limit < records.length };
}

/** Credits of a COQL call by LIMIT: 1-200 → 1, 201-1000 → 2, 1001-2000 → 3. */
export function coqlCredits(selectQuery: unknown): number {
  const match = typeof selectQuery === 'string' ? /\blimit\s+(\d+)(?:\s*,\s*(\d+))?/i.exec(selectQuery) : null;
  const limit = match ? Number(match[2] ?? match[1]) : DEFAULT_LIMIT;
  return limit <= 200 ? 1 : limit <= 1000 ? 2 : 3;
}

export function registerCoqlRoute(api: Router, store: ZohoStore): void {
  api.post(API + '/coql', (req, res) => {
    const body = req.body as { select_query?: unknown } | undefined;
    if (!body || typeof body !== 'object' || body.select_query === undefined) {
      sendError(
        res,
        400,
        zohoError('MANDATORY_NOT_FOUND', 'required field not found', {
          api_name: 'select_query',
          json_path: '$.select_query',
        }),
      );
      return;
    }
    try {
      const query = parseCoql(body.select_query as string);
      const { rows, more } = runCoql(store, query);
      if (rows.length === 0) {
        sendNoContent(res);
        return;
      }
      sendJson(res, 200, { data: rows, info: { count: rows.length, more_records: more } });
    } catch (error) {
      if (error instanceof CoqlError) {
        sendError(res, 400, zohoError(error.code, error.message, error.details));
        return;
      }
      throw error;
    }
  });
}
