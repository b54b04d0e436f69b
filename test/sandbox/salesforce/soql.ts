/**
 * SOQL tokenizer and recursive-descent parser for the subset the bridge uses. Pure syntax: names are resolved
 * against the schema by soql-executor.ts. Grammar, escapes and literals follow the SOQL reference:
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
 *
 *   query      := SELECT selectItem (',' selectItem)* FROM ident [WHERE cond] [ORDER BY order (',' order)*]
 *                 [LIMIT int] [OFFSET int]
 *   selectItem := COUNT '(' ')' | '(' query ')' | path
 *   cond       := factor (AND factor)* | factor (OR factor)*      -- AND and OR never mix without parentheses
 *   factor     := NOT factor | '(' cond ')' | path op literal | path [NOT] IN '(' literal (',' literal)* ')'
 *                 | path LIKE string
 *   order      := path [ASC | DESC] [NULLS (FIRST | LAST)]
 *   literal    := string | number | date | datetime | TRUE | FALSE | NULL
 *                 | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS:n | NEXT_N_DAYS:n
 *
 * String values are decoded once, in the tokenizer, so nothing a client puts inside quotes can become syntax.
 */

export interface Pos {
  /** Offset in the query text. */
  offset: number;
  /** 1-based row and column, as Salesforce reports them. */
  row: number;
  column: number;
}

export type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for strings: with quotes and escapes). */
  text: string;
  pos: Pos;
  /** Decoded value of a string literal. */
  value?: string;
  /** Regex source for a string literal used with LIKE: unescaped % and _ are wildcards, \% and \_ are literal. */
  likeSource?: string;
}

export type Literal =
  | { kind: 'string'; value: string; likeSource: string; pos: Pos }
  | { kind: 'number'; value: number; raw: string; pos: Pos }
  | { kind: 'boolean'; value: boolean; pos: Pos }
  | { kind: 'null'; pos: Pos }
  | { kind: 'date'; value: string; pos: Pos }
  | { kind: 'datetime'; value: string; ms: number; pos: Pos }
  /** Relative date literal (TODAY, LAST_N_DAYS:n...): a range of whole UTC days resolved when the query runs. */
  | { kind: 'dateLiteral'; name: string; n: number; pos: Pos };

export interface FieldPath {
  parts: string[];
  pos: Pos;
}

export type SelectItem =
  { kind: 'field'; path: FieldPath } | { kind: 'subquery'; query: SoqlQuery; pos: Pos } | { kind: 'count'; pos: Pos };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and' | 'or'; operands: Condition[] }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; field: FieldPath; op: CompareOp; value: Literal }
  | { kind: 'like'; field: FieldPath; value: Literal }
  | { kind: 'in'; field: FieldPath; negated: boolean; values: Literal[] };

export interface OrderItem {
  field: FieldPath;
  direction: 'ASC' | 'DESC';
  nulls: 'FIRST' | 'LAST';
}

export interface SoqlQuery {
  select: SelectItem[];
  from: { name: string; pos: Pos };
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

/** A query Salesforce would reject; the REST layer turns it into `[{message, errorCode}]` with status 400. */
export class SoqlError extends Error {
  constructor(
    readonly errorCode:
      | 'MALFORMED_QUERY'
      | 'INVALID_FIELD'
      | 'INVALID_TYPE'
      | 'INVALID_QUERY_FILTER_OPERATOR'
      | 'NUMBER_OUTSIDE_VALID_RANGE',
    readonly detail: string,
    readonly pos?: Pos,
  ) {
    super(detail);
    this.name = 'SoqlError';
  }

