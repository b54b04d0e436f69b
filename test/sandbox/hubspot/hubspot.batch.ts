/**
 * Batch endpoints, POST /crm/v3/objects/{type}/batch/{read|create|update|upsert|archive}
 * (https://developers.hubspot.com/docs/api-reference/latest/crm/objects/guide, "Batch" sections; contacts guide
 * for idProperty reads and upserts). Rules emulated:
 * - at most 100 inputs ("Batch operations are limited to 100 records at a time"), more → 400 VALIDATION_ERROR;
 * - success: {status:'COMPLETE', results, startedAt, completedAt}; create answers 201, the others 200;
 * - partial failure: HTTP 207 with numErrors and errors:[{status:'error', category, message, context}]
 *   (ids HubSpot could not find are grouped into one OBJECT_NOT_FOUND error: "Could not get some CONTACT objects,
 *   they may be deleted or not exist. Check that ids are valid.");
 * - invalid property values reject the whole batch with a 400, a unique-value collision the whole batch with a 409
 *   (nothing written) — as HubSpot does for a batch create containing an existing email;
 * - duplicate ids in one update/upsert batch → 400 "Duplicate IDs found in batch input";
 * - archive answers 204 whether or not the ids exist.
 * Injected per-record failures (faults.batchRecordFailureRate) are reported as 207 errors, category INTERNAL_ERROR,
 * and that input is not written. Records refused for good (faults.batchRecordRejectRate, decided by the input's id)
 * are 207 errors of category VALIDATION_ERROR ("Property values were not valid: […]", as an account's property
 * validation rule answers) in update and upsert batches; that input is not written, the rest are.
 */
import express, { type Router } from 'express';
import { validationError } from './hubspot.errors';
import { normalizeProperties, parseBoolean, parseNameList, toApiObject, type ApiObject } from './hubspot.properties';
import { propertyDef, type ObjectTypeDef } from './hubspot.schema';
import type { HsRecord } from './hubspot.store';
import {
  checkIdProperty,
  commitArchive,
  commitCreate,
  commitUpdate,
  conflictError,
  findRecord,
  isObject,
  objectTypeParam,
  prepareCreate,
  respondAfterCommit,
  writeView,
  type HubspotContext,
  type PendingAssociation,
} from './hubspot.context';

export const BATCH_LIMIT = 100;

interface BatchError {
  status: 'error';
  category: string;
  message: string;
  context: Record<string, string[]>;
  errors?: unknown[];
}

function inputsOf(body: unknown): unknown[] {
  if (!isObject(body) || !Array.isArray(body.inputs)) {
    throw validationError('Invalid input JSON: expected an object with an "inputs" array');
  }
  if (body.inputs.length > BATCH_LIMIT) {
    throw validationError(
      `Too many inputs: batch requests accept at most ${BATCH_LIMIT} inputs, got ${body.inputs.length}`,
      { context: { inputs: [String(body.inputs.length)] } },
    );
  }
  return body.inputs;
}

function idOf(input: unknown, index: number): string {
  const id = isObject(input) ? input.id : undefined;
  if (typeof id !== 'string' && typeof id !== 'number') {
    throw validationError(`Invalid input JSON: inputs[${index}].id must be a string`);
  }
  return String(id);
}

function traceOf(input: unknown): string | undefined {
  return isObject(input) && typeof input.objectWriteTraceId === 'string' ? input.objectWriteTraceId : undefined;
}

function notFound(def: ObjectTypeDef, ids: string[]): BatchError {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${def.errorName} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
  };
}

function injectedFailure(context: Record<string, string[]>): BatchError {
  return {
    status: 'error',
    category: 'INTERNAL_ERROR',
    message: 'This input could not be processed and was not written. It is safe to retry it.',
    context,
  };
}

/** A record an account rule refuses, whatever the retry: the batch error of an invalid property value. */
function rejectedInput(context: Record<string, string[]>): BatchError {
  return {
    status: 'error',
    category: 'VALIDATION_ERROR',
    message:
      'Property values were not valid: [{"isValid":false,"message":"The value does not meet the validation rules set for this property.","error":"INVALID_PROPERTY_VALUE","name":"hs_note_body"}]',
    context,
  };
}

function duplicateIds(ids: string[]): void {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) {
      dupes.add(id);
    }
    seen.add(id);
  }
  if (dupes.size > 0) {
    throw validationError(`Duplicate IDs found in batch input: [${[...dupes].join(', ')}]. IDs must be unique`);
  }
}

