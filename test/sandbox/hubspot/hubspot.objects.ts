import express, { type Request, type Router } from 'express';
import { notFoundError, show, validationError } from './hubspot.errors';
import { normalizeProperties, parseBoolean, parseNameList, toApiObject, type ApiObject } from './hubspot.properties';
import { runSearch } from './hubspot.search';
import { resolveObjectType, type ObjectTypeDef } from './hubspot.schema';
import type { HsRecord } from './hubspot.store';
import {
  baseUrlOf,
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
} from './hubspot.context';

const LIST_MAX_LIMIT = 100;

/** `?associations=tickets,orders` on GET: {tickets:{results:[{id, type:'contact_to_ticket'}]}}; unknown names ignored. */
function withAssociations(
  ctx: HubspotContext,
  def: ObjectTypeDef,
  record: HsRecord,
  names: string[] | undefined,
  out: ApiObject,
): ApiObject {
  if (!names || names.length === 0) {
    return out;
  }
  const associations: Record<string, { results: Array<{ id: string; type: string }> }> = {};
  for (const name of names) {
    const target = resolveObjectType(name);
    if (!target) {
      continue;
    }
    const results = ctx.store
      .associationsOf(record, target.name)
      .map((a) => ({ id: a.record.id, type: `${def.singular}_to_${target.singular}` }));
    if (results.length > 0) {
      associations[target.name] = { results };
    }
  }
  if (Object.keys(associations).length > 0) {
    out.associations = associations;
  }
  return out;
}

/** GET list cursors are opaque in HubSpot (base64); here base64 of the next record id. */
const encodeAfter = (id: string): string => Buffer.from(id).toString('base64');
function decodeAfter(raw: unknown): number {
  if (raw === undefined || raw === '') {
    return 0;
  }
  const text = String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
  const decoded = /^\d+$/.test(text) ? text : Buffer.from(text, 'base64').toString('utf8').trim();
  if (!/^\d+$/.test(decoded)) {
    throw validationError(`Invalid value for query parameter after: ${text}`);
  }
  return Number(decoded);
}

function parseListLimit(raw: unknown): number {
  if (raw === undefined) {
    return 10;
  }
  const limit = Number(Array.isArray(raw) ? raw[raw.length - 1] : raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    throw validationError(`limit must be an integer between 1 and ${LIST_MAX_LIMIT}, got ${show(raw)}`);
  }
  return limit;
}

const queryString = (req: Request, name: string): string | undefined => {
  const raw = req.query[name];
  if (raw === undefined) {
    return undefined;
  }
  return show(Array.isArray(raw) ? raw[raw.length - 1] : raw);
};

/**
 * CRM objects v3, basic + search (https://developers.hubspot.com/docs/api-reference/latest/crm/objects/guide and
 * the per-object guides for contacts, tickets, notes, orders and line items):
 *   GET    /crm/v3/objects/{type}                list, `limit` ≤ 100, `after`, `properties`, `associations`, `archived`
 *   POST   /crm/v3/objects/{type}                create → 201, inline `associations`
 *   GET    /crm/v3/objects/{type}/{id}           `idProperty`, `properties`, `propertiesWithHistory`, `associations`, `archived`
 *   PATCH  /crm/v3/objects/{type}/{id}           update → 200 (`idProperty` allowed)
 *   DELETE /crm/v3/objects/{type}/{id}           archive → 204
 *   POST   /crm/v3/objects/{type}/search         see hubspot.search.ts
 */
