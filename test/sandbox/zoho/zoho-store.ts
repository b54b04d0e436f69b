/**
 * In-memory records of the emulated org, with Zoho's write-time validation (types, lengths, lookups, mandatory
 * and unique fields) and its wire rendering (lookups as {name, id}, times as yyyy-MM-ddTHH:mm:ss+00:00).
 *
 * Writes are per record: the routes loop over `data[]` so that one bad record fails alone (HTTP 207), which is
 * how Insert/Update/Upsert Records behave (https://www.zoho.com/crm/developer/docs/api/v8/insert-records.html).
 */
import { randomBytes } from 'node:crypto';
import { zohoError, type ZohoError } from './zoho-errors';
import { CURRENT_USER, fieldOf, findModule, OWNER, ORG_ID_PREFIX, type FieldDef, type ModuleDef } from './zoho-schema';

export interface StoredRecord {
  id: string;
  module: ModuleDef;
  /** Writable field values in stored form (lookups as {id} or Parent_Id {module, id}). */
  values: Record<string, unknown>;
  createdAt: number;
  modifiedAt: number;
  /** Search only sees a record once it is indexed (Zoho documents an indexing delay). */
  indexedAt: number;
}

export type WriteOutcome =
  { ok: true; record: StoredRecord; action: 'insert' | 'update'; changed: string[] } | { ok: false; error: ZohoError };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:[+-]\d{2}:\d{2}|Z)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DIGITS = /^\d{1,19}$/;

/** Zoho's datetime format: second precision with an explicit offset (the org runs in UTC). */
export function zohoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && DIGITS.test(value)) {
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
    return String(value);
  }
  return undefined;
}

const invalidData = (apiName: string, jsonPath: string, extra: Record<string, unknown> = {}): ZohoError =>
  zohoError('INVALID_DATA', 'invalid data', { api_name: apiName, json_path: jsonPath, ...extra });

const mandatoryMissing = (apiName: string, jsonPath: string): ZohoError =>
  zohoError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: apiName, json_path: jsonPath });

export class ZohoStore {
  private readonly modules = new Map<string, Map<string, StoredRecord>>();
  private idCounter = 100_000_001;
  private caseCounter = 1000;
  private lastTick = 0;

  constructor(private readonly searchIndexDelayMs = 0) {}

  /** Strictly increasing clock so that sort by Modified_Time is stable within one millisecond. */
  now(): number {
    this.lastTick = Math.max(Date.now(), this.lastTick + 1);
    return this.lastTick;
  }

  newId(): string {
    const id = `${ORG_ID_PREFIX}000${String(this.idCounter)}`;
    this.idCounter += 1;
    return id;
  }

  table(module: ModuleDef): Map<string, StoredRecord> {
    let table = this.modules.get(module.api_name);
    if (!table) {
      table = new Map();
      this.modules.set(module.api_name, table);
    }
    return table;
  }

  get(module: ModuleDef, id: string): StoredRecord | undefined {
    return this.table(module).get(id);
  }

  all(module: ModuleDef): StoredRecord[] {
    return [...this.table(module).values()];
  }

  /** Records visible to the Search API (indexed). */
  searchable(module: ModuleDef): StoredRecord[] {
    const now = Date.now();
    return this.all(module).filter((record) => record.indexedAt <= now);
  }

