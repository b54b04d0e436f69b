import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SandboxKit } from '../common/sandbox-kit';
import { type WindowRateLimiter } from '../common/rate-limit';
import {
  couldNotAuthenticate,
  invalidEndpoint,
  invalidToken,
  rateLimited,
  renderInjectedError,
  sendError,
  ZendeskHttpError,
} from './errors';
import type { Query } from './pagination';
import type { UserRecord, ZendeskStore } from './store';
import type { WebhookDispatcher } from './webhooks';

export const API_PREFIX = '/api/v2';

export interface ZendeskConfig {
  email: string;
  apiToken: string;
  /** Items changed within this many seconds before a request are left out of incremental exports. */
  incrementalExclusionSeconds: number;
  jobDelayMs: number;
}

/** Everything a route handler needs; one per sandbox. */
export interface ZendeskContext {
  kit: SandboxKit;
  store: ZendeskStore;
  webhooks: WebhookDispatcher;
  config: ZendeskConfig;
  agent: UserRecord;
  limiters: { account: WindowRateLimiter; incremental: WindowRateLimiter; userWrites: WindowRateLimiter };
  timers: Set<NodeJS.Timeout>;
}

export interface Call {
  req: Request;
  res: Response;
  params: Record<string, string>;
  query: Query;
  /** `${scheme}://${host}/api/v2`: what the client configured as endpointUri, so links lead back to it. */
  endpoint: string;
  /** Whether the client used the `.json` suffix; links keep the same form. */
  suffix: '' | '.json';
  actor: UserRecord;
}

export type Handler = (call: Call) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
  /** Ticketing list endpoints also carry the `ratelimit-*` headers (best-practices-for-avoiding-rate-limiting). */
  list: boolean;
  /** Incremental exports have their own 10 requests/minute limit (incremental_exports "Rate limits"). */
  incremental: boolean;
}

export class RouteTable {
  private readonly routes: Route[] = [];

  /** `path` is relative to /api/v2, without `.json`; `:name` segments match digits, `:name*` anything but `/`. */
  add(method: string, path: string, handler: Handler, opts: { list?: boolean; incremental?: boolean } = {}): void {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        const m = /^:(\w+)(\*?)$/.exec(segment);
        if (!m) {
          return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        }
        keys.push(m[1]);
        return m[2] ? '([^/]+)' : '(\\d+)';
      })
      .join('/');
    this.routes.push({
      method,
      pattern: new RegExp(`^${source}$`),
      keys,
      handler,
      list: opts.list ?? false,
      incremental: opts.incremental ?? false,
    });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) {
        continue;
      }
      const m = route.pattern.exec(path);
      if (!m) {
        continue;
      }
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1]);
      });
      return { route, params };
    }
    return undefined;
  }
}

/** The basic-auth user or the bearer token, for the request log (multi-tenant assertions). */
export function credentialOf(req: Request): string | undefined {
  const header = req.get('authorization') ?? '';
  if (header.startsWith('Bearer ')) {
    return header.slice(7);
  }
  if (header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? decoded : decoded.slice(0, colon);
  }
  return undefined;
}

/**
 * API token: `Authorization: Basic base64("{email}/token:{api_token}")`; OAuth: `Authorization: Bearer {token}`
 * (https://developer.zendesk.com/api-reference/introduction/security-and-auth/). Password basic auth is refused,
 * as on accounts where it is turned off (the default for new accounts).
 */
export function authenticate(ctx: ZendeskContext, req: Request): UserRecord {
  const header = req.get('authorization') ?? '';
  if (header.startsWith('Bearer ')) {
    if (ctx.kit.tokens.isValidAccessToken(header.slice(7).trim())) {
      return ctx.agent;
    }
    throw invalidToken();
  }
  if (header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? '' : decoded.slice(colon + 1);
    if (
      user.endsWith('/token') &&
      user.slice(0, -'/token'.length).toLowerCase() === ctx.config.email.toLowerCase() &&
      secret === ctx.config.apiToken
    ) {
      return ctx.agent;
    }
  }
  throw couldNotAuthenticate();
}

function applyRateLimits(ctx: ZendeskContext, route: Route, req: Request, res: Response): void {
  const account = ctx.limiters.account.take('account');
  const resetSeconds = Math.max(1, Math.ceil(account.resetMs / 1000));
  // https://developer.zendesk.com/api-reference/introduction/rate-limits/ "Monitoring your request activity"
  res.setHeader('X-Rate-Limit', String(account.limit));
  res.setHeader('X-Rate-Limit-Remaining', String(account.remaining));
  if (route.list && req.method === 'GET') {
    res.setHeader('ratelimit-limit', String(account.limit));
    res.setHeader('ratelimit-remaining', String(account.remaining));
    res.setHeader('ratelimit-reset', String(resetSeconds));
  }
  if (!account.allowed) {
    throw rateLimited(resetSeconds);
  }
  if (route.incremental) {
    const inc = ctx.limiters.incremental.take('incremental');
    if (!inc.allowed) {
      throw rateLimited(inc.resetMs / 1000);
    }
  }
}

/**
 * Dispatches /api/v2 requests: unknown paths get InvalidEndpoint before any credential check, then faults, then
 * authentication, then rate limits, then the handler.
 */
export function apiDispatcher(ctx: ZendeskContext, table: RouteTable): RequestHandler {
  const faults = ctx.kit.faults.middleware(renderInjectedError);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path !== API_PREFIX && !req.path.startsWith(`${API_PREFIX}/`)) {
      next();
      return;
    }
    let path = req.path.slice(API_PREFIX.length);
    const suffix: '' | '.json' = path.endsWith('.json') ? '.json' : '';
    if (suffix) {
      path = path.slice(0, -suffix.length);
    }
    const found = table.match(req.method, path);
    if (!found) {
      sendError(res, invalidEndpoint());
      return;
    }
    faults(req, res, () => {
      void (async () => {
        try {
          const actor = authenticate(ctx, req);
          applyRateLimits(ctx, found.route, req, res);
          await found.route.handler({
            req,
            res,
            params: found.params,
            query: req.query as Query,
            endpoint: `${req.protocol}://${req.get('host') ?? '127.0.0.1'}${API_PREFIX}`,
            suffix,
            actor,
          });
        } catch (err) {
          if (res.headersSent || res.destroyed) {
            return;
          }
          if (err instanceof ZendeskHttpError) {
            sendError(res, err);
          } else {
            // A sandbox bug, not a vendor behaviour: make it loud in test output.
            console.error('[zendesk sandbox] unhandled error', err);
            res.status(500).json({ error: 'InternalError', description: String(err) });
          }
        }
      })();
    });
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Schedules work that must not outlive stop(). */
export function later(ctx: ZendeskContext, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    fn();
  }, ms);
  ctx.timers.add(timer);
}
