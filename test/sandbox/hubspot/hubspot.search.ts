/**
 * CRM search: POST /crm/v3/objects/{type}/search
 * https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm
 * - filterGroups are ORed, filters inside a group ANDed; at most 5 groups, 6 filters per group, 18 in all
 *   (the current guide; an Aug 2024 changelog had announced 10/25).
 * - page size at most 200, default 10; `after` is an offset; paging past 10,000 results is a 400.
 * - a request body of at most 3,000 characters.
 * - one sort rule; default order is by object id.
 * - `associations.{object}` pseudo-properties filter by associated record id.
 * Values are only ever compared as data (string/number/date comparison, glob for CONTAINS_TOKEN with every other
 * character escaped), so hostile input cannot change the query.
 */
import { show, validationError } from './hubspot.errors';
import { parseDateInput } from './hubspot.properties';
import { propertyDef, resolveObjectType, type ObjectTypeDef, type PropertyDef } from './hubspot.schema';
import type { HsRecord, HubspotStore } from './hubspot.store';

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_MAX_RESULTS = 10_000;
export const SEARCH_MAX_BODY_CHARS = 3_000;
const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
}

export interface SearchOutcome {
  total: number;
  results: HsRecord[];
  nextAfter?: string;
  properties?: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function scalar(value: unknown, where: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw validationError(`Invalid input JSON: ${where} must be a string`);
}

function parseFilter(def: ObjectTypeDef, raw: unknown): Filter {
  if (!isObject(raw) || typeof raw.propertyName !== 'string' || raw.propertyName === '') {
    throw validationError('Invalid input JSON: each filter needs a propertyName');
  }
  const operator = typeof raw.operator === 'string' ? raw.operator : 'EQ';
  if (!OPERATORS.has(operator)) {
    throw validationError(
      `Invalid input JSON: operator ${String(raw.operator)} is not one of [${[...OPERATORS].join(', ')}]`,
    );
  }
  const propertyName = raw.propertyName;
  const association = /^associations\.(.+)$/.exec(propertyName);
  if (association) {
    if (!resolveObjectType(association[1]) || !['EQ', 'NEQ', 'IN', 'NOT_IN'].includes(operator)) {
      throw validationError(`Invalid filter on ${propertyName}`);
    }
  } else if (!propertyDef(def, propertyName)) {
    throw validationError(
      `Unable to search on property ${propertyName}: it does not exist for object type ${def.singular}`,
    );
  }
  const filter: Filter = { propertyName, operator };
  if (operator === 'IN' || operator === 'NOT_IN') {
    if (!Array.isArray(raw.values) || raw.values.length === 0) {
      throw validationError(`Invalid input JSON: operator ${operator} needs a non-empty "values" array`);
    }
    filter.values = raw.values.map((v, i) => scalar(v, `values[${i}]`));
  } else if (operator !== 'HAS_PROPERTY' && operator !== 'NOT_HAS_PROPERTY') {
    if (raw.value === undefined || raw.value === null) {
      throw validationError(`Invalid input JSON: operator ${operator} needs a "value"`);
    }
    filter.value = scalar(raw.value, 'value');
    if (operator === 'BETWEEN') {
      if (raw.highValue === undefined || raw.highValue === null) {
        throw validationError('Invalid input JSON: operator BETWEEN needs a "highValue"');
      }
      filter.highValue = scalar(raw.highValue, 'highValue');
    }
  }
  return filter;
}

/** Typed comparison (numbers, instants, case-insensitive strings); undefined when the filter value does not parse. */
function compare(p: PropertyDef, recordValue: string, filterValue: string): number | undefined {
  if (p.type === 'number') {
    const a = Number(recordValue);
    const b = Number(filterValue);
    return Number.isNaN(b) || Number.isNaN(a) ? undefined : a - b;
  }
  if (p.type === 'datetime') {
    const a = Date.parse(recordValue);
    const b = parseDateInput(filterValue.trim());
    return b === undefined || Number.isNaN(a) ? undefined : a - b;
  }
  const a = recordValue.toLowerCase();
  const b = filterValue.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

function tokens(value: string): string[] {
  return value
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'iu');
}

function containsToken(recordValue: string, filterValue: string): boolean {
  if (filterValue.includes('*')) {
    const pattern = globToRegExp(filterValue.trim());
    return pattern.test(recordValue) || recordValue.split(/\s+/).some((word) => pattern.test(word));
  }
  const have = new Set(tokens(recordValue));
  const want = tokens(filterValue);
  return want.length > 0 && want.every((t) => have.has(t));
}

function matchesFilter(store: HubspotStore, def: ObjectTypeDef, record: HsRecord, filter: Filter): boolean {
  const association = /^associations\.(.+)$/.exec(filter.propertyName);
  if (association) {
    const target = resolveObjectType(association[1]) as ObjectTypeDef;
    const ids = new Set(store.associationsOf(record, target.name).map((a) => a.record.id));
    const wanted = filter.values ?? [filter.value as string];
    const any = wanted.some((id) => ids.has(id));
    return filter.operator === 'EQ' || filter.operator === 'IN' ? any : !any;
  }
  const p = propertyDef(def, filter.propertyName) as PropertyDef;
  const value = record.props[filter.propertyName];
  const cmp = (v: string): number | undefined => (value === undefined ? undefined : compare(p, value, v));
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return value !== undefined;
    case 'NOT_HAS_PROPERTY':
      return value === undefined;
    case 'EQ':
      return cmp(filter.value as string) === 0;
    case 'NEQ':
      return cmp(filter.value as string) !== 0;
    case 'LT':
      return (cmp(filter.value as string) ?? 0) < 0;
    case 'LTE':
      return value !== undefined && (cmp(filter.value as string) ?? 1) <= 0;
    case 'GT':
      return (cmp(filter.value as string) ?? 0) > 0;
    case 'GTE':
      return value !== undefined && (cmp(filter.value as string) ?? -1) >= 0;
    case 'BETWEEN': {
      const low = cmp(filter.value as string);
      const high = cmp(filter.highValue as string);
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'IN':
      return (filter.values ?? []).some((v) => cmp(v) === 0);
    case 'NOT_IN':
      return !(filter.values ?? []).some((v) => cmp(v) === 0);
    case 'CONTAINS_TOKEN':
      return value !== undefined && containsToken(value, filter.value as string);
    case 'NOT_CONTAINS_TOKEN':
      return value === undefined || !containsToken(value, filter.value as string);
    default:
      return false;
  }
}

function parseSorts(def: ObjectTypeDef, raw: unknown): Array<{ property: string; descending: boolean }> {
  if (raw === undefined || raw === null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    throw validationError('Invalid input JSON: "sorts" must be an array');
  }
  if (raw.length > 1) {
    throw validationError('Only one sort rule can be applied to a search request');
  }
  return raw.map((s) => {
    let property: string;
    let descending = false;
    if (typeof s === 'string') {
      descending = s.startsWith('-');
      property = descending ? s.slice(1) : s;
    } else if (isObject(s) && typeof s.propertyName === 'string') {
      property = s.propertyName;
      const direction = s.direction ?? 'ASCENDING';
      if (direction !== 'ASCENDING' && direction !== 'DESCENDING') {
        throw validationError(`Invalid sort direction: ${show(direction)}`);
      }
      descending = direction === 'DESCENDING';
    } else {
      throw validationError('Invalid input JSON: each sort needs a propertyName');
    }
    if (!propertyDef(def, property)) {
      throw validationError(
        `Unable to sort on property ${property}: it does not exist for object type ${def.singular}`,
      );
    }
    return { property, descending };
  });
}

function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === null) {
    return 10;
  }
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 0) {
    throw validationError(`Invalid input JSON: limit must be a non-negative integer, got ${show(raw)}`);
  }
  if (limit > SEARCH_MAX_LIMIT) {
    throw validationError(`limit must be less than or equal to ${SEARCH_MAX_LIMIT}`);
  }
  return limit;
}