  /** Direct insert for seeding: values are trusted, timestamps given. */
  seed(module: ModuleDef, values: Record<string, unknown>, createdAt: number, modifiedAt: number): StoredRecord {
    const record: StoredRecord = {
      id: this.newId(),
      module,
      values: { ...values },
      createdAt,
      modifiedAt,
      indexedAt: 0,
    };
    this.finalize(record);
    this.table(module).set(record.id, record);
    return record;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Validation

  /**
   * Checks one `data[i]` object and converts it into stored values. Unknown keys and read-only fields are
   * dropped silently (Zoho ignores them); `$`-prefixed control keys are ignored too.
   */
  private clean(
    module: ModuleDef,
    input: Record<string, unknown>,
    base: string,
    mode: 'create' | 'update',
  ): { ok: true; values: Record<string, unknown> } | { ok: false; error: ZohoError } {
    const values: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(input)) {
      const field = fieldOf(module, key);
      if (!field || field.read_only || key === 'id' || key.startsWith('$')) {
        continue;
      }
      const path = `${base}.${key}`;
      if (raw === null || raw === '') {
        if (field.system_mandatory) {
          return { ok: false, error: mandatoryMissing(key, path) };
        }
        values[key] = null;
        continue;
      }
      const checked = this.checkValue(module, field, raw, path);
      if (!checked.ok) {
        return checked;
      }
      values[key] = checked.value;
    }
    if (mode === 'create') {
      for (const field of module.fields) {
        if (field.system_mandatory && (values[field.api_name] === undefined || values[field.api_name] === null)) {
          return { ok: false, error: mandatoryMissing(field.api_name, `${base}.${field.api_name}`) };
        }
      }
    }
    return { ok: true, values };
  }

  private checkValue(
    module: ModuleDef,
    field: FieldDef,
    raw: unknown,
    path: string,
  ): { ok: true; value: unknown } | { ok: false; error: ZohoError } {
    const name = field.api_name;
    const typeError = (expected: string) => ({
      ok: false as const,
      error: invalidData(name, path, { expected_data_type: expected }),
    });
    switch (field.data_type) {
      case 'text':
      case 'textarea':
      case 'email':
      case 'phone':
      case 'website':
      case 'picklist': {
        if (typeof raw !== 'string') {
          return typeError(field.data_type);
        }
        if (field.length !== undefined && raw.length > field.length) {
          return { ok: false, error: invalidData(name, path, { maximum_length: field.length }) };
        }
        if (field.data_type === 'email' && !EMAIL.test(raw)) {
          return { ok: false, error: invalidData(name, path) };
        }
        return { ok: true, value: raw };
      }
      case 'currency':
      case 'double':
        return typeof raw === 'number' && Number.isFinite(raw) ? { ok: true, value: raw } : typeError('double');
      case 'integer':
        return typeof raw === 'number' && Number.isInteger(raw) ? { ok: true, value: raw } : typeError('integer');
      case 'boolean':
        return typeof raw === 'boolean' ? { ok: true, value: raw } : typeError('boolean');
      case 'date':
        return typeof raw === 'string' && ISO_DATE.test(raw) ? { ok: true, value: raw } : typeError('date');
      case 'datetime':
        return typeof raw === 'string' && ISO_DATETIME.test(raw) && !Number.isNaN(Date.parse(raw))
          ? { ok: true, value: raw }
          : typeError('datetime');
      case 'ownerlookup': {
        const id = isPlainObject(raw) ? idOf(raw.id) : undefined;
        if (id === undefined) {
          return typeError('jsonobject');
        }
        return id === CURRENT_USER.id
          ? { ok: true, value: { id } }
          : { ok: false, error: invalidData(name, `${path}.id`) };
      }
      case 'lookup':
        return module.api_name === 'Notes' && name === 'Parent_Id'
          ? this.checkParent(raw, path)
          : this.checkLookup(field, raw, path);
      case 'subform':
        return this.checkSubform(field, raw, path);
      default:
        return { ok: false, error: invalidData(name, path) };
    }
  }

  private checkLookup(
    field: FieldDef,
    raw: unknown,
    path: string,
  ): { ok: true; value: unknown } | { ok: false; error: ZohoError } {
    if (!isPlainObject(raw)) {
      return { ok: false, error: invalidData(field.api_name, path, { expected_data_type: 'jsonobject' }) };
    }
    const id = idOf(raw.id);
    const target = findModule(field.lookup_module);
    if (id === undefined || !target || !this.get(target, id)) {
      return { ok: false, error: invalidData(field.api_name, `${path}.id`) };
    }
    return { ok: true, value: { id } };
  }

