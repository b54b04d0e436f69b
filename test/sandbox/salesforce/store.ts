import { DmlError, scalarText, type DuplicateResult } from './errors';
import { IdFactory, normalizeId } from './ids';
import { ALL_OBJECTS, findField, findObject, objectForId, type FieldDef, type ObjectDef } from './schema';

/**
 * In-memory org data with Salesforce's DML rules: field validation, required fields, unique external ids, duplicate
 * rules, derived fields (Name, IsClosed, TotalAmount, autonumbers), soft delete (recycle bin) and SystemModstamp.
 * Validation messages follow the DML status codes in
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm
 */

export type SObjectRecord = Record<string, unknown> & { Id: string };

export type DuplicateRuleMode = 'block' | 'alert' | 'off';

export interface WriteEffect {
  object: string;
  operation: 'create' | 'update' | 'upsert' | 'delete';
  recordId: string;
  externalKey?: string;
  payload: unknown;
}

export interface StoreHooks {
  /** Called once per committed write (after a transaction commits, never for rolled-back ones). */
  onWrite(effect: WriteEffect, record: SObjectRecord): void;
}

export interface WriteContext {
  /** `Sforce-Duplicate-Rule-Header: allowSave=true` (lets saves through duplicate rules set to Alert). */
  allowSaveOnDuplicates?: boolean;
}