  /** Salesforce's message layout: the offending line, a caret under the column, then "ERROR at Row:r:Column:c". */
  format(soql: string): string {
    if (!this.pos) {
      return this.detail;
    }
    const line = soql.split(/\r\n|\r|\n/)[this.pos.row - 1] ?? '';
    const caret = `${' '.repeat(Math.max(0, this.pos.column - 1))}^`;
    return `\n${line}\n${caret}\nERROR at Row:${this.pos.row}:Column:${this.pos.column}\n${this.detail}`;
  }
}

/**
 * Words that cannot start a name. ORDER is missing on purpose: `FROM Order` and `Order.OrderNumber` are valid SOQL,
 * so ORDER only counts as a keyword when BY follows it.
 */
const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'BY',
  'ASC',
  'DESC',
  'NULLS',
  'LIMIT',
  'OFFSET',
  'TRUE',
  'FALSE',
  'NULL',
  'GROUP',
  'HAVING',
  'WITH',
  'FOR',
  'USING',
  'INCLUDES',
  'EXCLUDES',
]);

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER_RE = /^-?\d+(\.\d+)?(?![\w.])/;

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function validCalendarDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  let row = 1;
  let lineStart = 0;
  const posAt = (at: number): Pos => ({ offset: at, row, column: at - lineStart + 1 });

  while (offset < soql.length) {
    const ch = soql.charAt(offset);
    if (ch === '\n' || (ch === '\r' && soql.charAt(offset + 1) !== '\n')) {
      offset += 1;
      row += 1;
      lineStart = offset;
      continue;
    }
    if (/\s/.test(ch)) {
      offset += 1;
      continue;
    }
    const pos = posAt(offset);
    if (ch === "'") {
      tokens.push(readString(soql, offset, pos));
      offset += tokens[tokens.length - 1].text.length;
      continue;
    }
    const rest = soql.slice(offset);
    const dt = DATETIME_RE.exec(rest);
    if (dt) {
      const text = dt[0];
      const ms = Date.parse(text);
      const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
      const hh = Number(text.slice(11, 13));
      const mi = Number(text.slice(14, 16));
      const ss = Number(text.slice(17, 19));
      if (Number.isNaN(ms) || !validCalendarDate(y, m, d) || hh > 23 || mi > 59 || ss > 59) {
        throw new SoqlError(
          'MALFORMED_QUERY',
          `line ${pos.row}:${pos.column - 1} no viable alternative at character '${text}'`,
          pos,
        );
      }
      tokens.push({ kind: 'datetime', text, pos });
      offset += text.length;
      continue;
    }
    const date = DATE_RE.exec(rest);
    if (date) {
      const [y, m, d] = date[0].split('-').map(Number) as [number, number, number];
      if (!validCalendarDate(y, m, d)) {
        throw new SoqlError(
          'MALFORMED_QUERY',
          `line ${pos.row}:${pos.column - 1} no viable alternative at character '${date[0]}'`,
          pos,
        );
      }
      tokens.push({ kind: 'date', text: date[0], pos });
      offset += date[0].length;
      continue;
    }
    const num = NUMBER_RE.exec(rest);
    if (num) {
      tokens.push({ kind: 'number', text: num[0], pos });
      offset += num[0].length;
      continue;
    }
    // Relative date literals with a parameter are one token: LAST_N_DAYS:30.
    const nLiteral = /^(LAST_N_DAYS|NEXT_N_DAYS):(\d+)(?![\w.])/i.exec(rest);
    if (nLiteral) {
      tokens.push({ kind: 'ident', text: nLiteral[0], pos });
      offset += nLiteral[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos });
      offset += ident[0].length;
      continue;
    }
    const punct = /^(!=|<>|<=|>=|[=<>(),.])/.exec(rest);
    if (punct) {
      tokens.push({ kind: 'punct', text: punct[0] === '<>' ? '!=' : punct[0], pos });
      offset += punct[0].length;
      continue;
    }
    throw new SoqlError(
      'MALFORMED_QUERY',
      `line ${pos.row}:${pos.column - 1} no viable alternative at character '${ch}'`,
      pos,
    );
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: posAt(offset) });
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\b',
  B: '\b',
  f: '\f',
  F: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

