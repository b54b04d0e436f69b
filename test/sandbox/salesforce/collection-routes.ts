import type { Request, Response, Router } from 'express';
import { DmlError, scalarText, sendError, sendNotFound } from './errors';
import { normalizeId } from './ids';
import {
  P,
  fullRecord,
  objectOr404,
  param,
  sendDmlError,
  versionNumber,
  versionOf,
  writeContext,
  type RestContext,
} from './rest-support';
import { ALL_OBJECTS, findField, findObject, type ObjectDef } from './schema';

/**
 * sObject Collections: up to 200 records per call, a result per record in request order, optional allOrNone.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
 * Per-record failures injected by the fault kit answer UNABLE_TO_LOCK_ROW, the classic transient row-lock error;
 * records it refuses for good (batchRecordRejectRate, by external id, upserts) answer
 * FIELD_CUSTOM_VALIDATION_EXCEPTION, what an org's validation rule returns for every attempt.
 */
export function mountCollectionRoutes(router: Router, ctx: RestContext): void {
  const { kit, store } = ctx;

  router.post(`${P}/composite/sobjects`, (req, res) => collection(req, res, 'create'));
  router.patch(`${P}/composite/sobjects`, (req, res) => collection(req, res, 'update'));
  router.patch(`${P}/composite/sobjects/:type/:field`, (req, res) => collection(req, res, 'upsert'));
  router.delete(`${P}/composite/sobjects`, (req, res) => deleteCollection(req, res));
  router.post(`${P}/composite/sobjects/:type`, (req, res) => retrieveCollection(req, res));

  const ROLLED_BACK = {
    statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
    fields: [],
  };

  class Rollback extends Error {}

  const lockError = (id?: string): DmlError =>
    new DmlError(
      'UNABLE_TO_LOCK_ROW',
      `unable to obtain exclusive access to this record or 1 records: ${id ?? ''}`.trim(),
    );

  /** Runs per-record work in one transaction: allOrNone failures and request-level errors roll everything back. */
  const runBatch = (
    res: Response,
    allOrNone: boolean,
    count: number,
    work: (index: number) => Record<string, unknown>,
  ): void => {
    let results: Array<Record<string, unknown>> = [];
    try {
      store.transaction(() => {
        results = Array.from({ length: count }, (_, i) => work(i));
        if (allOrNone && results.some((r) => r.success === false)) {
          throw new Rollback();
        }
      });
    } catch (error) {
      if (error instanceof Rollback) {
        res
          .status(200)
          .json(
            results.map((r) =>
              r.success === false ? { success: false, errors: r.errors } : { success: false, errors: [ROLLED_BACK] },
            ),
          );
        return;
      }
      if (error instanceof DmlError && error.requestLevel) {
        sendError(res, 400, error.statusCode, error.message);
        return;
      }
      throw error;
    }
    if (kit.faults.resetAfterCommit(res)) {
      return;
    }
    res.status(200).json(results);
  };

  const failure = (error: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => {
    if (error instanceof DmlError && !error.requestLevel) {
      return { success: false, errors: [error.toCollectionError()], ...extra };
    }
    throw error;
  };

  const collection = (req: Request, res: Response, mode: 'create' | 'update' | 'upsert'): void => {
    if ((mode === 'upsert' && versionNumber(req) < 46) || versionNumber(req) < 42) {
      sendNotFound(res);
      return;
    }
    const body = req.body as { allOrNone?: unknown; records?: unknown } | undefined;
    if (!body || typeof body !== 'object' || !Array.isArray(body.records)) {
      sendError(res, 400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object with a records array');
      return;
    }
    const records = body.records as unknown[];
    if (records.length > 200) {
      sendError(
        res,
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 200 records into this call',
      );
      return;
    }
    let upsertObject: ObjectDef | undefined;
    let extFieldName = '';
    if (mode === 'upsert') {
      upsertObject = findObject(param(req, 'type'));
      if (!upsertObject) {
        sendNotFound(res);
        return;
      }
      try {
        extFieldName = store.externalIdFieldOrThrow(upsertObject, param(req, 'field')).name;
      } catch (error) {
        if (error instanceof DmlError) {
          sendDmlError(res, error);
          return;
        }
        throw error;
      }
    }
    const typeOf = (record: Record<string, unknown>): ObjectDef | undefined => {
      const type = (record.attributes as { type?: unknown } | undefined)?.type;
      return typeof type === 'string' ? findObject(type) : undefined;
    };
    for (const record of records) {
      if (!record || typeof record !== 'object' || Array.isArray(record)) {
        sendError(res, 400, 'JSON_PARSER_ERROR', 'Each entry of records must be a JSON object');
        return;
      }
      const object = typeOf(record as Record<string, unknown>);
      if (!object || (upsertObject && object.name !== upsertObject.name)) {
        sendError(res, 400, 'INVALID_TYPE', 'Must send a concrete entity type.');
        return;
      }
    }
    // The same external id twice in one upsert call fails both records.
    const extCounts = new Map<string, number>();
    if (mode === 'upsert') {
      for (const record of records as Array<Record<string, unknown>>) {
        const value = Object.entries(record).find(([k]) => k.toLowerCase() === extFieldName.toLowerCase())?.[1];
        if (value !== undefined && value !== null) {
          const key = scalarText(value).toLowerCase();
          extCounts.set(key, (extCounts.get(key) ?? 0) + 1);
        }
      }
    }
    const ctx = writeContext(req);
    runBatch(res, body.allOrNone === true, records.length, (i) => {
      const record = records[i] as Record<string, unknown>;
      const object = typeOf(record) as ObjectDef;
      const { attributes: _attributes, ...fields } = record;
      const idKey = Object.keys(fields).find((k) => k.toLowerCase() === 'id');
      const id = idKey ? fields[idKey] : undefined;
      try {
        if (mode === 'create') {
          if (id !== undefined && id !== null) {
            throw new DmlError('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
          }
          if (kit.faults.shouldFailRecord()) {
            throw lockError();
          }
          const created = store.create(object.name, fields, ctx);
          return { id: created.Id, success: true, errors: [] };
        }
        if (mode === 'update') {
          if (typeof id !== 'string' || id === '') {
            throw new DmlError('MISSING_ARGUMENT', 'Id not specified in an update call', []);
          }
          if (kit.faults.shouldFailRecord()) {
            throw lockError(id);
          }
          const { [idKey as string]: _id, ...rest } = fields;
          const updated = store.update(object.name, id, rest, ctx);
          return { id: updated.Id, success: true, errors: [] };
        }
        const extKey = Object.keys(fields).find((k) => k.toLowerCase() === extFieldName.toLowerCase());
        const extValue = extKey ? fields[extKey] : undefined;
        if (extValue === undefined || extValue === null || extValue === '') {
          throw new DmlError('MISSING_ARGUMENT', `${extFieldName} not specified`, [extFieldName]);
        }
        if ((extCounts.get(scalarText(extValue).toLowerCase()) ?? 0) > 1) {
          throw new DmlError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${scalarText(extValue)}`, [
            extFieldName,
          ]);
        }
        if (kit.faults.rejectsRecord(scalarText(extValue))) {
          throw new DmlError(
            'FIELD_CUSTOM_VALIDATION_EXCEPTION',
            'This record does not meet a validation rule of the org and cannot be saved.',
            [],
          );
        }
        if (kit.faults.shouldFailRecord()) {
          throw lockError();
        }
        const result = store.upsert(object.name, extFieldName, scalarText(extValue), fields, ctx);
        return { id: result.record.Id, success: true, errors: [], created: result.created };
      } catch (error) {
        return failure(error, mode === 'upsert' ? { created: false } : {});
      }
    });
  };

  const deleteCollection = (req: Request, res: Response): void => {
    if (versionNumber(req) < 42) {
      sendNotFound(res);
      return;
    }
    const ids = scalarText(req.query.ids)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0) {
      sendError(res, 400, 'MISSING_ARGUMENT', 'Missing parameter: ids');
      return;
    }
    if (ids.length > 200) {
      sendError(
        res,
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 200 records into this call',
      );
      return;
    }
    const allOrNone = scalarText(req.query.allOrNone).toLowerCase() === 'true';
    runBatch(res, allOrNone, ids.length, (i) => {
      const raw = ids[i];
      try {
        const id = normalizeId(raw);
        const object = id ? ALL_OBJECTS.find((o) => o.keyPrefix === id.slice(0, 3)) : undefined;
        if (!id || !object) {
          throw new DmlError('MALFORMED_ID', `malformed id ${raw}`, []);
        }
        if (kit.faults.shouldFailRecord()) {
          throw lockError(id);
        }
        store.delete(object.name, id);
        return { id, success: true, errors: [] };
      } catch (error) {
        return failure(error, { id: raw });
      }
    });
  };

  const retrieveCollection = (req: Request, res: Response): void => {
    const object = objectOr404(req, res);
    if (!object) {
      return;
    }
    const body = req.body as { ids?: unknown; fields?: unknown } | undefined;
    if (!body || !Array.isArray(body.ids) || !Array.isArray(body.fields)) {
      sendError(res, 400, 'JSON_PARSER_ERROR', 'The request body must contain ids and fields arrays');
      return;
    }
    if (body.ids.length > 2000) {
      sendError(
        res,
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 2000 records into this call',
      );
      return;
    }
    const fields: string[] = [];
    for (const name of body.fields as unknown[]) {
      const field = findField(object, String(name));
      if (!field) {
        sendError(res, 400, 'INVALID_FIELD', `No such column '${String(name)}' on entity '${object.name}'.`);
        return;
      }
      fields.push(field.name);
    }
    res.json(
      (body.ids as unknown[]).map((raw) => {
        const id = normalizeId(String(raw));
        const record = id && id.startsWith(object.keyPrefix) ? store.get(id) : undefined;
        return record && record.IsDeleted !== true ? fullRecord(object, record, versionOf(req), fields) : null;
      }),
    );
  };
}