export function objectRoutes(ctx: HubspotContext): Router {
  const router = express.Router();

  router.post('/crm/v3/objects/:objectType/search', (req, res) => {
    const def = objectTypeParam(req);
    const chars = (res.locals.rawBodyChars as number | undefined) ?? JSON.stringify(req.body ?? {}).length;
    const outcome = runSearch(ctx.store, def, req.body, chars);
    res.json({
      total: outcome.total,
      results: outcome.results.map((r) =>
        toApiObject(def, r, outcome.properties ? { requested: outcome.properties } : {}),
      ),
      ...(outcome.nextAfter === undefined ? {} : { paging: { next: { after: outcome.nextAfter } } }),
    });
  });

  router.get('/crm/v3/objects/:objectType', (req, res) => {
    const def = objectTypeParam(req);
    const limit = parseListLimit(req.query.limit);
    const afterId = decodeAfter(req.query.after);
    const archived = parseBoolean(req.query.archived, 'archived');
    const requested = parseNameList(req.query.properties);
    const history = parseNameList(req.query.propertiesWithHistory);
    const associations = parseNameList(req.query.associations);
    const all = ctx.store.list(def.name, archived).filter((r) => Number(r.id) >= afterId);
    const page = all.slice(0, limit);
    const next = all[limit];
    const body: Record<string, unknown> = {
      results: page.map((r) =>
        withAssociations(ctx, def, r, associations, toApiObject(def, r, { requested, withHistory: history })),
      ),
    };
    if (next) {
      const after = encodeAfter(next.id);
      const props = requested && requested.length > 0 ? `&properties=${encodeURIComponent(requested.join(','))}` : '';
      body.paging = {
        next: {
          after,
          link: `${baseUrlOf(req)}/crm/v3/objects/${def.name}?limit=${limit}&after=${encodeURIComponent(after)}${props}`,
        },
      };
    }
    res.json(body);
  });

  router.post('/crm/v3/objects/:objectType', (req, res) => {
    const def = objectTypeParam(req);
    const { props, associations } = prepareCreate(ctx, def, req.body);
    const conflict = ctx.store.uniqueConflict(def.name, props);
    if (conflict) {
      throw conflictError(def, conflict);
    }
    const record = commitCreate(ctx, def, props, associations);
    respondAfterCommit(ctx, res, 201, writeView(def, record));
  });

  router.get('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const def = objectTypeParam(req);
    const id = req.params.objectId;
    const idProperty = checkIdProperty(def, queryString(req, 'idProperty'));
    const archived = parseBoolean(req.query.archived, 'archived');
    const record = findRecord(ctx, def, id, idProperty, archived);
    if (!record) {
      throw idProperty || /^\d+$/.test(id)
        ? notFoundError()
        : notFoundError('Object not found.  objectId are usually numeric.', { context: { id: [id] } });
    }
    const out = toApiObject(def, record, {
      requested: parseNameList(req.query.properties),
      withHistory: parseNameList(req.query.propertiesWithHistory),
    });
    res.json(withAssociations(ctx, def, record, parseNameList(req.query.associations), out));
  });

  router.patch('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const def = objectTypeParam(req);
    const id = req.params.objectId;
    const idProperty = checkIdProperty(def, queryString(req, 'idProperty'));
    if (!isObject(req.body) || !isObject(req.body.properties)) {
      throw validationError('Invalid input JSON: expected {"properties": {...}}');
    }
    const props = normalizeProperties(def, req.body.properties, 'update');
    const record = findRecord(ctx, def, id, idProperty);
    if (!record) {
      throw notFoundError();
    }
    const conflict = ctx.store.uniqueConflict(def.name, props, record.id);
    if (conflict) {
      throw conflictError(def, conflict);
    }
    commitUpdate(ctx, def, record, props, 'update', idProperty ? id : undefined);
    respondAfterCommit(ctx, res, 200, writeView(def, record, undefined, Object.keys(props)));
  });

  router.delete('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const def = objectTypeParam(req);
    const record = findRecord(ctx, def, req.params.objectId, undefined);
    // Archiving something that does not exist (or is already archived) is still a 204 in HubSpot.
    if (!record) {
      res.status(204).end();
      return;
    }
    commitArchive(ctx, def, record);
    respondAfterCommit(ctx, res, 204);
  });

  return router;
}
