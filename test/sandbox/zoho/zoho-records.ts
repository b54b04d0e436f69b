/**
 * Record APIs of /crm/v8: Get Records, Get Record, Insert, Update, Upsert, Delete, Search, Related Records and
 * related Notes. Behaviour and error bodies follow the v8 docs and the examples in github.com/zoho/crm-oas.
 */
import type { Request, Response, Router } from 'express';
import type { SandboxKit } from '../common/sandbox-kit';
import { CriteriaError, matchesCriteria, parseCriteria, validateCriteria } from './zoho-criteria';
import { errors, sendError, sendJson, sendNoContent, zohoError, type ZohoError } from './zoho-errors';
import type { Change, ChangeOperation, NotificationHub } from './zoho-notifications';
import { API, fieldOf, findModule, type ModuleDef } from './zoho-schema';
import { zohoTime, type PageTokens, type StoredRecord, type WriteOutcome, type ZohoStore } from './zoho-store';

export interface RecordsContext {
  kit: SandboxKit;
  store: ZohoStore;
  hub: NotificationHub;
  pageTokens: PageTokens;
  baseUrl: (req: Request) => string;
}

const DIGITS = /^\d{1,19}$/;
const MAX_RECORDS = 100;
const MAX_FIELDS = 50;
const DISCRETE_LIMIT = 2000;
const SORTABLE = ['id', 'Created_Time', 'Modified_Time'];

type Query = Record<string, string | undefined>;

function queryOf(req: Request): Query {
  const out: Query = {};
  for (const [key, value] of Object.entries(req.query)) {
    const last: unknown = Array.isArray(value) ? value[value.length - 1] : value;
    out[key] = typeof last === 'string' ? last : undefined;
  }
  return out;
}

/**
 * The record a path segment names: a numeric id, or with `X-EXTERNAL: {Module}.{Field}` the value of an External
 * ID field (https://www.zoho.com/crm/developer/docs/api/v8/external-id.html).
 */
function resolveRecord(
  req: Request,
  store: ZohoStore,
  module: ModuleDef,
  raw: string,
): { record?: StoredRecord; error?: ZohoError } {
  const header = req.get('X-EXTERNAL');
  if (header !== undefined) {
    const [moduleName, fieldName] = header.split('.');
    const field = fieldName ? fieldOf(module, fieldName) : undefined;
    if (findModule(moduleName)?.api_name !== module.api_name || !field?.external) {
      return { error: zohoError('INVALID_DATA', 'invalid data', { api_name: 'X-EXTERNAL', param_name: 'X-EXTERNAL' }) };
    }
    return { record: store.all(module).find((r) => r.values[field.api_name] === raw) };
  }
  if (!DIGITS.test(raw)) {
    return { error: zohoError('INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 1 }) };
  }
  return { record: store.get(module, raw) };
}

/** `If-Modified-Since` / `If-Unmodified-Since`: ISO 8601 (what Zoho documents) or an HTTP date (RFC 2822). */
function headerTime(req: Request, name: string): number | undefined | 'invalid' {
  const raw = req.get(name);
  if (raw === undefined || raw.trim() === '') {
    return undefined;
  }
  const at = Date.parse(raw);
  return Number.isNaN(at) ? 'invalid' : at;
}

function recordModule(req: Request, res: Response, wrapped: boolean): ModuleDef | undefined {
  const module = findModule(String(req.params.module));
  if (!module) {
    const error = errors.invalidModule();
    sendJson(res, 400, wrapped ? { data: [error] } : error);
    return undefined;
  }
  if (module.subform) {
    const error = errors.notSupported();
    sendJson(res, 400, wrapped ? { data: [error] } : error);
    return undefined;
  }
  return module;
}

function intParam(value: string | undefined, fallback: number, min: number, max: number): number | undefined {
  if (value === undefined || value === '') {
    return fallback;
  }
  if (!/^\d+$/.test(value)) {
    return undefined;
  }
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

function sortRecords(records: StoredRecord[], sortBy: string, order: 'asc' | 'desc', store: ZohoStore): StoredRecord[] {
  const key = (r: StoredRecord): string | number | bigint => {
    if (sortBy === 'id') {
      return BigInt(r.id);
    }
    if (sortBy === 'Created_Time') {
      return r.createdAt;
    }
    if (sortBy === 'Modified_Time') {
      return r.modifiedAt;
    }
    const value = store.searchValue(r, sortBy);
    if (typeof value === 'number') {
      return value;
    }
    const text = typeof value === 'string' ? value : ((value as { name?: unknown } | null)?.name ?? '');
    return typeof text === 'string' ? text.toLowerCase() : '';
  };
  const sign = order === 'asc' ? 1 : -1;
  return [...records].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === kb) {
      return sign * (BigInt(a.id) < BigInt(b.id) ? -1 : 1);
    }
    return sign * (ka < kb ? -1 : 1);
  });
}