/** Salesforce's datetime format in REST responses: `2024-01-01T00:00:00.000+0000`. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function parseSfDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const normalized = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalized);
  return Number.isNaN(ms) ? undefined : ms;
}

const EMAIL_RE =
  /^[^\s@"(),:;<>[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export class OrgStore {
  readonly orgId: string;
  readonly integrationUserId: string;
  duplicateRule: DuplicateRuleMode;
  private readonly ids = new IdFactory();
  private readonly tables = new Map<string, Map<string, SObjectRecord>>();
  private readonly deletedAt = new Map<string, number>();
  private readonly autonumbers = new Map<string, number>();
  private pending: Array<{ effect: WriteEffect; record: SObjectRecord }> | undefined;
  private lastStamp = 0;

  private readonly clock: () => number;

  constructor(
    private readonly hooks: StoreHooks,
    options: { duplicateRule?: DuplicateRuleMode; clock?: () => number } = {},
  ) {
    this.clock = options.clock ?? Date.now;
    for (const object of ALL_OBJECTS) {
      this.tables.set(object.name, new Map());
    }
    this.duplicateRule = options.duplicateRule ?? 'block';
    this.orgId = this.ids.next('00D');
    this.integrationUserId = this.insertUser('Integration', 'User', 'integration@chat-crm-bridge.sandbox');
  }

  /** The org's clock, without reserving a timestamp. */
  currentTime(): number {
    return this.clock();
  }

  /** Strictly increasing timestamps, so two writes in the same millisecond still order by SystemModstamp. */
  now(): number {
    this.lastStamp = Math.max(this.clock(), this.lastStamp + 1);
    return this.lastStamp;
  }

  table(objectName: string): Map<string, SObjectRecord> {
    const table = this.tables.get(objectName);
    if (!table) {
      throw new Error(`unknown object ${objectName}`);
    }
    return table;
  }

  /** Live (not deleted) and, when `includeDeleted`, recycle-bin records, in creation order. */
  records(objectName: string, includeDeleted = false): SObjectRecord[] {
    const all = [...this.table(objectName).values()];
    return includeDeleted ? all : all.filter((r) => r.IsDeleted !== true);
  }

  get(id: string): SObjectRecord | undefined {
    const normalized = normalizeId(id);
    const object = normalized ? objectForId(normalized) : undefined;
    return object && normalized ? this.table(object.name).get(normalized) : undefined;
  }

  deletedDate(id: string): number | undefined {
    return this.deletedAt.get(id);
  }

  insertUser(firstName: string, lastName: string, email: string): string {
    const id = this.ids.next('005');
    const stamp = sfDateTime(Date.parse('2020-01-01T00:00:00Z'));
    this.table('User').set(id, {
      Id: id,
      IsDeleted: false,
      Username: email,
      FirstName: firstName,
      LastName: lastName,
      Name: `${firstName} ${lastName}`.trim(),
      Email: email,
      IsActive: true,
      CreatedDate: stamp,
      CreatedById: id,
      LastModifiedDate: stamp,
      LastModifiedById: id,
      SystemModstamp: stamp,
    });
    return id;
  }

  /**
   * Runs `fn` as one database transaction: when it throws, every record it touched is restored and none of its
   * writes reach the hooks (journal, outbound messages). allOrNone collections use this.
   */
  transaction<T>(fn: () => T): T {
    if (this.pending) {
      return fn();
    }
    const snapshot = new Map(
      [...this.tables].map(([name, table]) => [name, new Map([...table].map(([id, r]) => [id, { ...r }]))]),
    );
    const deleted = new Map(this.deletedAt);
    this.pending = [];
    try {
      const result = fn();
      const effects = this.pending;
      this.pending = undefined;
      for (const { effect, record } of effects) {
        this.hooks.onWrite(effect, record);
      }
      return result;
    } catch (error) {
      this.pending = undefined;
      this.tables.clear();
      for (const [name, table] of snapshot) {
        this.tables.set(name, table);
      }
      this.deletedAt.clear();
      for (const [id, at] of deleted) {
        this.deletedAt.set(id, at);
      }
      throw error;
    }
  }

  private emit(effect: WriteEffect, record: SObjectRecord): void {
    if (this.pending) {
      this.pending.push({ effect, record });
    } else {
      this.hooks.onWrite(effect, record);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // DML

  create(
    objectName: string,
    input: Record<string, unknown>,
    ctx: WriteContext = {},
    opts: { seeding?: boolean; operation?: 'create' | 'upsert'; externalKey?: string; payload?: unknown } = {},
  ): SObjectRecord {
    const seeding = opts.seeding ?? false;
    const object = this.objectOrThrow(objectName);
    if (!seeding) {
      this.writableOrThrow(object, 'insert');
    }
    const fields = this.coerceInput(object, input, 'create', seeding);
    for (const field of object.fields) {
      if (fields[field.name] === undefined && field.defaultValue !== undefined) {
        fields[field.name] = field.defaultValue;
      }
    }
    this.checkRequired(object, fields, undefined);
    this.checkUnique(object, fields, undefined);
    if (!seeding) {
      this.checkDuplicateRule(object, fields, undefined, ctx);
    }
    const stamp = sfDateTime(this.now());
    const id = this.ids.next(object.keyPrefix);
    const record: SObjectRecord = {
      Id: id,
      IsDeleted: false,
      ...(findField(object, 'OwnerId') ? { OwnerId: this.integrationUserId } : {}),
      CreatedDate: stamp,
      CreatedById: this.integrationUserId,
      LastModifiedDate: stamp,
      LastModifiedById: this.integrationUserId,
      SystemModstamp: stamp,
      ...fields,
    };
    this.assignAutonumber(object, record, seeding);
    this.table(object.name).set(id, record);
    this.derive(object, record);
    if (!seeding) {
      this.emit(
        {
          object: object.name,
          operation: opts.operation ?? 'create',
          recordId: id,
          externalKey: opts.externalKey ?? this.externalKeyOf(object, record),
          payload: opts.payload ?? input,
        },
        record,
      );
    }
    return record;
  }

  update(
    objectName: string,
    rawId: string,
    input: Record<string, unknown>,
    ctx: WriteContext = {},
    operation: 'update' | 'upsert' = 'update',
    externalKey?: string,
  ): SObjectRecord {
    const object = this.objectOrThrow(objectName);
    this.writableOrThrow(object, 'update');
    const record = this.existingOrThrow(object, rawId);
    const fields = this.coerceInput(object, input, 'update', false);
    this.checkRequired(object, fields, record);
    this.checkUnique(object, fields, record.Id);
    if (
      fields.Email !== undefined &&
      scalarText(fields.Email).toLowerCase() !== scalarText(record.Email).toLowerCase()
    ) {
      this.checkDuplicateRule(object, { ...record, ...fields }, record.Id, ctx);
    }
    const stamp = sfDateTime(this.now());
    Object.assign(record, fields, {
      LastModifiedDate: stamp,
      LastModifiedById: this.integrationUserId,
      SystemModstamp: stamp,
    });
    this.derive(object, record);
    this.emit(
      {
        object: object.name,
        operation,
        recordId: record.Id,
        externalKey: externalKey ?? this.externalKeyOf(object, record),
        payload: input,
      },
      record,
    );
    return record;
  }

  /** PATCH by external id: create when nothing matches, update when one record matches (the field is unique). */
  upsert(
    objectName: string,
    extFieldName: string,
    extValue: string,
    input: Record<string, unknown>,
    ctx: WriteContext = {},
  ): { record: SObjectRecord; created: boolean } {
    const object = this.objectOrThrow(objectName);
    const extField = this.externalIdFieldOrThrow(object, extFieldName);
    const bodyValue = Object.entries(input).find(([k]) => k.toLowerCase() === extField.name.toLowerCase())?.[1];
    if (bodyValue !== undefined && bodyValue !== null && scalarText(bodyValue) !== extValue) {
      // The URL names the record; a different value in the body would silently re-key it.
      throw new DmlError(
        'INVALID_FIELD',
        `The value of the external ID field in the URL (${extValue}) doesn't match the body (${scalarText(bodyValue)})`,
        [extField.name],
        { requestLevel: true },
      );
    }
    const existing = this.findByExternalId(object, extField, extValue);
    if (!existing && extField.name === 'Id') {
      throw new DmlError('NOT_FOUND', 'The requested resource does not exist', [], { httpStatus: 404 });
    }
    if (existing) {
      const { [extField.name]: _ignored, ...rest } = input;
      return { record: this.update(object.name, existing.Id, rest, ctx, 'upsert', extValue), created: false };
    }
    const record = this.create(object.name, { ...input, [extField.name]: extValue }, ctx, {
      operation: 'upsert',
      externalKey: extValue,
      payload: input,
    });
    return { record, created: true };
  }

  delete(objectName: string, rawId: string): SObjectRecord {
    const object = this.objectOrThrow(objectName);
    this.writableOrThrow(object, 'delete');
    const record = this.lookupAny(object, rawId);
    if (!record) {
      throw new DmlError('NOT_FOUND', 'The requested resource does not exist', [], { httpStatus: 404 });
    }
    if (record.IsDeleted === true) {
      throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted', [], { httpStatus: 404 });
    }
    const at = this.now();
    const stamp = sfDateTime(at);
    Object.assign(record, { IsDeleted: true, SystemModstamp: stamp, LastModifiedDate: stamp });
    this.deletedAt.set(record.Id, at);
    // Master-detail children go to the recycle bin with their parent; Notes follow their parent record.
    for (const child of this.records('OrderItem').filter((item) => item.OrderId === record.Id)) {
      Object.assign(child, { IsDeleted: true, SystemModstamp: stamp });
      this.deletedAt.set(child.Id, at);
    }
    for (const note of this.records('Note').filter((n) => n.ParentId === record.Id)) {
      Object.assign(note, { IsDeleted: true, SystemModstamp: stamp });
      this.deletedAt.set(note.Id, at);
    }
    if (object.name === 'OrderItem') {
      this.rollUpOrder(String(record.OrderId));
    }
    this.emit({ object: object.name, operation: 'delete', recordId: record.Id, payload: { Id: record.Id } }, record);
    return record;
  }

  findByExternalId(object: ObjectDef, extField: FieldDef, value: string): SObjectRecord | undefined {
    if (extField.name === 'Id') {
      const id = normalizeId(value);
      const record = id?.startsWith(object.keyPrefix) ? this.table(object.name).get(id) : undefined;
      return record && record.IsDeleted !== true ? record : undefined;
    }
    const needle = value.toLowerCase();
    return this.records(object.name).find(
      (r) => typeof r[extField.name] === 'string' && (r[extField.name] as string).toLowerCase() === needle,
    );
  }

  externalIdFieldOrThrow(object: ObjectDef, name: string): FieldDef {
    const field = findField(object, name);
    if (!field || (!field.externalId && field.name !== 'Id')) {
      throw new DmlError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${name}`, [], {
        httpStatus: 404,
      });
    }
    return field;
  }

  objectOrThrow(name: string): ObjectDef {
    const object = findObject(name);
    if (!object) {
      throw new DmlError('NOT_FOUND', `The requested resource does not exist`, [], { httpStatus: 404 });
    }
    return object;
  }

  /** Users and other setup objects are read-only for the integration user. */
  private writableOrThrow(object: ObjectDef, operation: string): void {
    if (!object.createable) {
      throw new DmlError('INVALID_TYPE_FOR_OPERATION', `entity type ${object.name} does not support ${operation}`, []);
    }
  }

  /** The record with this id, including recycle-bin records; undefined when the id names nothing of this type. */
  lookupAny(object: ObjectDef, rawId: string): SObjectRecord | undefined {
    const id = normalizeId(rawId);
    if (!id) {
      return undefined;
    }
    if (id.slice(0, 3) !== object.keyPrefix) {
      throw new DmlError('MALFORMED_ID', `${object.name} ID: id value of incorrect type: ${rawId}`, ['Id'], {
        httpStatus: 400,
      });
    }
    return this.table(object.name).get(id);
  }

  private existingOrThrow(object: ObjectDef, rawId: string): SObjectRecord {
    const id = normalizeId(rawId);
    if (!id) {
      throw new DmlError('MALFORMED_ID', `${object.name} ID: id value of incorrect type: ${rawId}`, ['Id'], {
        httpStatus: 400,
      });
    }
    const record = this.lookupAny(object, id);
    if (!record) {
      throw new DmlError('NOT_FOUND', 'The requested resource does not exist', [], { httpStatus: 404 });
    }
    if (record.IsDeleted === true) {
      throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted', [], { httpStatus: 400 });
    }
    return record;
  }

  private externalKeyOf(object: ObjectDef, record: SObjectRecord): string | undefined {
    const field = object.fields.find((f) => f.externalId);
    const value = field ? record[field.name] : undefined;
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Validation

  private coerceInput(
    object: ObjectDef,
    input: Record<string, unknown>,
    mode: 'create' | 'update',
    seeding: boolean,
  ): Record<string, unknown> {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new DmlError('JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from non-object value', [], {
        requestLevel: true,
      });
    }
    const out: Record<string, unknown> = {};
    const notWritable: string[] = [];
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes') {
        continue;
      }
      const field = findField(object, key);
      if (!field) {
        throw new DmlError('INVALID_FIELD', `No such column '${key}' on sobject of type ${object.name}`, [], {
          requestLevel: true,
        });
      }
      if (field.name === 'Id') {
        // Collections and some clients repeat the id in the body; it names the record, it is not written.
        continue;
      }
      const writable = mode === 'create' ? field.createable : field.updateable;
      if (!writable && !seeding) {
        notWritable.push(field.name);
        continue;
      }
      out[field.name] = this.coerceValue(object, field, raw);
    }
    if (notWritable.length > 0) {
      throw new DmlError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        notWritable,
      );
    }
    return out;
  }

  private coerceValue(object: ObjectDef, field: FieldDef, raw: unknown): unknown {
    if (raw === null) {
      return field.type === 'boolean' ? false : null;
    }
    const jsonError = (kind: string): DmlError =>
      new DmlError(
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of ${kind} from ${typeof raw === 'object' ? (Array.isArray(raw) ? 'START_ARRAY' : 'START_OBJECT') : 'VALUE_STRING'} value ${typeof raw === 'object' ? '' : scalarText(raw)} or request may be missing a required field`,
        [],
        { requestLevel: true },
      );
    switch (field.type) {
      case 'boolean':
        if (typeof raw === 'boolean') {
          return raw;
        }
        if (raw === 'true' || raw === 'false') {
          return raw === 'true';
        }
        throw jsonError('boolean');
      case 'double':
      case 'currency':
      case 'int': {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        if (!Number.isFinite(n)) {
          throw jsonError(field.type === 'int' ? 'int' : 'double');
        }
        return n;
      }
      case 'date': {
        if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(Date.parse(raw.slice(0, 10)))) {
          throw jsonError('date');
        }
        return raw.slice(0, 10);
      }
      case 'datetime': {
        const ms = parseSfDateTime(raw);
        if (ms === undefined) {
          throw jsonError('datetime');
        }
        return sfDateTime(ms);
      }
      case 'reference':
      case 'id':
        return this.checkReference(field, raw);
      default: {
        if (typeof raw === 'object') {
          throw jsonError('string');
        }
        const value = scalarText(raw);
        if (field.length !== undefined && value.length > field.length) {
          throw new DmlError(
            'STRING_TOO_LONG',
            `${field.label}: data value too large: ${value.slice(0, 50)}${value.length > 50 ? '...' : ''} (max length=${field.length})`,
            [field.name],
          );
        }
        if (field.type === 'email' && value !== '' && !EMAIL_RE.test(value)) {
          throw new DmlError('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${value}`, [field.name]);
        }
        if (field.restrictedPicklist && value !== '' && !(field.picklistValues ?? []).includes(value)) {
          throw new DmlError(
            'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            `${field.label}: bad value for restricted picklist field: ${value}`,
            [field.name],
          );
        }
        // Salesforce stores an empty string as null.
        return value === '' ? null : value;
      }
    }
  }

  private checkReference(field: FieldDef, raw: unknown): string | null {
    if (typeof raw !== 'string') {
      throw new DmlError(
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of id from ${typeof raw} value ${String(raw)}`,
        [],
        { requestLevel: true },
      );
    }
    if (raw === '') {
      return null;
    }
    const id = normalizeId(raw);
    const target = id ? objectForId(id) : undefined;
    if (!id || !target || !(field.referenceTo ?? []).includes(target.name)) {
      const label = field.referenceTo?.[0] ?? 'Record';
      throw new DmlError('MALFORMED_ID', `${label} ID: id value of incorrect type: ${raw}`, [field.name]);
    }
    const record = this.table(target.name).get(id);
    if (!record) {
      throw new DmlError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field.name]);
    }
    if (record.IsDeleted === true) {
      throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted', [field.name]);
    }
    return id;
  }

  private checkRequired(object: ObjectDef, fields: Record<string, unknown>, existing: SObjectRecord | undefined): void {
    const missing = object.fields
      .filter((field) => field.required)
      .filter((field) => {
        const value = field.name in fields ? fields[field.name] : existing?.[field.name];
        return value === undefined || value === null || value === '';
      })
      .map((field) => field.name);
    if (missing.length > 0) {
      throw new DmlError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    }
  }

  private checkUnique(object: ObjectDef, fields: Record<string, unknown>, selfId: string | undefined): void {
    for (const field of object.fields.filter((f) => f.unique)) {
      const value = fields[field.name];
      if (typeof value !== 'string') {
        continue;
      }
      const clash = this.findByExternalId(object, field, value);
      if (clash && clash.Id !== selfId) {
        throw new DmlError(
          'DUPLICATE_VALUE',
          `duplicate value found: ${field.name} duplicates value on record with id: ${clash.Id}`,
          [field.name],
        );
      }
    }
  }

  /**
   * The standard Contact duplicate rule, reduced to its email criterion. Block: never saves. Alert: saves only with
   * `Sforce-Duplicate-Rule-Header: allowSave=true`. Shape as returned by REST (DuplicateError):
   * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_duplicateerror.htm
   */
  private checkDuplicateRule(
    object: ObjectDef,
    candidate: Record<string, unknown>,
    selfId: string | undefined,
    ctx: WriteContext,
  ): void {
    if (object.name !== 'Contact' || this.duplicateRule === 'off') {
      return;
    }
    if (this.duplicateRule === 'alert' && ctx.allowSaveOnDuplicates) {
      return;
    }
    const email = typeof candidate.Email === 'string' ? candidate.Email.toLowerCase() : undefined;
    if (!email) {
      return;
    }
    const matches = this.records('Contact').filter(
      (r) => r.Id !== selfId && typeof r.Email === 'string' && r.Email.toLowerCase() === email,
    );
    if (matches.length === 0) {
      return;
    }
    const message = "You're creating a duplicate record. We recommend you use an existing record instead.";
    const duplicateResult: DuplicateResult = {
      allowSave: this.duplicateRule === 'alert',
      duplicateRule: 'Standard_Contact_Duplicate_Rule',
      duplicateRuleEntityType: 'Contact',
      errorMessage: message,
      matchResults: [
        {
          entityType: 'Contact',
          errors: [],
          matchEngine: 'ExactMatchEngine',
          matchRecords: matches.map((m) => ({
            additionalInformation: [],
            fieldDiffs: [],
            matchConfidence: 100.0,
            record: { attributes: { type: 'Contact', url: `/services/data/v62.0/sobjects/Contact/${m.Id}` }, Id: m.Id },
          })),
          rule: 'Standard_Contact_Match_Rule_v1_1',
          size: matches.length,
          success: true,
        },
      ],
    };
    throw new DmlError('DUPLICATES_DETECTED', message, [], { duplicateResult });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Derived fields

  private assignAutonumber(object: ObjectDef, record: SObjectRecord, seeding: boolean): void {
    const field = { Case: 'CaseNumber', Order: 'OrderNumber', OrderItem: 'OrderItemNumber' }[
      object.name as 'Case' | 'Order' | 'OrderItem'
    ];
    if (!field || (seeding && typeof record[field] === 'string')) {
      return;
    }
    const next = (this.autonumbers.get(object.name) ?? (object.name === 'Case' ? 1000 : 100)) + 1;
    this.autonumbers.set(object.name, next);
    record[field] = String(next).padStart(8, '0');
  }

  private derive(object: ObjectDef, record: SObjectRecord): void {
    switch (object.name) {
      case 'Contact':
      case 'User':
        record.Name = [record.FirstName, record.LastName].filter((p) => typeof p === 'string' && p !== '').join(' ');
        break;
      case 'Case': {
        const closed = record.Status === 'Closed';
        if (closed && !record.IsClosed) {
          record.ClosedDate = record.LastModifiedDate;
        } else if (!closed) {
          record.ClosedDate = null;
        }
        record.IsClosed = closed;
        break;
      }
      case 'Task':
        record.IsClosed = record.Status === 'Completed';
        break;
      case 'Order':
        record.StatusCode =
          record.Status === 'Draft' ? 'Draft' : record.Status === 'Cancelled' ? 'Cancelled' : 'Activated';
        if (record.TotalAmount === undefined) {
          record.TotalAmount = 0;
        }
        break;
      case 'OrderItem': {
        record.TotalPrice = Number(record.Quantity ?? 0) * Number(record.UnitPrice ?? 0);
        const order = this.table('Order').get(String(record.OrderId));
        record.CurrencyIsoCode = order?.CurrencyIsoCode ?? 'USD';
        this.rollUpOrder(String(record.OrderId));
        break;
      }
      default:
        break;
    }
  }

  /** Order.TotalAmount is a roll-up of its items; a roll-up change also bumps the parent's SystemModstamp. */
  private rollUpOrder(orderId: string): void {
    const order = this.table('Order').get(orderId);
    if (!order) {
      return;
    }
    order.TotalAmount = this.records('OrderItem')
      .filter((item) => item.OrderId === orderId)
      .reduce((sum, item) => sum + Number(item.TotalPrice ?? 0), 0);
    order.SystemModstamp = sfDateTime(this.now());
  }
}
