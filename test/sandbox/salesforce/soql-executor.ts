import { scalarText } from './errors';
import { normalizeId } from './ids';
import {
  NAME_OBJECT_FIELDS,
  findChildRelationship,
  findField,
  findObject,
  findRelationship,
  isPolymorphic,
  objectForId,
  type FieldDef,
  type ObjectDef,
} from './schema';
import { SoqlError, type Condition, type FieldPath, type Literal, type OrderItem, type SoqlQuery } from './soql';
import { parseSfDateTime, type OrgStore, type SObjectRecord } from './store';

/**
 * Runs a parsed SOQL query against the store: resolves names (INVALID_TYPE / INVALID_FIELD), type-checks filter
 * values (INVALID_QUERY_FILTER_OPERATOR), filters, sorts, limits and shapes records the way the REST query resource
 * returns them: `{attributes:{type,url}, Field: value, Parent: {attributes, Field} | null, Children: {totalSize, done,
 * records} | null}`.
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_query_using.htm
 */

interface ResolvedPath {
  /** Lookup fields walked from the queried object, in order. */
  chain: FieldDef[];
  /** Canonical relationship names matching `chain`. */
  relationshipNames: string[];
  field: FieldDef;
  /** The last hop is polymorphic: `field` belongs to the Name pseudo-object. */
  viaNameObject: boolean;
}

const STRING_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist']);
const ID_TYPES = new Set(['id', 'reference']);
const NUMBER_TYPES = new Set(['double', 'currency', 'int']);

/** Long text areas can be neither filtered nor sorted. */
function isLongText(field: FieldDef): boolean {
  return field.type === 'textarea' && (field.length ?? 0) > 255;
}

export interface QueryOutput {
  totalSize: number;
  records: Array<Record<string, unknown>>;
}

export class SoqlExecutor {
  constructor(
    private readonly store: OrgStore,
    private readonly version: string,
  ) {}