function parseAfter(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') {
    return 0;
  }
  const after = Number(raw);
  if (!/^\d+$/.test(show(raw)) || !Number.isSafeInteger(after)) {
    throw validationError(`Invalid input JSON: after must be a numeric paging cursor, got ${show(raw)}`);
  }
  if (after >= SEARCH_MAX_RESULTS) {
    throw validationError(
      `The search endpoints are limited to ${SEARCH_MAX_RESULTS} total results for any given query.`,
    );
  }
  return after;
}

function matchesQuery(def: ObjectTypeDef, record: HsRecord, query: string): boolean {
  const words = tokens(query);
  if (words.length === 0) {
    return true;
  }
  const have = def.properties.filter((p) => p.textSearchable).flatMap((p) => tokens(record.props[p.name] ?? ''));
  return words.every((w) => have.some((t) => t.startsWith(w)));
}

export function runSearch(store: HubspotStore, def: ObjectTypeDef, body: unknown, bodyChars: number): SearchOutcome {
  if (!isObject(body)) {
    throw validationError('Invalid input JSON: the search request must be a JSON object');
  }
  if (bodyChars > SEARCH_MAX_BODY_CHARS) {
    throw validationError(`A search request can contain a maximum of ${SEARCH_MAX_BODY_CHARS} characters`);
  }
  const rawGroups = body.filterGroups ?? [];
  if (!Array.isArray(rawGroups)) {
    throw validationError('Invalid input JSON: "filterGroups" must be an array');
  }
  if (rawGroups.length > MAX_GROUPS) {
    throw validationError(`Too many filter groups: the maximum is ${MAX_GROUPS}`);
  }
  let filterCount = 0;
  const groups = rawGroups.map((g) => {
    const filters = isObject(g) ? g.filters : undefined;
    if (!Array.isArray(filters)) {
      throw validationError('Invalid input JSON: each filter group needs a "filters" array');
    }
    if (filters.length > MAX_FILTERS_PER_GROUP) {
      throw validationError(`Too many filters in a filter group: the maximum is ${MAX_FILTERS_PER_GROUP}`);
    }
    filterCount += filters.length;
    return filters.map((f) => parseFilter(def, f));
  });
  if (filterCount > MAX_FILTERS) {
    throw validationError(`Too many filters: the maximum is ${MAX_FILTERS} across all filter groups`);
  }
  const sorts = parseSorts(def, body.sorts);
  const limit = parseLimit(body.limit);
  const after = parseAfter(body.after);
  if (body.query !== undefined && typeof body.query !== 'string') {
    throw validationError('Invalid input JSON: "query" must be a string');
  }
  let properties: string[] | undefined;
  if (body.properties !== undefined) {
    if (!Array.isArray(body.properties)) {
      throw validationError('Invalid input JSON: "properties" must be an array of property names');
    }
    properties = body.properties.map((p, i) => scalar(p, `properties[${i}]`));
  }

  let hits = store
    .list(def.name, false)
    .filter((r) => groups.length === 0 || groups.some((g) => g.every((f) => matchesFilter(store, def, r, f))))
    .filter((r) => (typeof body.query === 'string' ? matchesQuery(def, r, body.query) : true));
  const sort = sorts[0];
  if (sort) {
    const p = propertyDef(def, sort.property) as PropertyDef;
    hits = hits.sort((a, b) => {
      const av = a.props[sort.property];
      const bv = b.props[sort.property];
      if (av === undefined || bv === undefined) {
        return av === bv ? Number(a.id) - Number(b.id) : av === undefined ? 1 : -1;
      }
      const c = compare(p, av, bv) ?? 0;
      return (sort.descending ? -c : c) || Number(a.id) - Number(b.id);
    });
  }
  const end = Math.min(after + limit, SEARCH_MAX_RESULTS);
  const outcome: SearchOutcome = { total: hits.length, results: hits.slice(after, end) };
  if (properties) {
    outcome.properties = properties;
  }
  if (end < hits.length && end < SEARCH_MAX_RESULTS && limit > 0) {
    outcome.nextAfter = String(end);
  }
  return outcome;
}
