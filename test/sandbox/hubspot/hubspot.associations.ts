import express, { type Router } from 'express';
import { errorBody, HsHttpError, show, validationError } from './hubspot.errors';
import {
  ASSOCIATION_TYPES,
  PIPELINES,
  associationByTypeId,
  defaultAssociation,
  type ObjectTypeDef,
  type PipelineDef,
} from './hubspot.schema';
import type { HsRecord } from './hubspot.store';
import { baseUrlOf, isObject, objectTypeParam, respondAfterCommit, type HubspotContext } from './hubspot.context';

const PAGE_MAX = 500;
const BATCH_ASSOCIATION_LIMIT = 1000;

const isId = (v: unknown): v is string | number => (typeof v === 'string' && v !== '') || typeof v === 'number';

function batchInputs(body: unknown): unknown[] {
  if (!isObject(body) || !Array.isArray(body.inputs)) {
    throw validationError('Invalid input JSON: expected an object with an "inputs" array');
  }
  if (body.inputs.length > BATCH_ASSOCIATION_LIMIT) {
    throw validationError(
      `Too many inputs: batch requests accept at most ${BATCH_ASSOCIATION_LIMIT} inputs, got ${body.inputs.length}`,
    );
  }
  return body.inputs;
}

function mustExist(ctx: HubspotContext, def: ObjectTypeDef, id: string): HsRecord {
  const record = ctx.store.get(def.name, id);
  if (!record || record.archived) {
    throw validationError(`One or more object ids are invalid: ${def.singular} ${id} does not exist`, {
      context: { ids: [id] },
    });
  }
  return record;
}

function journalLink(
  ctx: HubspotContext,
  operation: 'create' | 'delete',
  from: HsRecord,
  to: HsRecord,
  typeIds: number[],
): void {
  ctx.kit.journal.record({
    object: 'associations',
    operation,
    recordId: `${from.type}/${from.id}->${to.type}/${to.id}`,
    payload: { typeIds },
  });
}

// Stable timestamps for the account's pipeline definitions.
const PIPELINE_TIME = '2025-01-01T00:00:00.000Z';

function pipelineView(pipeline: PipelineDef, displayOrder: number): Record<string, unknown> {
  return {
    id: pipeline.id,
    label: pipeline.label,
    displayOrder,
    stages: pipeline.stages.map((s, i) => ({
      id: s.id,
      label: s.label,
      displayOrder: i,
      metadata: s.metadata,
      createdAt: PIPELINE_TIME,
      updatedAt: PIPELINE_TIME,
      archived: false,
      writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    })),
    createdAt: PIPELINE_TIME,
    updatedAt: PIPELINE_TIME,
    archived: false,
  };
}

/**
 * Associations v4 (https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/guide):
 *   GET    /crm/v4/objects/{from}/{id}/associations/{to}            ?limit (≤500) &after
 *   PUT    /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}   → 200 batch-style result, both directions
 *   PUT    /crm/v4/objects/{from}/{id}/associations/{to}/{toId}     body [{associationCategory, associationTypeId}] → 201
 *   DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}     → 204
 *   GET    /crm/v4/associations/{from}/{to}/labels                  association types between two objects
 * Pipelines (https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide):
 *   GET    /crm/v3/pipelines/{type}, GET /crm/v3/pipelines/{type}/{pipelineId}
 */