/** Overall status of a batch write: all succeeded, all failed, or a mix (207 Multi-Status). */
function batchStatus(results: ReadonlyArray<object>, okStatus: number): number {
  const failures = results.filter((r) => (r as { status?: unknown }).status !== 'success').length;
  if (failures === 0) {
    return okStatus;
  }
  return failures === results.length ? 400 : 207;
}

/** The key a write is identified by in the journal: upsert match value, unique custom field or note title. */
function externalKeyOf(module: ModuleDef, input: unknown, duplicateField?: string | null): string | undefined {
  if (typeof input !== 'object' || input === null) {
    return undefined;
  }
  const values = input as Record<string, unknown>;
  const pick = (name: string | null | undefined): string | undefined =>
    name && typeof values[name] === 'string' && values[name].length > 0 ? values[name] : undefined;
  if (duplicateField) {
    return pick(duplicateField);
  }
  if (module.api_name === 'Notes') {
    return pick('Note_Title');
  }
  const unique = module.fields.find((f) => f.unique && pick(f.api_name) !== undefined);
  return unique ? pick(unique.api_name) : undefined;
}

export function registerRecordRoutes(api: Router, ctx: RecordsContext): void {
  const { kit, store, hub, pageTokens } = ctx;

  /** Validates `{data: [...]}` of a write request; answers the request-level error itself. */
  const dataArray = (req: Request, res: Response): unknown[] | undefined => {
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body) || body.data === undefined) {
      sendError(
        res,
        400,
        zohoError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'data', json_path: '$.data' }),
      );
      return undefined;
    }
    if (!Array.isArray(body.data) || body.data.length === 0) {
      sendError(
        res,
        400,
        zohoError('INVALID_DATA', 'invalid data', {
          api_name: 'data',
          json_path: '$.data',
          expected_data_type: 'jsonarray',
        }),
      );
      return undefined;
    }
    if (body.data.length > MAX_RECORDS) {
      sendJson(res, 400, {
        data: [
          zohoError('LIMIT_EXCEEDED', 'count of records in your request exceeds the limit', {
            maximum_length: MAX_RECORDS,
            api_name: 'data',
          }),
        ],
      });
      return undefined;
    }
    if (body.trigger !== undefined && !Array.isArray(body.trigger)) {
      sendError(
        res,
        400,
        zohoError('INVALID_DATA', 'invalid data', {
          api_name: 'trigger',
          json_path: '$.trigger',
          expected_data_type: 'jsonarray',
        }),
      );
      return undefined;
    }
    return body.data;
  };

  /** Journals and collects one committed write. */
  const commit = (
    module: ModuleDef,
    outcome: Extract<WriteOutcome, { ok: true }>,
    input: unknown,
    operation: 'create' | 'update' | 'upsert',
    changes: Record<ChangeOperation, Change[]>,
    duplicateField?: string | null,
  ): void => {
    const externalKey = externalKeyOf(module, input, duplicateField);
    kit.journal.record({
      object: module.api_name,
      operation,
      recordId: outcome.record.id,
      ...(externalKey === undefined ? {} : { externalKey }),
      payload: input,
    });
    const rendered = store.render(outcome.record, outcome.changed);
    changes[outcome.action].push({
      id: outcome.record.id,
      fields: outcome.changed,
      values: Object.fromEntries(outcome.changed.map((f) => [f, rendered[f] ?? null])),
    });
  };

  /** Sends the batch answer unless the reset-after-commit fault swallows it; then fires notifications. */
  const finish = (
    req: Request,
    res: Response,
    module: ModuleDef,
    status: number,
    body: unknown,
    changes: Record<ChangeOperation, Change[]>,
  ): void => {
    const baseUrl = ctx.baseUrl(req);
    for (const op of ['insert', 'update', 'delete'] as const) {
      hub.notify(module.api_name, op, changes[op], baseUrl);
    }
    const committed = changes.insert.length + changes.update.length + changes.delete.length > 0;
    if (committed && kit.faults.resetAfterCommit(res)) {
      return;
    }
    sendJson(res, status, body);
  };

  const emptyChanges = (): Record<ChangeOperation, Change[]> => ({ insert: [], update: [], delete: [] });
  const injected = (): ZohoError => errors.internal();
  /** A record refused for good (batchRecordRejectRate): the per-record INVALID_DATA a field rule answers. */
  const rejected = (module: ModuleDef, input: unknown, i: number, duplicateField?: string): ZohoError | undefined => {
    if (!kit.faults.rejectsRecord(externalKeyOf(module, input, duplicateField))) {
      return undefined;
    }
    const field = module.api_name === 'Notes' ? 'Note_Content' : (duplicateField ?? 'id');
    return zohoError('INVALID_DATA', 'invalid data', { api_name: field, json_path: `$.data[${i}].${field}` });
  };

  const successEntry = (record: StoredRecord, message: string): Record<string, unknown> => ({
    code: 'SUCCESS',
    details: { ...store.auditDetails(record), $approval_state: 'approved' },
    message,
    status: 'success',
  });

  // ---- Insert Records: POST /{module} -------------------------------------------------------------------
  // https://www.zoho.com/crm/developer/docs/api/v8/insert-records.html
  const insertInto = (req: Request, res: Response, module: ModuleDef, data: unknown[]): void => {
    const changes = emptyChanges();
    const results = data.map((input, i) => {
      const refused = rejected(module, input, i);
      if (refused) {
        return refused;
      }
      if (kit.faults.shouldFailRecord()) {
        return injected();
      }
      const outcome = store.insert(module, input, i);
      if (!outcome.ok) {
        return outcome.error;
      }
      commit(module, outcome, input, 'create', changes);
      return successEntry(outcome.record, 'record added');
    });
    finish(req, res, module, batchStatus(results, 201), { data: results }, changes);
  };

  api.post(API + '/:module', (req, res) => {
    const module = recordModule(req, res, true);
    const data = module && dataArray(req, res);
    if (module && data) {
      insertInto(req, res, module, data);
    }
  });

  // ---- Upsert Records: POST /{module}/upsert ------------------------------------------------------------
  // https://www.zoho.com/crm/developer/docs/api/v8/upsert-records.html
  api.post(API + '/:module/upsert', (req, res) => {
    const module = recordModule(req, res, true);
    const data = module && dataArray(req, res);
    if (!module || !data) {
      return;
    }
    const requested = (req.body as Record<string, unknown>).duplicate_check_fields;
    const allowed = new Set([
      ...module.duplicateCheck,
      ...module.fields.filter((f) => f.unique).map((f) => f.api_name),
    ]);
    let checkFields: string[];
    if (requested === undefined || requested === null) {
      checkFields = [...allowed];
    } else if (!Array.isArray(requested)) {
      sendError(
        res,
        400,
        zohoError('INVALID_DATA', 'invalid data', {
          api_name: 'duplicate_check_fields',
          json_path: '$.duplicate_check_fields',
          expected_data_type: 'jsonarray',
        }),
      );
      return;
    } else {
      const bad = requested.findIndex((name) => typeof name !== 'string' || !allowed.has(name));
      if (bad >= 0) {
        sendError(
          res,
          400,
          zohoError('INVALID_DATA', 'invalid data', {
            api_name: 'duplicate_check_fields',
            json_path: `$.duplicate_check_fields[${bad}]`,
            supported_values: [...allowed],
          }),
        );
        return;
      }
      checkFields = requested as string[];
    }
    const changes = emptyChanges();
    const results = data.map((input, i) => {
      const refused = rejected(
        module,
        input,
        i,
        checkFields.find((f) => externalKeyOf(module, input, f)),
      );
      if (refused) {
        return refused;
      }
      if (kit.faults.shouldFailRecord()) {
        return injected();
      }
      const outcome = store.upsert(module, input, i, checkFields);
      if (!outcome.ok) {
        return outcome.error;
      }
      commit(
        module,
        outcome,
        input,
        'upsert',
        changes,
        outcome.duplicateField ?? checkFields.find((f) => externalKeyOf(module, input, f)),
      );
      return {
        code: 'SUCCESS',
        duplicate_field: outcome.duplicateField ?? null,
        action: outcome.action,
        details: store.auditDetails(outcome.record),
        message: outcome.action === 'insert' ? 'record added' : 'record updated',
        status: 'success',
      };
    });
    finish(req, res, module, batchStatus(results, 200), { data: results }, changes);
  });

  // ---- Update Records: PUT /{module} and PUT /{module}/{id} ---------------------------------------------
  // https://www.zoho.com/crm/developer/docs/api/v8/update-records.html
  const updateIn = (req: Request, res: Response, module: ModuleDef, data: unknown[], pathId?: string): void => {
    const since = headerTime(req, 'If-Unmodified-Since');
    if (since === 'invalid') {
      sendError(res, 400, errors.invalidParam('If-Unmodified-Since'));
      return;
    }
    const changes = emptyChanges();
    const results = data.map((input, i) => {
      const rawId =
        pathId ?? (typeof input === 'object' && input !== null ? (input as Record<string, unknown>).id : undefined);
      if (rawId === undefined || rawId === null || rawId === '') {
        return zohoError('MANDATORY_NOT_FOUND', 'required field not found', {
          api_name: 'id',
          json_path: `$.data[${i}].id`,
        });
      }
      const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : '';
      if (!DIGITS.test(id)) {
        return zohoError('INVALID_DATA', 'the id given seems to be invalid', {
          api_name: 'id',
          json_path: `$.data[${i}].id`,
        });
      }
      if (kit.faults.shouldFailRecord()) {
        return injected();
      }
      const outcome = store.update(module, id, input, i, since);
      if (!outcome.ok) {
        return outcome.error;
      }
      commit(module, outcome, input, 'update', changes);
      return successEntry(outcome.record, 'record updated');
    });
    let status = batchStatus(results, 200);
    if (status === 400 && results.every((r) => (r as { code?: string }).code === 'ALREADY_MODIFIED')) {
      status = 412;
    }
    finish(req, res, module, status, { data: results }, changes);
  };

  api.put(API + '/:module', (req, res) => {
    const module = recordModule(req, res, true);
    const data = module && dataArray(req, res);
    if (module && data) {
      updateIn(req, res, module, data);
    }
  });

  api.put(API + '/:module/:id', (req, res) => {
    const module = recordModule(req, res, true);
    const data = module && dataArray(req, res);
    if (!module || !data) {
      return;
    }
    const target = resolveRecord(req, store, module, String(req.params.id));
    if (target.error) {
      sendJson(res, 400, { data: [target.error] });
      return;
    }
    // An unknown id reaches the store, which answers the per-record INVALID_DATA.
    updateIn(
      req,
      res,
      module,
      data.slice(0, 1),
      target.record?.id ?? (req.get('X-EXTERNAL') ? '0' : String(req.params.id)),
    );
  });

  // ---- Delete Records: DELETE /{module}/{id} and DELETE /{module}?ids= ----------------------------------
  // https://www.zoho.com/crm/developer/docs/api/v8/delete-records.html
  const deleteIds = (req: Request, res: Response, module: ModuleDef, ids: string[]): void => {
    const changes = emptyChanges();
    const results = ids.map((id) => {
      const record = DIGITS.test(id) ? store.get(module, id) : undefined;
      if (!record) {
        return zohoError('INVALID_DATA', 'the id given seems to be invalid', { id });
      }
      store.delete(module, id);
      if (module.api_name !== 'Notes') {
        const notes = findModule('Notes') as ModuleDef;
        for (const note of store.all(notes)) {
          if ((note.values.Parent_Id as { id?: string } | undefined)?.id === id) {
            store.delete(notes, note.id);
          }
        }
      }
      kit.journal.record({ object: module.api_name, operation: 'delete', recordId: id, payload: { id } });
      changes.delete.push({ id, fields: [], values: {} });
      return { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' };
    });
    finish(req, res, module, batchStatus(results, 200), { data: results }, changes);
  };

  api.delete(API + '/:module/:id', (req, res) => {
    const module = recordModule(req, res, true);
    if (!module) {
      return;
    }
    const target = resolveRecord(req, store, module, String(req.params.id));
    if (target.error) {
      sendJson(res, 400, { data: [target.error] });
      return;
    }
    deleteIds(req, res, module, [target.record?.id ?? String(req.params.id)]);
  });

  api.delete(API + '/:module', (req, res) => {
    const module = recordModule(req, res, true);
    if (!module) {
      return;
    }
    const raw = queryOf(req).ids;
    if (!raw) {
      sendError(res, 400, errors.requiredParam('ids'));
      return;
    }
    const ids = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length > MAX_RECORDS) {
      sendError(res, 400, zohoError('LIMIT_EXCEEDED', 'limit exceeded', { limit: MAX_RECORDS, param_name: 'ids' }));
      return;
    }
    deleteIds(req, res, module, ids);
  });

  // ---- Listing shared by Get Records and Related Records ------------------------------------------------
  interface ListOptions {
    module: ModuleDef;
    records: StoredRecord[];
    /** Query identity for page tokens. */
    tokenScope: string;
    allowPageToken: boolean;
  }

  const listRecords = (req: Request, res: Response, opts: ListOptions): void => {
    const q = queryOf(req);
    if (!q.fields) {
      sendError(res, 400, errors.requiredParam('fields'));
      return;
    }
    const fields = q.fields
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    if (fields.length > MAX_FIELDS) {
      sendError(res, 400, zohoError('LIMIT_EXCEEDED', 'limit exceeded', { limit: MAX_FIELDS, param_name: 'fields' }));
      return;
    }
    const perPage = intParam(q.per_page, 200, 1, 200);
    if (perPage === undefined) {
      sendError(res, 400, errors.invalidParam('per_page'));
      return;
    }
    const page = intParam(q.page, 1, 1, Number.MAX_SAFE_INTEGER);
    if (page === undefined) {
      sendError(res, 400, errors.invalidParam('page'));
      return;
    }
    const sortBy = q.sort_by ?? 'id';
    if (!SORTABLE.includes(sortBy)) {
      sendError(res, 400, errors.invalidParam('sort_by', { supported_values: SORTABLE }));
      return;
    }
    const sortOrder = q.sort_order ?? 'desc';
    if (sortOrder !== 'asc' && sortOrder !== 'desc') {
      sendError(res, 400, errors.invalidParam('sort_order', { supported_values: ['asc', 'desc'] }));
      return;
    }
    let ids: string[] | undefined;
    if (q.ids !== undefined) {
      ids = q.ids.split(',').map((s) => s.trim());
      if (ids.length === 0 || ids.length > MAX_RECORDS || ids.some((id) => !DIGITS.test(id))) {
        sendError(res, 400, errors.invalidParam('ids'));
        return;
      }
    }
    const since = headerTime(req, 'If-Modified-Since');
    if (since === 'invalid') {
      sendError(res, 400, errors.invalidParam('If-Modified-Since'));
      return;
    }
    const scope = JSON.stringify([opts.tokenScope, sortBy, sortOrder, since ?? null, ids ?? null]);
    let offset: number;
    if (q.page_token !== undefined && opts.allowPageToken) {
      const token = pageTokens.read(q.page_token, scope);
      if (token === 'invalid') {
        sendError(res, 400, errors.invalidParam('page_token'));
        return;
      }
      if (token === 'expired') {
        sendError(
          res,
          400,
          zohoError('EXPIRED_VALUE', 'the given page_token has expired', {
            api_name: 'page_token',
            json_path: '$.page_token',
          }),
        );
        return;
      }
      offset = token.offset;
    } else {
      if (page * perPage > DISCRETE_LIMIT) {
        sendError(
          res,
          400,
          zohoError(
            'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
            'You can only get the first 2000 records without using page_token param',
            {
              limit: DISCRETE_LIMIT,
            },
          ),
        );
        return;
      }
      offset = (page - 1) * perPage;
    }
    let records = opts.records;
    if (ids) {
      const wanted = new Set(ids);
      records = records.filter((r) => wanted.has(r.id));
    }
    if (since !== undefined) {
      const floor = Math.floor(since / 1000);
      records = records.filter((r) => Math.floor(r.modifiedAt / 1000) > floor);
      if (records.length === 0) {
        // Nothing changed since the client's copy: 304 Not Modified, no body.
        sendNoContent(res, 304);
        return;
      }
    }
    const sorted = sortRecords(records, sortBy, sortOrder, store);
    const slice = sorted.slice(offset, offset + perPage);
    if (slice.length === 0) {
      sendNoContent(res);
      return;
    }
    const more = offset + perPage < sorted.length;
    const next = more ? pageTokens.issue(scope, offset + perPage) : undefined;
    const previous = offset > 0 ? pageTokens.issue(scope, Math.max(0, offset - perPage)) : undefined;
    sendJson(res, 200, {
      data: slice.map((r) => store.render(r, fields)),
      info: {
        call: false,
        per_page: perPage,
        next_page_token: next?.token ?? null,
        count: slice.length,
        sort_by: sortBy,
        page: Math.floor(offset / perPage) + 1,
        previous_page_token: previous?.token ?? null,
        page_token_expiry: next ? zohoTime(next.expiresAt) : null,
        sort_order: sortOrder,
        email: false,
        more_records: more,
      },
    });
  };

  // ---- Search Records: GET /{module}/search -------------------------------------------------------------
  // https://www.zoho.com/crm/developer/docs/api/v8/search-records.html
  api.get(API + '/:module/search', (req, res) => {
    const module = recordModule(req, res, false);
    if (!module) {
      return;
    }
    const q = queryOf(req);
    const perPage = intParam(q.per_page, 200, 1, 200);
    const page = intParam(q.page, 1, 1, Number.MAX_SAFE_INTEGER);
    if (perPage === undefined || page === undefined) {
      sendError(res, 400, errors.invalidParam(perPage === undefined ? 'per_page' : 'page'));
      return;
    }
    if ((page - 1) * perPage >= DISCRETE_LIMIT) {
      sendError(res, 400, zohoError('LIMIT_REACHED', 'maximum response iteration limit reached', { limit: '2000' }));
      return;
    }
    const sortBy = q.sort_by ?? 'id';
    if (!fieldOf(module, sortBy)) {
      sendError(res, 400, errors.invalidParam('sort_by'));
      return;
    }
    const sortOrder = q.sort_order ?? 'desc';
    if (sortOrder !== 'asc' && sortOrder !== 'desc') {
      sendError(res, 400, errors.invalidParam('sort_order', { supported_values: ['asc', 'desc'] }));
      return;
    }
    const resolve = (name: string) => fieldOf(module, name);
    let predicate: (r: StoredRecord) => boolean;
    // Only the highest-priority parameter is used: criteria, then email, then phone, then word.
    if (q.criteria !== undefined) {
      try {
        const tree = parseCriteria(q.criteria);
        validateCriteria(tree, resolve);
        predicate = (r) => matchesCriteria(tree, resolve, (name) => store.searchValue(r, name));
      } catch (error) {
        if (error instanceof CriteriaError) {
          sendError(res, 400, zohoError(error.code, error.message, error.details));
          return;
        }
        throw error;
      }
    } else if (q.email !== undefined) {
      const needle = q.email.trim().toLowerCase();
      if (needle.length === 0 || needle.length > 255) {
        sendError(res, 400, errors.invalidParam('email'));
        return;
      }
      const emailFields = module.fields.filter((f) => f.data_type === 'email').map((f) => f.api_name);
      // The docs promise partial matches ("john.doe" finds john.doe@any-domain.com): clients must re-check.
      predicate = (r) =>
        emailFields.some((f) => typeof r.values[f] === 'string' && r.values[f].toLowerCase().includes(needle));
    } else if (q.phone !== undefined) {
      const phone = q.phone.trim();
      if (phone.length < 3 || phone.length > 50 || !/^[+]?[0-9\s\-().]+$/.test(phone)) {
        sendError(res, 400, errors.invalidParam('phone'));
        return;
      }
      const digits = phone.replace(/\D/g, '');
      const phoneFields = module.fields.filter((f) => f.data_type === 'phone').map((f) => f.api_name);
      // Phones are stored as typed; matching is on digits, so "+1 415…" does not find "(415) …".
      predicate = (r) =>
        phoneFields.some((f) => typeof r.values[f] === 'string' && r.values[f].replace(/\D/g, '').includes(digits));
    } else if (q.word !== undefined) {
      const word = q.word.trim().toLowerCase();
      if (word.length < 2 || word.length > 100) {
        sendError(res, 400, errors.invalidParam('word'));
        return;
      }
      const textFields = module.fields
        .filter((f) => ['text', 'textarea', 'email', 'phone', 'website', 'picklist'].includes(f.data_type))
        .map((f) => f.api_name);
      predicate = (r) =>
        textFields.some((f) => typeof r.values[f] === 'string' && r.values[f].toLowerCase().includes(word));
    } else {
      sendError(
        res,
        400,
        zohoError('EXPECTED_PARAM_MISSING', 'one of the expected parameter is missing', {
          param_names: ['criteria', 'email', 'phone', 'word'],
        }),
      );
      return;
    }
    const fields = q.fields
      ? q.fields
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : undefined;
    const matched = sortRecords(store.searchable(module).filter(predicate), sortBy, sortOrder, store);
    const offset = (page - 1) * perPage;
    const slice = matched.slice(offset, offset + perPage);
    if (slice.length === 0) {
      sendNoContent(res);
      return;
    }
    sendJson(res, 200, {
      data: slice.map((r) => store.render(r, fields)),
      info: {
        per_page: perPage,
        count: slice.length,
        page,
        more_records: offset + perPage < Math.min(matched.length, DISCRETE_LIMIT),
      },
    });
  });

  // ---- Get Records: GET /{module} -----------------------------------------------------------------------
  // https://www.zoho.com/crm/developer/docs/api/v8/get-records.html
  api.get(API + '/:module', (req, res) => {
    const module = recordModule(req, res, false);
    if (module) {
      listRecords(req, res, { module, records: store.all(module), tokenScope: module.api_name, allowPageToken: true });
    }
  });

  // ---- Get Record: GET /{module}/{id} -------------------------------------------------------------------
  api.get(API + '/:module/:id', (req, res) => {
    const module = recordModule(req, res, false);
    if (!module) {
      return;
    }
    const { record, error } = resolveRecord(req, store, module, String(req.params.id));
    if (error) {
      sendError(res, 400, error);
      return;
    }
    if (!record) {
      sendNoContent(res);
      return;
    }
    const q = queryOf(req);
    const fields = q.fields
      ? q.fields
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : undefined;
    sendJson(res, 200, { data: [store.render(record, fields)] });
  });

  // ---- Related Records: GET /{module}/{id}/{related_list} -----------------------------------------------
  // https://www.zoho.com/crm/developer/docs/api/v8/get-related-records.html
  const parentOf = (
    req: Request,
    res: Response,
    wrapped: boolean,
  ): { module: ModuleDef; record: StoredRecord } | undefined => {
    const module = recordModule(req, res, wrapped);
    if (!module) {
      return undefined;
    }
    const id = String(req.params.id);
    const record = DIGITS.test(id) ? store.get(module, id) : undefined;
    if (!record) {
      sendError(res, 404, zohoError('INVALID_DATA', 'The record does not exist', {}));
      return undefined;
    }
    return { module, record };
  };

  api.get(API + '/:module/:id/:related', (req, res) => {
    const parent = parentOf(req, res, false);
    if (!parent) {
      return;
    }
    const list = parent.module.relatedLists.find(
      (l) => l.api_name.toLowerCase() === String(req.params.related).toLowerCase(),
    );
    const child = list && findModule(list.module);
    if (!list || !child) {
      sendError(
        res,
        400,
        zohoError('INVALID_DATA', 'the related list given seems to be invalid', {
          api_name: String(req.params.related),
          resource_path_index: 2,
        }),
      );
      return;
    }
    const records = store.all(child).filter((r) => {
      const ref = r.values[list.via] as { id?: string; module?: string } | undefined;
      return ref?.id === parent.record.id && (list.via !== 'Parent_Id' || ref.module === parent.module.api_name);
    });
    listRecords(req, res, {
      module: child,
      records,
      tokenScope: `${parent.module.api_name}/${parent.record.id}/${list.api_name}`,
      allowPageToken: true,
    });
  });

  // ---- Create notes under a record: POST /{module}/{id}/Notes -------------------------------------------
  // https://www.zoho.com/crm/developer/docs/api/v8/create-notes-specific.html
  api.post(API + '/:module/:id/:related', (req, res) => {
    if (String(req.params.related).toLowerCase() !== 'notes') {
      sendError(res, 400, errors.invalidMethod());
      return;
    }
    const parent = parentOf(req, res, true);
    const data = parent && dataArray(req, res);
    if (!parent || !data) {
      return;
    }
    const notes = findModule('Notes') as ModuleDef;
    const withParent = data.map((item) =>
      typeof item === 'object' && item !== null && !Array.isArray(item)
        ? {
            ...(item as Record<string, unknown>),
            Parent_Id: { module: { api_name: parent.module.api_name }, id: parent.record.id },
          }
        : item,
    );
    insertInto(req, res, notes, withParent);
  });
}
