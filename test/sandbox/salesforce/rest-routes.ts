import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { mountCollectionRoutes } from './collection-routes';
import { DmlError, NOT_FOUND_MESSAGE, scalarText, sendError, sendInvalidSession, sendNotFound } from './errors';
import { normalizeId } from './ids';
import {
  DATA_PATH,
  LATEST_VERSION,
  MIN_VERSION,
  P,
  describe,
  fullRecord,
  objectOr404,
  param,
  sendDmlError,
  versionNumber,
  versionOf,
  writeContext,
  type RestContext,
} from './rest-support';
import { ALL_OBJECTS, findField, type ObjectDef } from './schema';
import { SoqlError, parseSoql } from './soql';
import { SoqlExecutor } from './soql-executor';
import { parseSfDateTime, sfDateTime, type OrgStore, type SObjectRecord } from './store';

/**
 * The REST API under /services/data/vXX.X, as jsforce 3.10 calls it (sObject Collections live in
 * collection-routes.ts). Resource reference:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_list.htm
 */

export { LATEST_VERSION, MIN_VERSION };

/** `start`/`end` of getUpdated/getDeleted: ISO 8601, seconds truncated (the API ignores them). */
function replicationWindow(
  req: Request,
  res: Response,
  store: OrgStore,
): { start: number; end: number; covered: number } | undefined {
  const rawStart = req.query.start;
  const rawEnd = req.query.end;
  if (typeof rawStart !== 'string' || typeof rawEnd !== 'string') {
    sendError(res, 400, 'MISSING_ARGUMENT', `Missing parameter: ${typeof rawStart !== 'string' ? 'start' : 'end'}`);
    return undefined;
  }
  const startMs = parseSfDateTime(rawStart.replace(' ', '+'));
  const endMs = parseSfDateTime(rawEnd.replace(' ', '+'));
  if (startMs === undefined || endMs === undefined) {
    sendError(
      res,
      400,
      'INVALID_REPLICATION_DATE',
      `Invalid date format: ${startMs === undefined ? rawStart : rawEnd}`,
    );
    return undefined;
  }
  const minute = 60_000;
  const start = Math.floor(startMs / minute) * minute;
  const end = Math.floor(endMs / minute) * minute;
  const now = store.now();
  if (start >= end) {
    sendError(res, 400, 'INVALID_REPLICATION_DATE', 'startDate must chronologically precede endDate');
    return undefined;
  }
  if (start < Math.floor((now - 30 * 86_400_000) / 86_400_000) * 86_400_000) {
    sendError(res, 400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    return undefined;
  }
  // Changes in the current minute may still be committing, so coverage stops at the last whole minute.
  const covered = Math.min(end, Math.floor(now / minute) * minute);
  return { start, end, covered };
}

export function createRestRouter(ctx: RestContext): Router {
  const { kit, store, quota, cursors } = ctx;
  const router = express.Router();

  // Version gate (/services/data/v31.0 .. v62.0), session check, then the daily quota: a call with a dead session
  // is refused before it is counted.
  router.use((req, res, next) => {
    const match = DATA_PATH.exec(req.path);
    if (!match) {
      next();
      return;
    }
    const version = match[1] ?? '';
    if (!/^\d+\.\d$/.test(version) || Number(version) < MIN_VERSION || Number(version) > Number(LATEST_VERSION)) {
      sendNotFound(res);
      return;
    }
    if (!kit.tokens.isValidAccessToken(ctx.bearerOf(req))) {
      sendInvalidSession(res);
      return;
    }
    const take = quota.take();
    res.setHeader('Sforce-Limit-Info', `api-usage=${take.allowed ? take.used : take.used + 1}/${take.limit}`);
    if (!take.allowed) {
      // https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
      sendError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      return;
    }
    next();
  });

  router.use('/services/data', express.json({ limit: '50mb', type: () => true }));

  // --------------------------------------------------------------------------------------------------------------
  // Directory and limits
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm

  // Resources by Version also names the caller's identity URL (absolute, /id/{orgId}/{userId}):
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_discoveryresource.htm
  router.get(P, (req, res) => {
    const base = `/services/data/v${versionOf(req)}`;
    res.json({
      sobjects: `${base}/sobjects`,
      query: `${base}/query`,
      queryAll: `${base}/queryAll`,
      limits: `${base}/limits`,
      composite: `${base}/composite`,
      identity: `${req.protocol}://${req.get('host') ?? ''}/id/${store.orgId}/${store.integrationUserId}`,
    });
  });

  router.get(`${P}/limits`, (_req, res) => {
    const used = quota.take(0);
    res.json({
      DailyApiRequests: { Max: used.limit, Remaining: used.remaining },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DataStorageMB: { Max: 5, Remaining: 5 },
      SingleEmail: { Max: 15, Remaining: 15 },
    });
  });

  // --------------------------------------------------------------------------------------------------------------
  // SOQL: query, queryAll, and their nextRecordsUrl pages
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm

  const runQuery = (endpoint: 'query' | 'queryAll') => (req: Request, res: Response) => {
    const q = req.query.q;
    if (typeof q !== 'string' || q.trim() === '') {
      sendError(res, 400, 'MALFORMED_QUERY', "A query string has to be specified using the 'q' parameter");
      return;
    }
    try {
      const parsed = parseSoql(q);
      const output = new SoqlExecutor(store, versionOf(req)).execute(parsed, endpoint === 'queryAll');
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm
      const header = /batchSize\s*=\s*(\d+)/i.exec(req.get('Sforce-Query-Options') ?? '');
      const batchSize = header ? Math.min(2000, Math.max(200, Number(header[1]))) : ctx.settings.queryBatchSize;
      res.json(cursors.open(output.records, output.totalSize, batchSize, endpoint, versionOf(req)));
    } catch (error) {
      if (error instanceof SoqlError) {
        sendError(res, 400, error.errorCode, error.format(q));
        return;
      }
      throw error;
    }
  };
  const nextPage = (req: Request, res: Response) => {
    const page = cursors.next(param(req, 'locator'), versionOf(req));
    if (!page) {
      sendError(res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      return;
    }
    res.json(page);
  };
  router.get(`${P}/query`, runQuery('query'));
  router.get(`${P}/queryAll`, runQuery('queryAll'));
  router.get(`${P}/query/:locator`, nextPage);
  router.get(`${P}/queryAll/:locator`, nextPage);

  // --------------------------------------------------------------------------------------------------------------
  // Describe
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm

  router.get(`${P}/sobjects`, (req, res) => {
    res.json({
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: ALL_OBJECTS.map((object) => {
        const d = describe(object, versionOf(req));
        return {
          name: d.name,
          label: d.label,
          labelPlural: d.labelPlural,
          keyPrefix: d.keyPrefix,
          custom: false,
          createable: d.createable,
          queryable: true,
          urls: d.urls,
        };
      }),
    });
  });

  router.get(`${P}/sobjects/:type/describe`, (req, res) => {
    const object = objectOr404(req, res);
    if (object) {
      res.json(describe(object, versionOf(req)));
    }
  });

  // --------------------------------------------------------------------------------------------------------------
  // Replication: getUpdated / getDeleted (SystemModstamp-based, last 30 days)
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getupdated.htm
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getdeleted.htm

  router.get(`${P}/sobjects/:type/updated`, (req, res) => {
    const object = objectOr404(req, res);
    const window = object && replicationWindow(req, res, store);
    if (!object || !window) {
      return;
    }
    const ids = store
      .records(object.name)
      .filter((r) => {
        const ms = parseSfDateTime(r.SystemModstamp) ?? 0;
        return ms >= window.start && ms < window.covered;
      })
      .map((r) => r.Id);
    if (ids.length > 600_000) {
      sendError(
        res,
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 600000 records into this call',
      );
      return;
    }
    res.json({ ids, latestDateCovered: sfDateTime(window.covered) });
  });

  router.get(`${P}/sobjects/:type/deleted`, (req, res) => {
    const object = objectOr404(req, res);
    const window = object && replicationWindow(req, res, store);
    if (!object || !window) {
      return;
    }
    const deleted = store
      .records(object.name, true)
      .filter((r) => r.IsDeleted === true)
      .map((r) => ({ id: r.Id, at: store.deletedDate(r.Id) ?? 0 }));
    const earliest = deleted.reduce((min, d) => Math.min(min, d.at), window.covered);
    res.json({
      deletedRecords: deleted
        .filter((d) => d.at >= window.start && d.at < window.covered)
        .map((d) => ({ id: d.id, deletedDate: sfDateTime(d.at) })),
      earliestDateAvailable: sfDateTime(earliest),
      latestDateCovered: sfDateTime(window.covered),
    });
  });

  // --------------------------------------------------------------------------------------------------------------
  // sObject basic information and create
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_basic_info.htm
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm

  router.get(`${P}/sobjects/:type`, (req, res) => {
    const object = objectOr404(req, res);
    if (object) {
      const d = describe(object, versionOf(req));
      res.json({
        objectDescribe: { name: d.name, label: d.label, keyPrefix: d.keyPrefix, urls: d.urls },
        recentItems: [],
      });
    }
  });

  router.post(`${P}/sobjects/:type`, (req, res) => {
    const object = objectOr404(req, res);
    if (!object) {
      return;
    }
    try {
      const record = store.create(object.name, (req.body ?? {}) as Record<string, unknown>, writeContext(req));
      if (kit.faults.resetAfterCommit(res)) {
        return;
      }
      res.status(201).json({ id: record.Id, success: true, errors: [] });
    } catch (error) {
      if (error instanceof DmlError) {
        sendDmlError(res, error);
        return;
      }
      throw error;
    }
  });

  // --------------------------------------------------------------------------------------------------------------
  // sObject rows: retrieve, update, delete
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve.htm

  const rowOrError = (req: Request, res: Response, object: ObjectDef): SObjectRecord | undefined => {
    const raw = param(req, 'id');
    if (!normalizeId(raw)) {
      // A segment that is not an id is read as an external id field name (sobjects/{T}/{field}/{value}).
      sendNotFound(res, `Provided external ID field does not exist or is not accessible: ${raw}`);
      return undefined;
    }
    const record = store.lookupAny(object, raw);
    if (!record || record.IsDeleted === true) {
      sendNotFound(res, NOT_FOUND_MESSAGE);
      return undefined;
    }
    return record;
  };

  const selectedFields = (req: Request, res: Response, object: ObjectDef): string[] | undefined | false => {
    const raw = req.query.fields;
    if (raw === undefined) {
      return undefined;
    }
    const names = scalarText(raw)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const resolved: string[] = [];
    for (const name of names) {
      const field = findField(object, name);
      if (!field) {
        sendError(
          res,
          400,
          'INVALID_FIELD',
          `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
        return false;
      }
      resolved.push(field.name);
    }
    return resolved;
  };

  const guard = (res: Response, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      if (error instanceof DmlError) {
        sendDmlError(res, error);
        return;
      }
      throw error;
    }
  };

  router.get(`${P}/sobjects/:type/:id`, (req, res) => {
    const object = objectOr404(req, res);
    if (!object) {
      return;
    }
    guard(res, () => {
      const fields = selectedFields(req, res, object);
      if (fields === false) {
        return;
      }
      const record = rowOrError(req, res, object);
      if (record) {
        res.json(fullRecord(object, record, versionOf(req), fields));
      }
    });
  });

  router.patch(`${P}/sobjects/:type/:id`, (req, res) => {
    const object = objectOr404(req, res);
    if (!object) {
      return;
    }
    guard(res, () => {
      if (!normalizeId(param(req, 'id'))) {
        sendNotFound(res, `Provided external ID field does not exist or is not accessible: ${param(req, 'id')}`);
        return;
      }
      store.update(object.name, param(req, 'id'), (req.body ?? {}) as Record<string, unknown>, writeContext(req));
      if (kit.faults.resetAfterCommit(res)) {
        return;
      }
      res.status(204).end();
    });
  });

  router.delete(`${P}/sobjects/:type/:id`, (req, res) => {
    const object = objectOr404(req, res);
    if (!object) {
      return;
    }
    guard(res, () => {
      if (!normalizeId(param(req, 'id'))) {
        sendNotFound(res, `Provided external ID field does not exist or is not accessible: ${param(req, 'id')}`);
        return;
      }
      store.delete(object.name, param(req, 'id'));
      if (kit.faults.resetAfterCommit(res)) {
        return;
      }
      res.status(204).end();
    });
  });

  // --------------------------------------------------------------------------------------------------------------
  // sObject rows by external id: retrieve, upsert, delete
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
  // Created → 201 {id, success, errors, created:true}. Updated → 200 {…, created:false} from v46.0; 204 before.

  router.get(`${P}/sobjects/:type/:field/:value`, (req, res) => {
    const object = objectOr404(req, res);
    if (!object) {
      return;
    }
    guard(res, () => {
      const field = store.externalIdFieldOrThrow(object, param(req, 'field'));
      const record = store.findByExternalId(object, field, param(req, 'value'));
      if (!record) {
        sendNotFound(res);
        return;
      }
      const fields = selectedFields(req, res, object);
      if (fields !== false) {
        res.json(fullRecord(object, record, versionOf(req), fields));
      }
    });
  });

  router.patch(`${P}/sobjects/:type/:field/:value`, (req, res) => {
    const object = objectOr404(req, res);
    if (!object) {
      return;
    }
    guard(res, () => {
      const { record, created } = store.upsert(
        object.name,
        param(req, 'field'),
        param(req, 'value'),
        (req.body ?? {}) as Record<string, unknown>,
        writeContext(req),
      );
      if (kit.faults.resetAfterCommit(res)) {
        return;
      }
      if (created) {
        res.status(201).json({ id: record.Id, success: true, errors: [], created: true });
      } else if (versionNumber(req) >= 46) {
        res.status(200).json({ id: record.Id, success: true, errors: [], created: false });
      } else {
        res.status(204).end();
      }
    });
  });

  router.delete(`${P}/sobjects/:type/:field/:value`, (req, res) => {
    const object = objectOr404(req, res);
    if (!object) {
      return;
    }
    guard(res, () => {
      const field = store.externalIdFieldOrThrow(object, param(req, 'field'));
      const record = store.findByExternalId(object, field, param(req, 'value'));
      if (!record) {
        sendNotFound(res);
        return;
      }
      store.delete(object.name, record.Id);
      if (kit.faults.resetAfterCommit(res)) {
        return;
      }
      res.status(204).end();
    });
  });

  mountCollectionRoutes(router, ctx);

  // --------------------------------------------------------------------------------------------------------------
  // Anything else under /services/data/vXX.X

  // Known resources with a method they do not support.
  const methodNotAllowed =
    (allowed: string) =>
    (req: Request, res: Response): void => {
      sendError(res, 405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed. Allowed are ${allowed}`);
    };
  router.all([`${P}/query`, `${P}/queryAll`, `${P}/limits`, `${P}/sobjects`], methodNotAllowed('GET,HEAD'));
  router.all(`${P}/sobjects/:type/describe`, methodNotAllowed('GET,HEAD'));
  router.all([`${P}/sobjects/:type/updated`, `${P}/sobjects/:type/deleted`], methodNotAllowed('GET,HEAD'));
  router.all(`${P}/sobjects/:type`, methodNotAllowed('GET,HEAD,POST'));
  router.all(
    [`${P}/sobjects/:type/:id`, `${P}/sobjects/:type/:field/:value`],
    methodNotAllowed('GET,HEAD,PATCH,DELETE'),
  );
  router.all(`${P}/composite/sobjects`, methodNotAllowed('POST,PATCH,DELETE'));

  router.use((req, res, next) => {
    if (DATA_PATH.test(req.path)) {
      sendNotFound(res);
      return;
    }
    next();
  });

  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    const type = (error as { type?: string }).type;
    if (!DATA_PATH.test(req.path)) {
      next(error);
      return;
    }
    if (type === 'entity.parse.failed') {
      sendError(res, 400, 'JSON_PARSER_ERROR', `Unexpected character in request body: ${(error as Error).message}`);
      return;
    }
    if (type === 'entity.too.large') {
      sendError(res, 413, 'REQUEST_ENTITY_TOO_LARGE', 'Request entity too large');
      return;
    }
    next(error);
  });

  return router;
}