  execute(query: SoqlQuery, includeDeleted: boolean): QueryOutput {
    const object = findObject(query.from.name);
    if (!object) {
      throw new SoqlError(
        'INVALID_TYPE',
        `sObject type '${query.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
        query.from.pos,
      );
    }
    if (query.offset !== undefined && query.offset > 2000) {
      throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000');
    }
    const isCount = query.select.some((item) => item.kind === 'count');
    if (isCount && query.select.length > 1) {
      const item = query.select.find((i) => i.kind !== 'count');
      const pos = item?.kind === 'field' ? item.path.pos : item?.pos;
      throw new SoqlError('MALFORMED_QUERY', 'COUNT() cannot be combined with other fields', pos);
    }
    const rows = this.run(object, this.store.records(object.name, includeDeleted), query, includeDeleted, false);
    if (isCount) {
      return { totalSize: rows.length, records: [] };
    }
    return { totalSize: rows.length, records: rows.map((row) => this.project(object, row, query, includeDeleted)) };
  }

  /** Filter, sort, offset and limit: shared by top-level queries and parent-to-child subqueries. */
  private run(
    object: ObjectDef,
    source: SObjectRecord[],
    query: SoqlQuery,
    includeDeleted: boolean,
    isSubquery: boolean,
  ): SObjectRecord[] {
    // Resolve every name up front so an invalid query fails even when no record would reach the bad field.
    for (const item of query.select) {
      if (item.kind === 'field') {
        this.resolve(object, item.path);
      } else if (item.kind === 'subquery') {
        if (isSubquery) {
          throw new SoqlError('MALFORMED_QUERY', 'Nesting of semi join sub-selects is not supported', item.pos);
        }
        const { child } = this.childRelationship(object, item.query);
        this.run(child, [], item.query, includeDeleted, true);
      }
    }
    const predicate = query.where ? this.compile(object, query.where) : () => true;
    const order = query.orderBy.map((o) => ({ item: o, path: this.resolveSortable(object, o) }));
    let rows = source.filter(predicate);
    if (order.length > 0) {
      const keyed = rows.map((row, index) => ({
        row,
        index,
        keys: order.map((o) => this.sortKey(this.valueOf(row, o.path), o.path.field)),
      }));
      keyed.sort((a, b) => {
        for (let i = 0; i < order.length; i += 1) {
          const cmp = compareForSort(a.keys[i], b.keys[i], (order[i] as { item: OrderItem }).item);
          if (cmp !== 0) {
            return cmp;
          }
        }
        return a.index - b.index;
      });
      rows = keyed.map((k) => k.row);
    }
    const offset = query.offset ?? 0;
    return rows.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
  }

  private childRelationship(object: ObjectDef, sub: SoqlQuery): { child: ObjectDef; field: string } {
    const rel = findChildRelationship(object, sub.from.name);
    const child = rel ? findObject(rel.childSObject) : undefined;
    if (!rel || !child) {
      throw new SoqlError(
        'INVALID_TYPE',
        `Didn't understand relationship '${sub.from.name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        sub.from.pos,
      );
    }
    return { child, field: rel.field };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Names

  resolve(object: ObjectDef, path: FieldPath): ResolvedPath {
    let parts = path.parts;
    if (
      parts.length > 1 &&
      parts[0]?.toLowerCase() === object.name.toLowerCase() &&
      !findRelationship(object, parts[0])
    ) {
      parts = parts.slice(1);
    }
    const chain: FieldDef[] = [];
    const relationshipNames: string[] = [];
    let current: ObjectDef | 'Name' = object;
    for (let i = 0; i < parts.length - 1; i += 1) {
      const rel: FieldDef | undefined = current === 'Name' ? undefined : findRelationship(current, parts[i]);
      if (!rel) {
        throw new SoqlError(
          'INVALID_FIELD',
          `Didn't understand relationship '${parts[i]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
          path.pos,
        );
      }
      chain.push(rel);
      relationshipNames.push(rel.relationshipName as string);
      current = isPolymorphic(rel) ? 'Name' : (findObject((rel.referenceTo ?? [])[0]) as ObjectDef);
    }
    const last = parts[parts.length - 1];
    const field =
      current === 'Name'
        ? NAME_OBJECT_FIELDS.find((f) => f.name.toLowerCase() === last.toLowerCase())
        : findField(current, last);
    if (!field) {
      throw new SoqlError(
        'INVALID_FIELD',
        `No such column '${last}' on entity '${current === 'Name' ? 'Name' : current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        path.pos,
      );
    }
    return { chain, relationshipNames, field, viaNameObject: current === 'Name' };
  }

  private resolveSortable(object: ObjectDef, item: OrderItem): ResolvedPath {
    const resolved = this.resolve(object, item.field);
    if (isLongText(resolved.field)) {
      throw new SoqlError(
        'INVALID_FIELD',
        `field '${resolved.field.name}' can not be sorted in a query call`,
        item.field.pos,
      );
    }
    return resolved;
  }

  /** Walks lookups from `record`; null as soon as a lookup is empty. */
  valueOf(record: SObjectRecord, path: ResolvedPath): unknown {
    let current: SObjectRecord | undefined = record;
    for (const rel of path.chain) {
      const id: unknown = current?.[rel.name];
      current = typeof id === 'string' ? this.store.get(id) : undefined;
      if (!current) {
        return null;
      }
    }
    if (!current) {
      return null;
    }
    if (path.viaNameObject) {
      const object = objectForId(current.Id) as ObjectDef;
      if (path.field.name === 'Type') {
        return object.name;
      }
      if (path.field.name === 'Name') {
        return current[object.nameField] ?? null;
      }
      return current.Id;
    }
    return current[path.field.name] ?? null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // WHERE

  private compile(object: ObjectDef, cond: Condition): (r: SObjectRecord) => boolean {
    switch (cond.kind) {
      case 'and': {
        const parts = cond.operands.map((c) => this.compile(object, c));
        return (r) => parts.every((p) => p(r));
      }
      case 'or': {
        const parts = cond.operands.map((c) => this.compile(object, c));
        return (r) => parts.some((p) => p(r));
      }
      case 'not': {
        const inner = this.compile(object, cond.operand);
        return (r) => !inner(r);
      }
      case 'compare': {
        const path = this.filterable(object, cond.field);
        const field = path.field;
        if (field.type === 'boolean' && !['=', '!='].includes(cond.op)) {
          throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', 'invalid operator on boolean field', cond.field.pos);
        }
        const literal = this.literalValue(field, cond.value);
        return (r) => compareValues(this.comparable(field, this.valueOf(r, path)), cond.op, literal);
      }
      case 'in': {
        const path = this.filterable(object, cond.field);
        const values = cond.values.map((v) => this.literalValue(path.field, v));
        return (r) => {
          const value = this.comparable(path.field, this.valueOf(r, path));
          const hit = values.some((v) => compareValues(value, '=', v));
          return cond.negated ? !hit : hit;
        };
      }
      case 'like': {
        const path = this.filterable(object, cond.field);
        if (!STRING_TYPES.has(path.field.type) && !ID_TYPES.has(path.field.type)) {
          throw new SoqlError(
            'INVALID_QUERY_FILTER_OPERATOR',
            `invalid operator on ${path.field.type} field`,
            cond.field.pos,
          );
        }
        if (cond.value.kind !== 'string') {
          throw new SoqlError(
            'INVALID_QUERY_FILTER_OPERATOR',
            `value of filter criterion for field '${path.field.name}' must be of type string and should be enclosed in quotes`,
            cond.value.pos,
          );
        }
        const regex = new RegExp(`^${cond.value.likeSource}$`, 'iu');
        return (r) => {
          const value = this.valueOf(r, path);
          return typeof value === 'string' && regex.test(value);
        };
      }
    }
  }

  private filterable(object: ObjectDef, fieldPath: FieldPath): ResolvedPath {
    const path = this.resolve(object, fieldPath);
    if (isLongText(path.field)) {
      throw new SoqlError(
        'INVALID_FIELD',
        `field '${path.field.name}' can not be filtered in a query call`,
        fieldPath.pos,
      );
    }
    return path;
  }

  /** Checks the literal's type against the field's and normalizes it for comparison. */
  private literalValue(field: FieldDef, literal: Literal): Comparable {
    if (literal.kind === 'null') {
      return null;
    }
    const mismatch = (typeName: string, quoted: boolean): SoqlError =>
      new SoqlError(
        'INVALID_QUERY_FILTER_OPERATOR',
        `value of filter criterion for field '${field.name}' must be of type ${typeName} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
        literal.pos,
      );
    if (ID_TYPES.has(field.type)) {
      if (literal.kind !== 'string') {
        throw mismatch('id', true);
      }
      if (literal.value === '') {
        return null;
      }
      const id = normalizeId(literal.value);
      if (!id) {
        throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${literal.value}`, literal.pos);
      }
      return id;
    }
    if (STRING_TYPES.has(field.type)) {
      if (literal.kind !== 'string') {
        throw mismatch('string', true);
      }
      return literal.value.toLowerCase();
    }
    if (field.type === 'boolean') {
      if (literal.kind !== 'boolean') {
        throw mismatch('boolean', false);
      }
      return literal.value;
    }
    if (NUMBER_TYPES.has(field.type)) {
      if (literal.kind !== 'number') {
        throw mismatch('double', false);
      }
      return literal.value;
    }
    if (literal.kind === 'dateLiteral' && (field.type === 'date' || field.type === 'datetime')) {
      return this.dateRange(literal.name, literal.n);
    }
    if (field.type === 'date') {
      if (literal.kind !== 'date') {
        throw mismatch('date', false);
      }
      return literal.value;
    }
    if (field.type === 'datetime') {
      if (literal.kind !== 'datetime') {
        throw mismatch('dateTime', false);
      }
      return literal.ms;
    }
    throw mismatch(field.type, false);
  }

  /**
   * Relative date literals, in the integration user's time zone (UTC):
   * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm
   */
  private dateRange(name: string, n: number): DayRange {
    const DAY = 86_400_000;
    const today = Math.floor(this.store.currentTime() / DAY) * DAY;
    switch (name) {
      case 'YESTERDAY':
        return { start: today - DAY, end: today };
      case 'TOMORROW':
        return { start: today + DAY, end: today + 2 * DAY };
      case 'LAST_N_DAYS':
        // Today and the n days before it.
        return { start: today - n * DAY, end: today + DAY };
      case 'NEXT_N_DAYS':
        // The n days after today.
        return { start: today + DAY, end: today + (n + 1) * DAY };
      default:
        return { start: today, end: today + DAY };
    }
  }

  private comparable(field: FieldDef, value: unknown): Comparable {
    if (value === null || value === undefined) {
      return null;
    }
    if (ID_TYPES.has(field.type)) {
      return normalizeId(scalarText(value)) ?? scalarText(value);
    }
    if (STRING_TYPES.has(field.type)) {
      return scalarText(value).toLowerCase();
    }
    if (field.type === 'datetime') {
      return parseSfDateTime(value) ?? null;
    }
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
      return value;
    }
    return null;
  }

  private sortKey(value: unknown, field: FieldDef): Comparable {
    if (value === null || value === undefined) {
      return null;
    }
    // Ids sort by their base-62 value, i.e. case-sensitively (0-9 < A-Z < a-z), the same order `Id >` / `Id <`
    // compares in: PK chunking's documented boundaries run 001300000000000 < 00130000000132G < 00130000000264W
    // < 00130000000396m.
    // https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/async_api_headers_enable_pk_chunking.htm
    if (ID_TYPES.has(field.type) && typeof value === 'string') {
      return normalizeId(value) ?? value;
    }
    if (typeof value === 'string') {
      const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? parseSfDateTime(value) : undefined;
      return ms ?? value.toLowerCase();
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
      return value;
    }
    return scalarText(value);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Output shape

  private attributes(object: ObjectDef, id: string): { type: string; url: string } {
    return { type: object.name, url: `/services/data/v${this.version}/sobjects/${object.name}/${id}` };
  }

  private project(
    object: ObjectDef,
    record: SObjectRecord,
    query: SoqlQuery,
    includeDeleted: boolean,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = { attributes: this.attributes(object, record.Id) };
    for (const item of query.select) {
      if (item.kind === 'field') {
        this.projectPath(out, record, this.resolve(object, item.path));
      } else if (item.kind === 'subquery') {
        const { child, field } = this.childRelationship(object, item.query);
        const rel = findChildRelationship(object, item.query.from.name);
        const children = this.store.records(child.name, includeDeleted).filter((c) => c[field] === record.Id);
        const rows = this.run(child, children, item.query, includeDeleted, true);
        // A parent without children gets null, not an empty result.
        out[rel?.relationshipName ?? item.query.from.name] =
          rows.length === 0
            ? null
            : {
                totalSize: rows.length,
                done: true,
                records: rows.map((row) => this.project(child, row, item.query, includeDeleted)),
              };
      }
    }
    return out;
  }

  private projectPath(out: Record<string, unknown>, record: SObjectRecord, path: ResolvedPath): void {
    let target = out;
    let current: SObjectRecord | undefined = record;
    for (let i = 0; i < path.chain.length; i += 1) {
      const rel = path.chain[i];
      const name = path.relationshipNames[i];
      const id: unknown = current?.[rel.name];
      const parent: SObjectRecord | undefined = typeof id === 'string' ? this.store.get(id) : undefined;
      if (!parent) {
        if (!(name in target)) {
          target[name] = null;
        }
        return;
      }
      const existing = target[name];
      if (existing && typeof existing === 'object') {
        target = existing as Record<string, unknown>;
      } else {
        const parentObject = objectForId(parent.Id) as ObjectDef;
        const nested: Record<string, unknown> = { attributes: this.attributes(parentObject, parent.Id) };
        target[name] = nested;
        target = nested;
      }
      current = parent;
    }
    target[path.field.name] = this.valueOf(record, path);
  }
}

/** A relative date literal: [start, end) in epoch ms, whole UTC days. */
interface DayRange {
  start: number;
  end: number;
}

type Comparable = string | number | boolean | null | DayRange;

function compareToRange(value: Comparable, op: string, range: DayRange): boolean {
  if (value === null) {
    return op === '!=';
  }
  // Date fields hold 'YYYY-MM-DD'; datetime fields were already turned into epoch ms.
  const ms = typeof value === 'string' ? Date.parse(`${value}T00:00:00Z`) : Number(value);
  const inside = ms >= range.start && ms < range.end;
  switch (op) {
    case '=':
      return inside;
    case '!=':
      return !inside;
    case '<':
      return ms < range.start;
    case '<=':
      return ms < range.end;
    case '>':
      return ms >= range.end;
    case '>=':
      return ms >= range.start;
    default:
      return false;
  }
}

function compareValues(value: Comparable, op: string, literal: Comparable): boolean {
  if (literal !== null && typeof literal === 'object') {
    return compareToRange(value, op, literal);
  }
  if (value !== null && typeof value === 'object') {
    return false;
  }
  if (literal === null) {
    if (op === '=') {
      return value === null;
    }
    if (op === '!=') {
      return value !== null;
    }
    return false;
  }
  if (value === null) {
    // SOQL treats null as a value: "Email != 'x'" includes contacts without an email.
    return op === '!=';
  }
  switch (op) {
    case '=':
      return value === literal;
    case '!=':
      return value !== literal;
    case '<':
      return value < literal;
    case '<=':
      return value <= literal;
    case '>':
      return value > literal;
    case '>=':
      return value >= literal;
    default:
      return false;
  }
}

function compareForSort(a: Comparable, b: Comparable, item: OrderItem): number {
  if (a === null || b === null) {
    if (a === b) {
      return 0;
    }
    const nullFirst = item.nulls === 'FIRST' ? -1 : 1;
    return a === null ? nullFirst : -nullFirst;
  }
  const base = a < b ? -1 : a > b ? 1 : 0;
  return item.direction === 'ASC' ? base : -base;
}
