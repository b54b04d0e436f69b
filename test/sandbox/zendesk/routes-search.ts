import { invalidValue, ZendeskHttpError } from './errors';
import type { RouteTable, ZendeskContext } from './http';
import { cursorPage, offsetPage, queryString } from './pagination';
import { compileQuery, SearchSyntaxError, type CompiledQuery, type ResultType } from './search-query';
import type { OrganizationRecord, TicketRecord, UserRecord } from './store';

// https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/

/** "The Search API returns up to 1,000 results per query, with a maximum of 100 results per page." */
const SEARCH_RESULT_LIMIT = 1000;

export function compileSearch(query: string | undefined): CompiledQuery {
  if (query === undefined || query.trim() === '') {
    throw new ZendeskHttpError(400, { error: 'invalid', description: 'The query parameter is required' });
  }
  try {
    return compileQuery(query);
  } catch (err) {
    if (err instanceof SearchSyntaxError) {
      // Search errors are {error, description}; the documented example error types are "unavailable" and "invalid".
      throw new ZendeskHttpError(400, { error: 'invalid', description: err.message });
    }
    throw err;
  }
}

type Hit =
  | { type: 'ticket'; record: TicketRecord }
  | { type: 'user'; record: UserRecord }
  | { type: 'organization'; record: OrganizationRecord };

const STATUS_RANK = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PRIORITY_RANK = ['low', 'normal', 'high', 'urgent'];

export function registerSearchRoutes(ctx: ZendeskContext, table: RouteTable): void {
  const { store } = ctx;

  const hits = (compiled: CompiledQuery, only?: ResultType): Hit[] => {
    const allowed = (t: ResultType): boolean => (only ? t === only : compiled.types === null || compiled.types.has(t));
    const out: Hit[] = [];
    if (allowed('ticket')) {
      for (const t of store.tickets.values()) {
        if (compiled.matchTicket(store.ticketView(t))) {
          out.push({ type: 'ticket', record: t });
        }
      }
    }
    if (allowed('user')) {
      for (const u of store.users.values()) {
        if (compiled.matchUser(store.userView(u))) {
          out.push({ type: 'user', record: u });
        }
      }
    }
    if (allowed('organization')) {
      for (const o of store.organizations.values()) {
        if (compiled.matchOrganization(store.organizationView(o))) {
          out.push({ type: 'organization', record: o });
        }
      }
    }
    return out;
  };

  const json = (hit: Hit, endpoint: string): Record<string, unknown> => {
    switch (hit.type) {
      case 'ticket':
        return { ...store.ticketJson(hit.record, endpoint), result_type: 'ticket' };
      case 'user':
        return { ...store.userJson(hit.record, endpoint), result_type: 'user' };
      case 'organization':
        return { ...store.organizationJson(hit.record, endpoint), result_type: 'organization' };
    }
  };

  /** sort_by: updated_at, created_at, priority, status, ticket_type; sort_order defaults to desc. */
  const sortHits = (list: Hit[], sortBy: string | undefined, sortOrder: string | undefined): Hit[] => {
    if (sortOrder !== undefined && sortOrder !== 'asc' && sortOrder !== 'desc') {
      throw invalidValue('sort_order must be "asc" or "desc"');
    }
    const key = (h: Hit): number | string => {
      switch (sortBy) {
        case 'updated_at':
          return h.record.updatedAt;
        case 'created_at':
          return h.record.createdAt;
        case 'priority':
          return h.type === 'ticket' ? PRIORITY_RANK.indexOf(h.record.priority ?? '') : -1;
        case 'status':
          return h.type === 'ticket' ? STATUS_RANK.indexOf(h.record.status) : -1;
        case 'ticket_type':
          return h.type === 'ticket' ? (h.record.type ?? '') : '';
        default:
          return h.record.id;
      }
    };
    if (sortBy !== undefined && !['updated_at', 'created_at', 'priority', 'status', 'ticket_type'].includes(sortBy)) {
      throw invalidValue('sort_by must be one of updated_at, created_at, priority, status, ticket_type');
    }
    // Without sort_by Zendesk orders by relevance; the sandbox's stand-in for relevance is type, then id.
    const dir = sortBy === undefined ? 1 : sortOrder === 'asc' ? 1 : -1;
    const typeRank = (h: Hit): number => ['ticket', 'user', 'organization'].indexOf(h.type);
    return [...list].sort((a, b) => {
      if (sortBy === undefined && typeRank(a) !== typeRank(b)) {
        return typeRank(a) - typeRank(b);
      }
      const ka = key(a);
      const kb = key(b);
      if (ka < kb) {
        return -dir;
      }
      if (ka > kb) {
        return dir;
      }
      return a.record.id - b.record.id;
    });
  };

  // List Search Results: offset pagination only; pages past the 1,000th result answer 422.
  table.add(
    'GET',
    '/search',
    (call) => {
      const compiled = compileSearch(queryString(call.query, 'query'));
      const sorted = sortHits(
        hits(compiled),
        queryString(call.query, 'sort_by'),
        queryString(call.query, 'sort_order'),
      );
      const page = offsetPage(sorted, call.query, `${call.endpoint}/search${call.suffix}`, {
        recordLimit: SEARCH_RESULT_LIMIT,
        // Documented as "a 422 Insufficient Resource Error"; the body wording is unverified.
        onLimit: () =>
          new ZendeskHttpError(422, {
            error: 'InsufficientResourceError',
            description: `Search results are limited to ${SEARCH_RESULT_LIMIT} per query`,
          }),
      });
      call.res.json({ results: page.items.map((h) => json(h, call.endpoint)), facets: null, ...page.body });
    },
    { list: true },
  );

  table.add('GET', '/search/count', (call) => {
    const compiled = compileSearch(queryString(call.query, 'query'));
    call.res.json({ count: hits(compiled).length });
  });

  // Export Search Results: cursor pagination, one result type per request (`filter[type]` is required).
  table.add(
    'GET',
    '/search/export',
    (call) => {
      const compiled = compileSearch(queryString(call.query, 'query'));
      const type = queryString(call.query, 'filter[type]');
      if (type !== 'ticket' && type !== 'user' && type !== 'organization' && type !== 'group') {
        throw invalidValue('filter[type] is required and must be one of ticket, user, organization, group');
      }
      const list = hits(compiled, type).sort((a, b) => a.record.id - b.record.id);
      const page = cursorPage(list, call.query, `${call.endpoint}/search/export${call.suffix}`, (h) => h.record.id);
      call.res.json({ results: page.items.map((h) => json(h, call.endpoint)), facets: null, ...page.body });
    },
    { list: true },
  );
}