export function associationRoutes(ctx: HubspotContext): Router {
  const router = express.Router();

  router.get('/crm/v4/objects/:objectType/:objectId/associations/:toObjectType', (req, res) => {
    const def = objectTypeParam(req);
    const toDef = objectTypeParam(req, 'toObjectType');
    const rawLimit = req.query.limit;
    const limit = rawLimit === undefined ? PAGE_MAX : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
      throw validationError(`limit must be an integer between 1 and ${PAGE_MAX}, got ${show(rawLimit)}`);
    }
    const rawAfter = req.query.after === undefined ? '' : show(req.query.after);
    const offsetText = rawAfter === '' ? '0' : Buffer.from(rawAfter, 'base64').toString('utf8');
    if (!/^\d+$/.test(offsetText)) {
      throw validationError(`Invalid value for query parameter after: ${rawAfter}`);
    }
    const offset = Number(offsetText);
    const record = ctx.store.get(def.name, req.params.objectId);
    const all = record && !record.archived ? ctx.store.associationsOf(record, toDef.name) : [];
    const page = all.slice(offset, offset + limit);
    const body: Record<string, unknown> = {
      results: page.map((a) => ({
        toObjectId: Number(a.record.id),
        associationTypes: a.typeIds.map((typeId) => ({ category: 'HUBSPOT_DEFINED', typeId, label: null })),
      })),
    };
    if (offset + limit < all.length) {
      const after = Buffer.from(String(offset + limit)).toString('base64');
      body.paging = {
        next: {
          after,
          link: `${baseUrlOf(req)}/crm/v4/objects/${def.name}/${record?.id ?? ''}/associations/${toDef.name}?limit=${limit}&after=${encodeURIComponent(after)}`,
        },
      };
    }
    res.json(body);
  });

  router.put('/crm/v4/objects/:objectType/:objectId/associations/default/:toObjectType/:toObjectId', (req, res) => {
    const startedAt = new Date().toISOString();
    const def = objectTypeParam(req);
    const toDef = objectTypeParam(req, 'toObjectType');
    const spec = defaultAssociation(def.name, toDef.name);
    if (!spec) {
      throw validationError(`There is no default association type between ${def.singular} and ${toDef.singular}`);
    }
    const from = mustExist(ctx, def, req.params.objectId);
    const to = mustExist(ctx, toDef, req.params.toObjectId);
    ctx.store.associate(from, to, spec.typeId);
    journalLink(ctx, 'create', from, to, [spec.typeId]);
    respondAfterCommit(ctx, res, 200, {
      status: 'COMPLETE',
      results: [
        {
          from: { id: from.id },
          to: { id: to.id },
          associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: spec.typeId },
        },
        {
          from: { id: to.id },
          to: { id: from.id },
          associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: spec.reverseTypeId },
        },
      ],
      startedAt,
      completedAt: new Date().toISOString(),
    });
  });

  router.put('/crm/v4/objects/:objectType/:objectId/associations/:toObjectType/:toObjectId', (req, res) => {
    const def = objectTypeParam(req);
    const toDef = objectTypeParam(req, 'toObjectType');
    if (!Array.isArray(req.body) || req.body.length === 0) {
      throw validationError(
        'Invalid input JSON: expected a non-empty array of {associationCategory, associationTypeId}',
      );
    }
    const typeIds = req.body.map((spec: unknown, index: number) => {
      const category = isObject(spec) ? spec.associationCategory : undefined;
      const typeId = isObject(spec) ? Number(spec.associationTypeId) : NaN;
      const known = category === 'HUBSPOT_DEFINED' ? associationByTypeId(def.name, typeId) : undefined;
      if (!known || known.to !== toDef.name) {
        throw validationError(
          `Invalid association type at index ${index}: ${String(category)} ${String(isObject(spec) ? spec.associationTypeId : '')} does not exist between ${def.singular} and ${toDef.singular}`,
        );
      }
      return typeId;
    });
    const from = mustExist(ctx, def, req.params.objectId);
    const to = mustExist(ctx, toDef, req.params.toObjectId);
    for (const typeId of typeIds) {
      ctx.store.associate(from, to, typeId);
    }
    journalLink(ctx, 'create', from, to, typeIds);
    respondAfterCommit(ctx, res, 201, {
      fromObjectTypeId: def.objectTypeId,
      fromObjectId: Number(from.id),
      toObjectTypeId: toDef.objectTypeId,
      toObjectId: Number(to.id),
      labels: [],
    });
  });

  router.delete('/crm/v4/objects/:objectType/:objectId/associations/:toObjectType/:toObjectId', (req, res) => {
    const def = objectTypeParam(req);
    const toDef = objectTypeParam(req, 'toObjectType');
    const from = ctx.store.get(def.name, req.params.objectId);
    const to = ctx.store.get(toDef.name, req.params.toObjectId);
    if (from && to && ctx.store.dissociate(from, to)) {
      journalLink(ctx, 'delete', from, to, []);
      respondAfterCommit(ctx, res, 204);
      return;
    }
    res.status(204).end();
  });

  /**
   * Batch association endpoints (v4):
   * https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/batch/create-associations-labeled
   * https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/batch/get-associations
   * create → 201 {status, results:[{fromObjectTypeId, fromObjectId, toObjectTypeId, toObjectId, labels}]}, 207 with
   * `errors` when some pairs could not be associated (a missing record, an injected per-record failure); an invalid
   * association type rejects the whole batch (400). read → 200 {status, results:[{from:{id}, to:[{toObjectId,
   * associationTypes}], paging?}]}, 207 with an OBJECT_NOT_FOUND error for ids that do not exist.
   * The per-request input limit and the per-input page size are not stated on those pages (unverified: 1,000 and 500).
   */
  router.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/create', (req, res) => {
    const startedAt = new Date().toISOString();
    const def = objectTypeParam(req, 'fromObjectType');
    const toDef = objectTypeParam(req, 'toObjectType');
    const inputs = batchInputs(req.body);
    const parsed = inputs.map((input, index) => {
      const fromId = isObject(input) && isObject(input.from) ? input.from.id : undefined;
      const toId = isObject(input) && isObject(input.to) ? input.to.id : undefined;
      const types = isObject(input) ? input.types : undefined;
      if (!isId(fromId) || !isId(toId) || !Array.isArray(types) || types.length === 0) {
        throw validationError(`Invalid input JSON: inputs[${index}] needs from.id, to.id and a non-empty types array`);
      }
      const typeIds = types.map((spec: unknown) => {
        const category = isObject(spec) ? spec.associationCategory : undefined;
        const typeId = isObject(spec) ? Number(spec.associationTypeId) : NaN;
        const known = category === 'HUBSPOT_DEFINED' ? associationByTypeId(def.name, typeId) : undefined;
        if (!known || known.to !== toDef.name) {
          throw validationError(
            `Invalid association type at inputs[${index}]: ${String(category)} ${String(isObject(spec) ? spec.associationTypeId : '')} does not exist between ${def.singular} and ${toDef.singular}`,
          );
        }
        return typeId;
      });
      return { fromId: String(fromId), toId: String(toId), typeIds };
    });
    const results: Array<Record<string, unknown>> = [];
    const errors: Array<Record<string, unknown>> = [];
    for (const p of parsed) {
      const from = ctx.store.get(def.name, p.fromId);
      const to = ctx.store.get(toDef.name, p.toId);
      if (!from || from.archived || !to || to.archived) {
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: `One or more object ids are invalid: ${def.singular} ${p.fromId} or ${toDef.singular} ${p.toId} does not exist`,
          context: { fromObjectId: [p.fromId], toObjectId: [p.toId] },
        });
        continue;
      }
      if (ctx.kit.faults.shouldFailRecord()) {
        errors.push({
          status: 'error',
          category: 'INTERNAL_ERROR',
          message: 'This input could not be processed and was not written. It is safe to retry it.',
          context: { fromObjectId: [p.fromId], toObjectId: [p.toId] },
        });
        continue;
      }
      for (const typeId of p.typeIds) {
        ctx.store.associate(from, to, typeId);
      }
      journalLink(ctx, 'create', from, to, p.typeIds);
      results.push({
        fromObjectTypeId: def.objectTypeId,
        fromObjectId: Number(from.id),
        toObjectTypeId: toDef.objectTypeId,
        toObjectId: Number(to.id),
        labels: [],
      });
    }
    respondAfterCommit(ctx, res, errors.length > 0 ? 207 : 201, {
      status: 'COMPLETE',
      results,
      ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
      startedAt,
      completedAt: new Date().toISOString(),
    });
  });

  router.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', (req, res) => {
    const startedAt = new Date().toISOString();
    const def = objectTypeParam(req, 'fromObjectType');
    const toDef = objectTypeParam(req, 'toObjectType');
    const inputs = batchInputs(req.body);
    const results: Array<Record<string, unknown>> = [];
    const missing: string[] = [];
    inputs.forEach((input, index) => {
      const id = isObject(input) ? input.id : undefined;
      if (!isId(id)) {
        throw validationError(`Invalid input JSON: inputs[${index}].id must be a string`);
      }
      const rawAfter = isObject(input) && input.after !== undefined ? show(input.after) : '';
      const offsetText = rawAfter === '' ? '0' : Buffer.from(rawAfter, 'base64').toString('utf8');
      if (!/^\d+$/.test(offsetText)) {
        throw validationError(`Invalid input JSON: inputs[${index}].after is not a valid paging cursor`);
      }
      const record = ctx.store.get(def.name, String(id));
      if (!record || record.archived) {
        missing.push(String(id));
        return;
      }
      const offset = Number(offsetText);
      const all = ctx.store.associationsOf(record, toDef.name);
      const page = all.slice(offset, offset + PAGE_MAX);
      results.push({
        from: { id: record.id },
        to: page.map((a) => ({
          toObjectId: Number(a.record.id),
          associationTypes: a.typeIds.map((typeId) => ({ category: 'HUBSPOT_DEFINED', typeId, label: null })),
        })),
        ...(offset + PAGE_MAX < all.length
          ? { paging: { next: { after: Buffer.from(String(offset + PAGE_MAX)).toString('base64') } } }
          : {}),
      });
    });
    const errors =
      missing.length > 0
        ? [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: `Could not get some ${def.errorName} objects, they may be deleted or not exist. Check that ids are valid.`,
              context: { ids: missing },
            },
          ]
        : [];
    res.status(errors.length > 0 ? 207 : 200).json({
      status: 'COMPLETE',
      results,
      ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
      startedAt,
      completedAt: new Date().toISOString(),
    });
  });

  router.get('/crm/v4/associations/:fromObjectType/:toObjectType/labels', (req, res) => {
    const def = objectTypeParam(req, 'fromObjectType');
    const toDef = objectTypeParam(req, 'toObjectType');
    res.json({
      results: ASSOCIATION_TYPES.filter((t) => t.from === def.name && t.to === toDef.name).map((t) => ({
        category: 'HUBSPOT_DEFINED',
        typeId: t.typeId,
        label: null,
      })),
    });
  });

  router.get('/crm/v3/pipelines/:objectType', (req, res) => {
    const def = objectTypeParam(req);
    const pipelines = PIPELINES[def.name];
    if (!pipelines) {
      throw validationError(`Pipelines are not supported for object type ${def.singular}`);
    }
    res.json({ results: pipelines.map(pipelineView) });
  });

  router.get('/crm/v3/pipelines/:objectType/:pipelineId', (req, res) => {
    const def = objectTypeParam(req);
    const pipelines = PIPELINES[def.name];
    if (!pipelines) {
      throw validationError(`Pipelines are not supported for object type ${def.singular}`);
    }
    const index = pipelines.findIndex((p) => p.id === req.params.pipelineId);
    if (index < 0) {
      throw new HsHttpError(
        404,
        errorBody(`Unable to find pipeline with id ${String(req.params.pipelineId)}`, 'OBJECT_NOT_FOUND'),
      );
    }
    res.json(pipelineView(pipelines[index], index));
  });

  return router;
}