  private checkParent(raw: unknown, path: string): { ok: true; value: unknown } | { ok: false; error: ZohoError } {
    if (!isPlainObject(raw)) {
      return { ok: false, error: invalidData('Parent_Id', path, { expected_data_type: 'jsonobject' }) };
    }
    const moduleRef = raw.module;
    const apiName = isPlainObject(moduleRef) ? moduleRef.api_name : undefined;
    if (typeof apiName !== 'string' || apiName.length === 0) {
      return { ok: false, error: mandatoryMissing('api_name', `${path}.module.api_name`) };
    }
    const parentModule = findModule(apiName);
    if (!parentModule || parentModule.subform || parentModule.api_name === 'Notes') {
      return { ok: false, error: invalidData('api_name', `${path}.module.api_name`) };
    }
    if (raw.id === undefined || raw.id === null) {
      return { ok: false, error: mandatoryMissing('id', `${path}.id`) };
    }
    const id = idOf(raw.id);
    if (id === undefined || !this.get(parentModule, id)) {
      return { ok: false, error: invalidData('id', `${path}.id`) };
    }
    return { ok: true, value: { module: parentModule.api_name, id } };
  }

  private checkSubform(
    field: FieldDef,
    raw: unknown,
    path: string,
  ): { ok: true; value: unknown } | { ok: false; error: ZohoError } {
    const sub = findModule(field.subform_module);
    if (!Array.isArray(raw) || !sub) {
      return { ok: false, error: invalidData(field.api_name, path, { expected_data_type: 'jsonarray' }) };
    }
    const rows: Array<Record<string, unknown>> = [];
    for (const [i, row] of raw.entries()) {
      const rowPath = `${path}[${i}]`;
      if (!isPlainObject(row)) {
        return { ok: false, error: invalidData(field.api_name, rowPath, { expected_data_type: 'jsonobject' }) };
      }
      const cleaned = this.clean(sub, row, rowPath, 'create');
      if (!cleaned.ok) {
        return cleaned;
      }
      const quantity = Number(cleaned.values.Quantity ?? 0);
      const price = Number(cleaned.values.List_Price ?? 0);
      rows.push({
        id: idOf(row.id) ?? this.newId(),
        ...cleaned.values,
        Total: quantity * price,
        Net_Total: quantity * price,
      });
    }
    return { ok: true, value: rows };
  }

  /** Read-only values derived from the others (Full_Name, totals, Case_Number). */
  private finalize(record: StoredRecord): void {
    const v = record.values;
    if (record.module.api_name === 'Contacts') {
      v.Full_Name = [v.First_Name, v.Last_Name].filter((x) => typeof x === 'string' && x.length > 0).join(' ');
    }
    if (record.module.api_name === 'Sales_Orders') {
      const rows = Array.isArray(v.Ordered_Items) ? (v.Ordered_Items as Array<Record<string, unknown>>) : [];
      const total = rows.reduce((sum, row) => sum + Number(row.Total ?? 0), 0);
      v.Sub_Total = total;
      v.Grand_Total = total;
    }
    if (record.module.api_name === 'Cases' && v.Case_Number === undefined) {
      v.Case_Number = String(this.caseCounter);
      this.caseCounter += 1;
    }
  }