/** Unique values must not collide with other records, nor with each other inside the batch. */
function checkBatchUniques(
  ctx: HubspotContext,
  def: ObjectTypeDef,
  writes: Array<{ props: Record<string, string | null>; selfId?: string }>,
): void {
  const claimed = new Map<string, string>();
  writes.forEach((w, index) => {
    const owner = w.selfId ?? `new#${index}`;
    const conflict = ctx.store.uniqueConflict(def.name, w.props, w.selfId);
    if (conflict) {
      throw conflictError(def, conflict);
    }
    for (const p of def.properties.filter((x) => x.unique)) {
      const value = w.props[p.name];
      if (value === undefined || value === null) {
        continue;
      }
      const key = `${p.name}:${p.email ? value.toLowerCase() : value}`;
      if (claimed.has(key) && claimed.get(key) !== owner) {
        throw validationError(`Duplicate values found for unique property ${p.name} in batch input: [${value}]`);
      }
      claimed.set(key, owner);
    }
  });
}

function batchBody(results: ApiObject[], errors: BatchError[], startedAt: string): Record<string, unknown> {
  return {
    status: 'COMPLETE',
    results,
    ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    startedAt,
    completedAt: new Date().toISOString(),
  };
}

export function batchRoutes(ctx: HubspotContext): Router {
  const router = express.Router();

  router.post('/crm/v3/objects/:objectType/batch/read', (req, res) => {
    const startedAt = new Date().toISOString();
    const def = objectTypeParam(req);
    const inputs = inputsOf(req.body);
    const body = req.body as Record<string, unknown>;
    const idProperty = checkIdProperty(def, body.idProperty);
    const archived = parseBoolean(req.query.archived, 'archived');
    if (body.properties !== undefined && !Array.isArray(body.properties)) {
      throw validationError('Invalid input JSON: "properties" must be an array');
    }
    const requested = parseNameList(body.properties);
    const withHistory = Array.isArray(body.propertiesWithHistory)
      ? parseNameList(body.propertiesWithHistory)
      : undefined;
    const ids = [...new Set(inputs.map(idOf))];
    const results: ApiObject[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const record = findRecord(ctx, def, id, idProperty, archived);
      if (record) {
        results.push(toApiObject(def, record, { requested, withHistory }));
      } else {
        missing.push(id);
      }
    }
    const errors = missing.length > 0 ? [notFound(def, missing)] : [];
    res.status(errors.length > 0 ? 207 : 200).json(batchBody(results, errors, startedAt));
  });

  router.post('/crm/v3/objects/:objectType/batch/create', (req, res) => {
    const startedAt = new Date().toISOString();
    const def = objectTypeParam(req);
    const prepared = inputsOf(req.body).map((input) => prepareCreate(ctx, def, input));
    checkBatchUniques(ctx, def, prepared);
    const results: ApiObject[] = [];
    const errors: BatchError[] = [];
    prepared.forEach((p, index) => {
      if (ctx.kit.faults.shouldFailRecord()) {
        errors.push(injectedFailure(p.traceId ? { objectWriteTraceId: [p.traceId] } : { inputIndex: [String(index)] }));
        return;
      }
      const record = commitCreate(ctx, def, p.props, p.associations);
      results.push(writeView(def, record, p.traceId));
    });
    respondAfterCommit(ctx, res, errors.length > 0 ? 207 : 201, batchBody(results, errors, startedAt));
  });

  router.post('/crm/v3/objects/:objectType/batch/update', (req, res) => {
    const startedAt = new Date().toISOString();
    const def = objectTypeParam(req);
    const inputs = inputsOf(req.body);
    const parsed = inputs.map((input, index) => {
      const id = idOf(input, index);
      const idProperty = checkIdProperty(def, isObject(input) ? input.idProperty : undefined);
      const properties = isObject(input) ? input.properties : undefined;
      if (!isObject(properties)) {
        throw validationError(`Invalid input JSON: inputs[${index}].properties must be an object`);
      }
      return { id, idProperty, traceId: traceOf(input), props: normalizeProperties(def, properties, 'update') };
    });
    duplicateIds(parsed.map((p) => p.id));
    const found = parsed.map((p) => ({ ...p, record: findRecord(ctx, def, p.id, p.idProperty) }));
    checkBatchUniques(
      ctx,
      def,
      found.filter((f) => f.record).map((f) => ({ props: f.props, selfId: (f.record as HsRecord).id })),
    );
    const results: ApiObject[] = [];
    const errors: BatchError[] = [];
    const missing = found.filter((f) => !f.record).map((f) => f.id);
    if (missing.length > 0) {
      errors.push(notFound(def, missing));
    }
    for (const f of found) {
      if (!f.record) {
        continue;
      }
      if (ctx.kit.faults.rejectsRecord(f.id)) {
        errors.push(rejectedInput({ ids: [f.id] }));
        continue;
      }
      if (ctx.kit.faults.shouldFailRecord()) {
        errors.push(injectedFailure({ ids: [f.id] }));
        continue;
      }
      commitUpdate(ctx, def, f.record, f.props, 'update', f.idProperty ? f.id : undefined);
      results.push(writeView(def, f.record, f.traceId, Object.keys(f.props)));
    }
    respondAfterCommit(ctx, res, errors.length > 0 ? 207 : 200, batchBody(results, errors, startedAt));
  });

  router.post('/crm/v3/objects/:objectType/batch/upsert', (req, res) => {
    const startedAt = new Date().toISOString();
    const def = objectTypeParam(req);
    const inputs = inputsOf(req.body);
    const parsed = inputs.map((input, index) => {
      const id = idOf(input, index);
      const rawIdProperty = isObject(input) ? input.idProperty : undefined;
      if (rawIdProperty === undefined || rawIdProperty === '') {
        throw validationError(`Invalid input JSON: inputs[${index}].idProperty is required for upsert`);
      }
      const idProperty = checkIdProperty(def, rawIdProperty);
      if (!idProperty) {
        throw validationError('Upsert requires a unique property as idProperty, not the record id');
      }
      const properties = isObject(input) ? (input.properties ?? {}) : undefined;
      if (!isObject(properties)) {
        throw validationError(`Invalid input JSON: inputs[${index}].properties must be an object`);
      }
      const props = normalizeProperties(def, { ...properties, [idProperty]: id }, 'update');
      const value = props[idProperty] as string;
      return { id: value, idProperty, traceId: traceOf(input), props };
    });
    duplicateIds(parsed.map((p) => (propertyDef(def, p.idProperty)?.email ? p.id.toLowerCase() : p.id)));
    const plans = parsed.map((p) => ({ ...p, existing: ctx.store.findByUnique(def.name, p.idProperty, p.id) }));
    // A record being created must still satisfy the create rules (required properties).
    for (const plan of plans.filter((p) => !p.existing)) {
      normalizeProperties(def, plan.props, 'create');
    }
    checkBatchUniques(
      ctx,
      def,
      plans.map((p) => (p.existing ? { props: p.props, selfId: p.existing.id } : { props: p.props })),
    );
    const results: ApiObject[] = [];
    const errors: BatchError[] = [];
    for (const plan of plans) {
      if (ctx.kit.faults.rejectsRecord(plan.id)) {
        errors.push(rejectedInput({ ids: [plan.id] }));
        continue;
      }
      if (ctx.kit.faults.shouldFailRecord()) {
        errors.push(injectedFailure({ ids: [plan.id] }));
        continue;
      }
      let record: HsRecord;
      let created: boolean;
      if (plan.existing) {
        commitUpdate(ctx, def, plan.existing, plan.props, 'upsert', plan.id);
        record = plan.existing;
        created = false;
      } else {
        const createProps = normalizeProperties(def, plan.props, 'create');
        record = commitCreate(ctx, def, createProps, [] as PendingAssociation[], 'upsert', plan.id);
        created = true;
      }
      results.push({ ...writeView(def, record, plan.traceId, Object.keys(plan.props)), new: created });
    }
    respondAfterCommit(ctx, res, errors.length > 0 ? 207 : 200, batchBody(results, errors, startedAt));
  });

  router.post('/crm/v3/objects/:objectType/batch/archive', (req, res) => {
    const def = objectTypeParam(req);
    const ids = [...new Set(inputsOf(req.body).map(idOf))];
    let committed = false;
    for (const id of ids) {
      const record = findRecord(ctx, def, id, undefined);
      if (record) {
        commitArchive(ctx, def, record);
        committed = true;
      }
    }
    if (committed) {
      respondAfterCommit(ctx, res, 204);
    } else {
      res.status(204).end();
    }
  });

  return router;
}