function readString(soql: string, start: number, pos: Pos): Token {
  let value = '';
  let likeSource = '';
  let i = start + 1;
  while (i < soql.length) {
    const ch = soql.charAt(i);
    if (ch === "'") {
      return { kind: 'string', text: soql.slice(start, i + 1), pos, value, likeSource };
    }
    if (ch === '\\') {
      const next = soql.charAt(i + 1);
      if (next in SIMPLE_ESCAPES) {
        const decoded = SIMPLE_ESCAPES[next];
        value += decoded;
        likeSource += escapeRegex(decoded);
        i += 2;
        continue;
      }
      if (next === '%' || next === '_') {
        // Only meaningful in LIKE, where they match a literal % or _; elsewhere the character stands for itself.
        value += next;
        likeSource += escapeRegex(next);
        i += 2;
        continue;
      }
      if (next === 'u') {
        const hex = soql.slice(i + 2, i + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          const decoded = String.fromCharCode(parseInt(hex, 16));
          value += decoded;
          likeSource += escapeRegex(decoded);
          i += 6;
          continue;
        }
      }
      throw new SoqlError(
        'MALFORMED_QUERY',
        `Invalid string literal '${soql.slice(start, Math.min(soql.length, i + 2))}'. Illegal character sequence '\\${next}' in string literal.`,
        pos,
      );
    }
    value += ch;
    likeSource += ch === '%' ? '[\\s\\S]*' : ch === '_' ? '[\\s\\S]' : escapeRegex(ch);
    i += 1;
  }
  throw new SoqlError(
    'MALFORMED_QUERY',
    `line ${pos.row}:${pos.column - 1} mismatched character '<EOF>' expecting '''`,
    pos,
  );
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') {
      this.index += 1;
    }
    return token;
  }

  private isKeyword(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'ident' && token.text.toUpperCase() === word;
  }

  private isPunct(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'punct' && token.text === text;
  }

  private unexpected(token: Token = this.peek()): SoqlError {
    return new SoqlError('MALFORMED_QUERY', `unexpected token: ${token.text}`, token.pos);
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) {
      throw this.unexpected();
    }
    return this.next();
  }

  private expectPunct(text: string): Token {
    if (!this.isPunct(text)) {
      throw this.unexpected();
    }
    return this.next();
  }

  parseTop(): SoqlQuery {
    const query = this.parseQuery();
    if (this.peek().kind !== 'eof') {
      throw this.unexpected();
    }
    return query;
  }

  parseQuery(): SoqlQuery {
    this.expectKeyword('SELECT');
    const select: SelectItem[] = [];
    do {
      select.push(this.parseSelectItem());
    } while (this.isPunct(',') && this.next());
    this.expectKeyword('FROM');
    if (!this.isName()) {
      throw this.unexpected();
    }
    const fromToken = this.next();
    const query: SoqlQuery = { select, from: { name: fromToken.text, pos: fromToken.pos }, orderBy: [] };
    if (this.isKeyword('WHERE')) {
      this.next();
      query.where = this.parseCondition();
    }
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      do {
        query.orderBy.push(this.parseOrderItem());
      } while (this.isPunct(',') && this.next());
    }
    if (this.isKeyword('LIMIT')) {
      this.next();
      query.limit = this.parseNonNegativeInt();
    }
    if (this.isKeyword('OFFSET')) {
      this.next();
      query.offset = this.parseNonNegativeInt();
    }
    return query;
  }

  private parseNonNegativeInt(): number {
    const token = this.next();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) {
      throw this.unexpected(token);
    }
    return Number(token.text);
  }

  private parseSelectItem(): SelectItem {
    const token = this.peek();
    if (this.isPunct('(')) {
      this.next();
      const query = this.parseQuery();
      this.expectPunct(')');
      return { kind: 'subquery', query, pos: token.pos };
    }
    if (this.isKeyword('COUNT') && this.isPunct('(', 1)) {
      this.next();
      this.next();
      this.expectPunct(')');
      return { kind: 'count', pos: token.pos };
    }
    return { kind: 'field', path: this.parseFieldPath() };
  }

  /** An identifier that can be an object, relationship or field name here. */
  private isName(): boolean {
    const token = this.peek();
    if (token.kind !== 'ident' || RESERVED.has(token.text.toUpperCase())) {
      return false;
    }
    return !(token.text.toUpperCase() === 'ORDER' && this.isKeyword('BY', 1));
  }

  private parseFieldPath(): FieldPath {
    if (!this.isName()) {
      throw this.unexpected();
    }
    const first = this.next();
    const parts = [first.text];
    while (this.isPunct('.')) {
      this.next();
      const part = this.next();
      if (part.kind !== 'ident') {
        throw this.unexpected(part);
      }
      parts.push(part.text);
    }
    return { parts, pos: first.pos };
  }

  private parseOrderItem(): OrderItem {
    const field = this.parseFieldPath();
    let direction: OrderItem['direction'] = 'ASC';
    if (this.isKeyword('ASC') || this.isKeyword('DESC')) {
      direction = this.next().text.toUpperCase() as OrderItem['direction'];
    }
    // SOQL's defaults: ascending sorts put nulls first, descending sorts put them last.
    let nulls: OrderItem['nulls'] = direction === 'ASC' ? 'FIRST' : 'LAST';
    if (this.isKeyword('NULLS')) {
      this.next();
      if (!this.isKeyword('FIRST') && !this.isKeyword('LAST')) {
        throw this.unexpected();
      }
      nulls = this.next().text.toUpperCase() as OrderItem['nulls'];
    }
    return { field, direction, nulls };
  }

  private parseCondition(): Condition {
    const first = this.parseFactor();
    if (!this.isKeyword('AND') && !this.isKeyword('OR')) {
      return first;
    }
    const joiner = this.peek().text.toUpperCase() as 'AND' | 'OR';
    const other = joiner === 'AND' ? 'OR' : 'AND';
    const operands = [first];
    while (this.isKeyword(joiner)) {
      this.next();
      operands.push(this.parseFactor());
    }
    if (this.isKeyword(other)) {
      // "a AND b OR c" is ambiguous, so Salesforce rejects it instead of picking a precedence.
      throw this.unexpected();
    }
    return { kind: joiner === 'AND' ? 'and' : 'or', operands };
  }

  private parseFactor(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', operand: this.parseFactor() };
    }
    if (this.isPunct('(')) {
      this.next();
      const inner = this.parseCondition();
      this.expectPunct(')');
      return inner;
    }
    const field = this.parseFieldPath();
    const token = this.peek();
    if (token.kind === 'punct' && ['=', '!=', '<', '<=', '>', '>='].includes(token.text)) {
      this.next();
      return { kind: 'compare', field, op: token.text as CompareOp, value: this.parseLiteral() };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      return { kind: 'like', field, value: this.parseLiteral() };
    }
    let negated = false;
    if (this.isKeyword('NOT') && this.isKeyword('IN', 1)) {
      this.next();
      negated = true;
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.expectPunct('(');
      if (this.isKeyword('SELECT')) {
        throw new SoqlError(
          'MALFORMED_QUERY',
          'Semi-join subselects are not supported by this sandbox',
          this.peek().pos,
        );
      }
      const values: Literal[] = [];
      do {
        values.push(this.parseLiteral());
      } while (this.isPunct(',') && this.next());
      this.expectPunct(')');
      return { kind: 'in', field, negated, values };
    }
    throw this.unexpected();
  }

  private parseLiteral(): Literal {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        return { kind: 'string', value: token.value ?? '', likeSource: token.likeSource ?? '', pos: token.pos };
      case 'number':
        return { kind: 'number', value: Number(token.text), raw: token.text, pos: token.pos };
      case 'date':
        return { kind: 'date', value: token.text, pos: token.pos };
      case 'datetime':
        return { kind: 'datetime', value: token.text, ms: Date.parse(token.text), pos: token.pos };
      case 'ident': {
        const word = token.text.toUpperCase();
        if (word === 'TRUE' || word === 'FALSE') {
          return { kind: 'boolean', value: word === 'TRUE', pos: token.pos };
        }
        if (word === 'NULL') {
          return { kind: 'null', pos: token.pos };
        }
        if (word === 'TODAY' || word === 'YESTERDAY' || word === 'TOMORROW') {
          return { kind: 'dateLiteral', name: word, n: 0, pos: token.pos };
        }
        const nLiteral = /^(LAST_N_DAYS|NEXT_N_DAYS):(\d+)$/.exec(word);
        if (nLiteral) {
          return { kind: 'dateLiteral', name: nLiteral[1], n: Number(nLiteral[2]), pos: token.pos };
        }
        throw this.unexpected(token);
      }
      default:
        throw this.unexpected(token);
    }
  }
}

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(tokenize(soql)).parseTop();
}