  /** First other record holding the same value in a unique field (case-insensitive, Zoho's default). */
  private uniqueClash(
    module: ModuleDef,
    values: Record<string, unknown>,
    selfId: string | undefined,
    base: string,
  ): ZohoError | undefined {
    for (const field of module.fields) {
      if (!field.unique) {
        continue;
      }
      const value = values[field.api_name];
      if (typeof value !== 'string' || value.length === 0) {
        continue;
      }
      const wanted = value.toLowerCase();
      const other = this.all(module).find(
        (r) =>
          r.id !== selfId &&
          typeof r.values[field.api_name] === 'string' &&
          (r.values[field.api_name] as string).toLowerCase() === wanted,
      );
      if (other) {
        return zohoError('DUPLICATE_DATA', 'duplicate data', {
          api_name: field.api_name,
          json_path: `${base}.${field.api_name}`,
          duplicate_record: {
            id: other.id,
            Owner: { name: OWNER.name, id: OWNER.id, zuid: CURRENT_USER.zuid },
            module: { api_name: module.api_name, id: module.id },
          },
          id: other.id,
          more_records: false,
        });
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writes

  insert(module: ModuleDef, input: unknown, index: number): WriteOutcome {
    const base = `$.data[${index}]`;
    if (!isPlainObject(input)) {
      return { ok: false, error: invalidData('data', base, { expected_data_type: 'jsonobject' }) };
    }
    const cleaned = this.clean(module, input, base, 'create');
    if (!cleaned.ok) {
      return cleaned;
    }
    const clash = this.uniqueClash(module, cleaned.values, undefined, base);
    if (clash) {
      return { ok: false, error: clash };
    }
    const now = this.now();
    const record: StoredRecord = {
      id: this.newId(),
      module,
      values: Object.fromEntries(Object.entries(cleaned.values).filter(([, v]) => v !== null)),
      createdAt: now,
      modifiedAt: now,
      indexedAt: Date.now() + this.searchIndexDelayMs,
    };
    this.finalize(record);
    this.table(module).set(record.id, record);
    return { ok: true, record, action: 'insert', changed: Object.keys(cleaned.values) };
  }

  update(module: ModuleDef, id: string, input: unknown, index: number, ifUnmodifiedSince?: number): WriteOutcome {
    const base = `$.data[${index}]`;
    if (!isPlainObject(input)) {
      return { ok: false, error: invalidData('data', base, { expected_data_type: 'jsonobject' }) };
    }
    const record = this.get(module, id);
    if (!record) {
      return {
        ok: false,
        error: zohoError('INVALID_DATA', 'the id given seems to be invalid', {
          api_name: 'id',
          json_path: `${base}.id`,
        }),
      };
    }
    if (
      ifUnmodifiedSince !== undefined &&
      Math.floor(record.modifiedAt / 1000) > Math.floor(ifUnmodifiedSince / 1000)
    ) {
      return {
        ok: false,
        error: zohoError(
          'ALREADY_MODIFIED',
          'record updated time has already passed if-unmodified-since time',
          this.auditDetails(record),
        ),
      };
    }
    const cleaned = this.clean(module, input, base, 'update');
    if (!cleaned.ok) {
      return cleaned;
    }
    const merged = { ...record.values, ...cleaned.values };
    const clash = this.uniqueClash(module, merged, record.id, base);
    if (clash) {
      return { ok: false, error: clash };
    }
    const changed = Object.keys(cleaned.values).filter(
      (key) => JSON.stringify(record.values[key] ?? null) !== JSON.stringify(cleaned.values[key]),
    );
    for (const [key, value] of Object.entries(cleaned.values)) {
      if (value === null) {
        delete record.values[key];
      } else {
        record.values[key] = value;
      }
    }
    record.modifiedAt = this.now();
    // Wall clock, not the tie-breaking tick: a burst of writes must not push the tick (and visibility) ahead.
    record.indexedAt = Date.now() + this.searchIndexDelayMs;
    this.finalize(record);
    return { ok: true, record, action: 'update', changed };
  }

  /**
   * Upsert: the first duplicate-check field whose value matches an existing record decides the update target;
   * when several records share a non-unique value (two contacts with one email) the earliest created one is
   * updated (Zoho does not document the choice).
   */
  upsert(
    module: ModuleDef,
    input: unknown,
    index: number,
    checkFields: string[],
  ): WriteOutcome & { duplicateField?: string | null } {
    const base = `$.data[${index}]`;
    if (!isPlainObject(input)) {
      return { ok: false, error: invalidData('data', base, { expected_data_type: 'jsonobject' }) };
    }
    for (const fieldName of checkFields) {
      const value = input[fieldName];
      if (typeof value !== 'string' || value.length === 0) {
        continue;
      }
      const wanted = value.toLowerCase();
      const match = this.all(module)
        .filter((r) => typeof r.values[fieldName] === 'string' && r.values[fieldName].toLowerCase() === wanted)
        .sort((a, b) => a.createdAt - b.createdAt)[0];
      if (match) {
        return { ...this.update(module, match.id, input, index), duplicateField: fieldName };
      }
    }
    return { ...this.insert(module, input, index), duplicateField: null };
  }

  delete(module: ModuleDef, id: string): boolean {
    return this.table(module).delete(id);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Rendering

  auditDetails(record: StoredRecord): Record<string, unknown> {
    const who = { name: OWNER.name, id: OWNER.id };
    return {
      Modified_Time: zohoTime(record.modifiedAt),
      Modified_By: who,
      Created_Time: zohoTime(record.createdAt),
      id: record.id,
      Created_By: who,
    };
  }

  private renderLookup(field: FieldDef, value: unknown): unknown {
    if (!isPlainObject(value)) {
      return value ?? null;
    }
    if (field.api_name === 'Parent_Id' && typeof value.module === 'string') {
      const parentModule = findModule(value.module);
      const parent = parentModule ? this.get(parentModule, String(value.id)) : undefined;
      return {
        module: { api_name: value.module, id: parentModule?.id ?? null },
        name: parent ? parent.module.nameField(parent.values) : null,
        id: value.id,
      };
    }
    const target = findModule(field.lookup_module);
    const ref = target ? this.get(target, String(value.id)) : undefined;
    return { name: ref ? ref.module.nameField(ref.values) : null, id: value.id };
  }

  private renderValue(module: ModuleDef, field: FieldDef, record: StoredRecord): unknown {
    switch (field.api_name) {
      case 'id':
        return record.id;
      case 'Created_Time':
        return zohoTime(record.createdAt);
      case 'Modified_Time':
        return zohoTime(record.modifiedAt);
      case 'Owner':
      case 'Created_By':
      case 'Modified_By':
        return { ...OWNER };
      default:
        break;
    }
    const value = record.values[field.api_name];
    if (field.data_type === 'lookup') {
      return this.renderLookup(field, value);
    }
    if (field.data_type === 'subform') {
      const sub = findModule(field.subform_module);
      if (!Array.isArray(value) || !sub) {
        return [];
      }
      return value.map((row: Record<string, unknown>) => {
        const out: Record<string, unknown> = {};
        for (const subField of sub.fields) {
          const subValue = subField.api_name === 'id' ? row.id : row[subField.api_name];
          out[subField.api_name] =
            subField.data_type === 'lookup' ? this.renderLookup(subField, subValue) : (subValue ?? null);
        }
        return out;
      });
    }
    return value ?? null;
  }

  /** Wire form of a record; `fields` limits the keys (id is always present), as `fields=` does on GET. */
  render(record: StoredRecord, fields?: string[]): Record<string, unknown> {
    const module = record.module;
    const out: Record<string, unknown> = { id: record.id };
    const wanted = fields ? module.fields.filter((f) => fields.includes(f.api_name)) : module.fields;
    for (const field of wanted) {
      out[field.api_name] = this.renderValue(module, field, record);
    }
    if (!fields) {
      out.$approval_state = 'approved';
      out.$editable = true;
    }
    return out;
  }

  /** Value used by search criteria (lookups as {id, name}). */
  searchValue(record: StoredRecord, apiName: string): unknown {
    const field = fieldOf(record.module, apiName);
    return field ? this.renderValue(record.module, field, record) : undefined;
  }
}

/** Opaque page tokens (Get Records beyond 2000 records): they remember the query and the offset, and expire. */
export class PageTokens {
  private readonly tokens = new Map<string, { query: string; offset: number; expiresAt: number }>();

  constructor(private readonly ttlMs = 24 * 3600 * 1000) {}

  issue(query: string, offset: number): { token: string; expiresAt: number } {
    const token = randomBytes(24).toString('hex');
    const expiresAt = Date.now() + this.ttlMs;
    this.tokens.set(token, { query, offset, expiresAt });
    return { token, expiresAt };
  }

  read(token: string, query: string): { offset: number } | 'invalid' | 'expired' {
    const entry = this.tokens.get(token);
    if (!entry || entry.query !== query) {
      return 'invalid';
    }
    if (entry.expiresAt <= Date.now()) {
      return 'expired';
    }
    return { offset: entry.offset };
  }

  expireAll(): void {
    for (const entry of this.tokens.values()) {
      entry.expiresAt = 0;
    }
  }
}
