/**
 * Metadata and account APIs of /crm/v8 that the SDK and clients call around record work:
 * GET /settings/fields, /settings/modules, /settings/related_lists, /users, /org, and /actions/watch.
 */
import type { Request, Response, Router } from 'express';
import { errors, sendError, sendJson, sendNoContent, zohoError } from './zoho-errors';
import type { NotificationHub } from './zoho-notifications';
import {
  API,
  CURRENT_USER,
  findModule,
  MODULES,
  renderCurrentUser,
  renderFieldMeta,
  renderModuleMeta,
  renderOrg,
  renderRelatedListMeta,
} from './zoho-schema';

const USER_TYPES = [
  'AllUsers',
  'ActiveUsers',
  'DeactiveUsers',
  'ConfirmedUsers',
  'NotConfirmedUsers',
  'DeletedUsers',
  'ActiveConfirmedUsers',
  'AdminUsers',
  'ActiveConfirmedAdmins',
  'CurrentUser',
];

function param(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

export function registerMetaRoutes(api: Router, hub: NotificationHub, baseUrl: (req: Request) => string): void {
  // Field metadata (https://www.zoho.com/crm/developer/docs/api/v8/field-meta.html). The SDK calls this before
  // the first record call on a module and throws on anything but 200/204.
  api.get(API + '/settings/fields', (req, res) => {
    const name = param(req, 'module');
    if (!name) {
      sendError(res, 400, errors.requiredParam('module'));
      return;
    }
    const module = findModule(name);
    if (!module) {
      sendError(res, 400, errors.invalidModule({ param_name: 'module' }));
      return;
    }
    sendJson(res, 200, { fields: module.fields.map((field, i) => renderFieldMeta(module, field, i)) });
  });

  // Modules metadata (https://www.zoho.com/crm/developer/docs/api/v8/modules-api.html).
  api.get(API + '/settings/modules', (_req, res) => {
    sendJson(res, 200, { modules: MODULES.map(renderModuleMeta) });
  });

  api.get(API + '/settings/modules/:module', (req, res) => {
    const module = findModule(String(req.params.module));
    if (!module) {
      sendError(res, 400, errors.invalidModule({ resource_path_index: 2 }));
      return;
    }
    sendJson(res, 200, {
      modules: [{ ...renderModuleMeta(module), fields: module.fields.map((f, i) => renderFieldMeta(module, f, i)) }],
    });
  });

  // Related lists metadata (https://www.zoho.com/crm/developer/docs/api/v8/related-list-meta.html); the SDK's
  // RelatedRecordsOperations looks the list up here first.
  api.get(API + '/settings/related_lists', (req, res) => {
    const name = param(req, 'module');
    if (!name) {
      sendError(res, 400, errors.requiredParam('module'));
      return;
    }
    const module = findModule(name);
    if (!module || module.subform) {
      sendError(res, 400, errors.invalidModule({ param_name: 'module' }));
      return;
    }
    sendJson(res, 200, { related_lists: module.relatedLists.map((list, i) => renderRelatedListMeta(module, list, i)) });
  });

  // Users (https://www.zoho.com/crm/developer/docs/api/v8/get-users.html): a one-user org.
  api.get(API + '/users', (req, res) => {
    const type = param(req, 'type') ?? 'AllUsers';
    if (!USER_TYPES.includes(type)) {
      sendError(res, 400, errors.invalidParam('type', { supported_values: USER_TYPES }));
      return;
    }
    if (type === 'DeactiveUsers' || type === 'NotConfirmedUsers' || type === 'DeletedUsers') {
      sendNoContent(res);
      return;
    }
    sendJson(res, 200, {
      users: [renderCurrentUser()],
      info: { per_page: 200, count: 1, page: 1, more_records: false },
    });
  });

  api.get(API + '/users/:id', (req, res) => {
    if (String(req.params.id) !== CURRENT_USER.id) {
      sendError(res, 400, zohoError('INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 1 }));
      return;
    }
    sendJson(res, 200, { users: [renderCurrentUser()] });
  });

  // Organization (https://www.zoho.com/crm/developer/docs/api/v8/get-org-data.html).
  api.get(API + '/org', (_req, res) => {
    sendJson(res, 200, { org: [renderOrg()] });
  });

  // Notification channels (https://www.zoho.com/crm/developer/docs/api/v8/notifications/enable.html).
  const watchItems = (req: Request, res: Response): unknown[] | undefined => {
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || body.watch === undefined) {
      sendError(
        res,
        400,
        zohoError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'watch', json_path: '$.watch' }),
      );
      return undefined;
    }
    if (!Array.isArray(body.watch) || body.watch.length === 0) {
      sendError(
        res,
        400,
        zohoError('INVALID_DATA', 'invalid data', {
          api_name: 'watch',
          json_path: '$.watch',
          expected_data_type: 'jsonarray',
        }),
      );
      return undefined;
    }
    if (body.watch.length > 50) {
      sendError(
        res,
        400,
        zohoError('LIMIT_EXCEEDED', 'limit exceeded', { api_name: 'watch', json_path: '$.watch', maximum_length: 50 }),
      );
      return undefined;
    }
    return body.watch;
  };

  const answer = (res: Response, results: Array<Record<string, unknown>>, okStatus: number): void => {
    const failures = results.filter((r) => r.status !== 'success').length;
    const status = failures === 0 ? okStatus : failures === results.length ? 400 : 207;
    sendJson(res, status, { watch: results });
  };

  api.post(API + '/actions/watch', (req, res) => {
    const items = watchItems(req, res);
    if (items) {
      // The v8 OpenAPI document lists 201 for a created channel.
      answer(res, hub.subscribe(items, baseUrl(req)), 201);
    }
  });

  api.put(API + '/actions/watch', (req, res) => {
    const items = watchItems(req, res);
    if (items) {
      answer(res, hub.subscribe(items, baseUrl(req)), 200);
    }
  });

  api.patch(API + '/actions/watch', (req, res) => {
    const items = watchItems(req, res);
    if (items) {
      answer(res, hub.patch(items, baseUrl(req)), 200);
    }
  });

  api.get(API + '/actions/watch', (req, res) => {
    const module = param(req, 'module');
    if (module !== undefined && !findModule(module)) {
      sendError(res, 400, errors.invalidModule({ param_name: 'module' }));
      return;
    }
    const channels = hub.list(
      baseUrl(req),
      param(req, 'channel_id'),
      module ? findModule(module)?.api_name : undefined,
    );
    if (channels.length === 0) {
      sendNoContent(res);
      return;
    }
    sendJson(res, 200, {
      watch: channels,
      info: { per_page: 200, count: channels.length, page: 1, more_records: false },
    });
  });

  api.delete(API + '/actions/watch', (req, res) => {
    const raw = param(req, 'channel_ids');
    if (!raw) {
      sendError(res, 400, errors.requiredParam('channel_ids'));
      return;
    }
    answer(
      res,
      hub.disable(
        raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        baseUrl(req),
      ),
      200,
    );
  });
}
