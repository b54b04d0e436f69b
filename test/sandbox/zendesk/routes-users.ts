import {
  fieldError,
  invalidValue,
  parameterMissing,
  rateLimited,
  recordInvalid,
  recordNotFound,
  ZendeskHttpError,
  type FieldErrors,
} from './errors';
import { isObject, later, type Call, type RouteTable, type ZendeskContext } from './http';
import { listPage, offsetPage, queryString } from './pagination';
import { compileSearch } from './routes-search';
import { zendeskLocale } from './seed';
import type { JobResult, Role, UserRecord } from './store';

// https://developer.zendesk.com/api-reference/ticketing/users/users/

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ROLES: readonly Role[] = ['end-user', 'agent', 'admin'];
export const MAX_BATCH = 100;

/** Tags are single lower-case words in Zendesk; whitespace would split them. */
export function normalizeTags(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) {
    throw recordInvalid(fieldError(field, `${field}: must be an array of strings`, 'InvalidValue'));
  }
  const out: string[] = [];
  for (const raw of value as string[]) {
    for (const tag of raw.trim().toLowerCase().split(/\s+/)) {
      if (tag && !out.includes(tag)) {
        out.push(tag);
      }
    }
  }
  return out;
}

function emailInUse(ctx: ZendeskContext, email: string, self: UserRecord | undefined): boolean {
  const owner = ctx.store.userByEmail(email);
  return owner !== undefined && owner.id !== self?.id;
}

/**
 * Applies a `user` object to a new or an existing user. Throws 422 RecordInvalid with per-field details. Returns the
 * fields to write; nothing is written until every field has been validated.
 */
function validateUserInput(
  ctx: ZendeskContext,
  input: Record<string, unknown>,
  existing: UserRecord | undefined,
): Partial<UserRecord> & { addEmail?: string } {
  const errors: FieldErrors = {};
  const add = (field: string, description: string, error: string): void => {
    (errors[field] ??= []).push({ description, error });
  };
  const out: Partial<UserRecord> & { addEmail?: string } = {};

  if ('name' in input || !existing) {
    if (typeof input.name !== 'string' || input.name.trim() === '') {
      add('name', 'Name: cannot be blank', 'BlankValue');
    } else {
      out.name = input.name.trim();
    }
  }
  if (input.email !== undefined && input.email !== null) {
    if (typeof input.email !== 'string' || !EMAIL.test(input.email.trim())) {
      add('email', `Email: ${JSON.stringify(input.email)} is not properly formatted`, 'InvalidFormat');
    } else {
      const email = input.email.trim();
      if (emailInUse(ctx, email, existing)) {
        add('email', `Email: ${email} is already being used by another user`, 'DuplicateValue');
      } else if (!existing) {
        out.email = email;
      } else if (![existing.email, ...existing.secondaryEmails].some((e) => e?.toLowerCase() === email.toLowerCase())) {
        // "Writeable on create only. On update, a secondary email is added."
        out.addEmail = email;
      }
    }
  }
  if ('phone' in input) {
    if (input.phone !== null && typeof input.phone !== 'string') {
      add('phone', 'Phone: is invalid', 'InvalidValue');
    } else {
      out.phone = input.phone || null;
    }
  }
  if ('external_id' in input) {
    const raw = input.external_id;
    if (raw !== null && typeof raw !== 'string' && typeof raw !== 'number') {
      add('external_id', 'External ID: is invalid', 'InvalidValue');
    } else {
      const externalId = raw === null || raw === '' ? null : String(raw);
      const owner = externalId === null ? undefined : ctx.store.userByExternalId(externalId);
      if (owner && owner.id !== existing?.id) {
        add('external_id', `External ID: ${externalId} has already been taken`, 'DuplicateValue');
      } else {
        out.externalId = externalId;
      }
    }
  }
  if ('locale' in input) {
    if (typeof input.locale !== 'string' || input.locale === '') {
      add('locale', 'Locale: is invalid', 'InvalidValue');
    } else {
      const loc = zendeskLocale(input.locale);
      out.locale = loc.locale;
      if (!existing) {
        out.timeZone = loc.timeZone;
        out.ianaTimeZone = loc.iana;
      }
    }
  }
  if ('role' in input) {
    if (!ROLES.includes(input.role as Role)) {
      add('role', `Role: ${String(input.role)} is not a valid role`, 'InvalidValue');
    } else {
      out.role = input.role as Role;
    }
  }
  if ('organization_id' in input) {
    const orgId = input.organization_id;
    if (orgId !== null && (typeof orgId !== 'number' || !ctx.store.organizations.has(orgId))) {
      add('organization_id', 'Organization: is invalid', 'InvalidValue');
    } else {
      out.organizationId = orgId;
    }
  }
  if (isObject(input.organization) && typeof input.organization.name === 'string' && input.organization.name) {
    out.organizationId = ctx.store.organizationFor(input.organization.name, Date.now()).id;
  }
  if ('user_fields' in input) {
    const fields = input.user_fields;
    if (!isObject(fields) || Object.values(fields).some((v) => isObject(v) || Array.isArray(v))) {
      add('user_fields', 'User fields: must be an object of scalar values', 'InvalidValue');
    } else {
      // Zendesk merges user_fields: keys not sent keep their values.
      out.userFields = { ...(existing?.userFields ?? {}), ...fields };
    }
  }
  if ('tags' in input) {
    try {
      out.tags = normalizeTags(input.tags, 'tags');
    } catch (err) {
      if (err instanceof ZendeskHttpError) {
        add('tags', 'Tags: must be an array of strings', 'InvalidValue');
      } else {
        throw err;
      }
    }
  }
  for (const key of ['notes', 'details'] as const) {
    if (key in input) {
      if (typeof input[key] !== 'string') {
        add(key, `${key}: must be a string`, 'InvalidValue');
      } else {
        out[key] = input[key];
      }
    }
  }
  for (const key of ['verified', 'suspended'] as const) {
    if (key in input) {
      if (typeof input[key] !== 'boolean') {
        add(key, `${key}: must be true or false`, 'InvalidValue');
      } else {
        out[key] = input[key];
      }
    }
  }
  if (Object.keys(errors).length > 0) {
    throw recordInvalid(errors);
  }
  return out;
}

export function createUser(ctx: ZendeskContext, input: Record<string, unknown>): UserRecord {
  const fields = validateUserInput(ctx, input, undefined);
  const now = Date.now();
  const loc = zendeskLocale('en-US');
  const { addEmail: _ignored, ...rest } = fields;
  return ctx.store.insertUser({
    name: '',
    email: null,
    secondaryEmails: [],
    phone: null,
    externalId: null,
    locale: loc.locale,
    timeZone: loc.timeZone,
    ianaTimeZone: loc.iana,
    organizationId: null,
    userFields: {},
    tags: [],
    role: 'end-user',
    notes: '',
    details: '',
    verified: false,
    suspended: false,
    ...rest,
    createdAt: now,
    updatedAt: now,
  });
}

export function updateUser(ctx: ZendeskContext, user: UserRecord, input: Record<string, unknown>): UserRecord {
  const { addEmail, ...fields } = validateUserInput(ctx, input, user);
  Object.assign(user, fields);
  if (addEmail) {
    user.secondaryEmails.push(addEmail);
  }
  user.updatedAt = Date.now();
  ctx.store.reindexUser(user);
  return user;
}

/** create_or_update: "updates an existing user identified by e-mail address or external ID"; external id wins. */
function findForUpsert(ctx: ZendeskContext, input: Record<string, unknown>): UserRecord | undefined {
  const externalId = input.external_id;
  if ((typeof externalId === 'string' && externalId !== '') || typeof externalId === 'number') {
    const byExternal = ctx.store.userByExternalId(String(externalId));
    if (byExternal) {
      return byExternal;
    }
  }
  return typeof input.email === 'string' ? ctx.store.userByEmail(input.email.trim()) : undefined;
}

/**
 * "The rate limit is 5 requests per minute for each unique end user profile" for Create Or Update User and Update
 * User, reported in `Zendesk-RateLimit-create-update-user: total=…; remaining=…; resets=…`.
 */
function takeUserWrite(ctx: ZendeskContext, call: Call, key: string): void {
  const r = ctx.limiters.userWrites.take(key);
  const resets = Math.max(1, Math.ceil(r.resetMs / 1000));
  const header = `total=${r.limit}; remaining=${r.remaining}; resets=${resets}`;
  call.res.setHeader('Zendesk-RateLimit-create-update-user', header);
  if (!r.allowed) {
    throw rateLimited(resets, { 'Zendesk-RateLimit-create-update-user': header });
  }
}

function userBody(call: Call): Record<string, unknown> {
  const body: unknown = call.req.body;
  if (!isObject(body) || !isObject(body.user)) {
    throw parameterMissing('user');
  }
  return body.user;
}

function journalUser(
  ctx: ZendeskContext,
  user: UserRecord,
  operation: 'create' | 'update' | 'upsert',
  payload: unknown,
) {
  ctx.kit.journal.record({
    object: 'users',
    operation,
    recordId: String(user.id),
    externalKey: user.externalId ?? user.email ?? undefined,
    payload,
  });
}

export function jobMessage(at: number): string {
  const d = new Date(at).toISOString();
  return `Completed at ${d.slice(0, 10)} ${d.slice(11, 19)} +0000`;
}

/**
 * Runs a bulk job after `jobDelayMs`: queued → completed, with one result per item. Each item is committed (store
 * and journal) on its own; `kit.faults.shouldFailRecord()` fails single items the way Zendesk reports them, and
 * `kit.faults.rejectsRecord(external_id)` refuses an item for good (RecordInvalid, the same on every retry; the
 * details text is a guess, the shape is that of the job's other failed results).
 */
export function runJob(
  ctx: ZendeskContext,
  jobId: string,
  items: unknown[],
  work: (item: unknown, index: number) => JobResult,
) {
  later(ctx, ctx.config.jobDelayMs, () => {
    const job = ctx.store.jobs.get(jobId);
    if (!job) {
      return;
    }
    job.status = 'working';
    job.progress = 0;
    const results: JobResult[] = [];
    items.forEach((item, index) => {
      const key = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).external_id : undefined;
      if (ctx.kit.faults.rejectsRecord(typeof key === 'string' ? key : undefined)) {
        results.push({
          index,
          success: false,
          status: 'Failed',
          error: 'RecordInvalid',
          details: 'Record validation errors: a required field is missing or invalid',
        });
      } else if (ctx.kit.faults.shouldFailRecord()) {
        results.push({
          index,
          success: false,
          status: 'Failed',
          error: 'InternalError',
          details: 'Something went wrong while processing this record. Please retry.',
        });
      } else {
        results.push(work(item, index));
      }
      job.progress = index + 1;
    });
    job.results = results;
    job.status = 'completed';
    job.message = jobMessage(Date.now());
  });
}

export function failedResult(index: number, err: unknown, action: 'create' | 'update'): JobResult {
  if (err instanceof ZendeskHttpError && typeof err.body === 'object') {
    const details = Object.values(err.body.details ?? {})
      .flat()
      .map((d) => d.description)
      .join('; ');
    return {
      index,
      action,
      success: false,
      status: 'Failed',
      error: err.body.error,
      details: details || err.body.description,
    };
  }
  throw err;
}

export function registerUserRoutes(ctx: ZendeskContext, table: RouteTable): void {
  const { store, kit } = ctx;
  const findUser = (id: string): UserRecord => {
    const user = store.users.get(Number(id));
    if (!user) {
      throw recordNotFound();
    }
    return user;
  };
  const sortedUsers = (): UserRecord[] => [...store.users.values()].sort((a, b) => a.id - b.id);

  table.add(
    'GET',
    '/users',
    (call) => {
      let users = sortedUsers();
      const externalId = queryString(call.query, 'external_id');
      if (externalId !== undefined) {
        users = users.filter((u) => u.externalId?.toLowerCase() === externalId.toLowerCase());
      }
      const role = queryString(call.query, 'role');
      if (role !== undefined) {
        users = users.filter((u) => u.role === role);
      }
      const page = listPage(users, call.query, `${call.endpoint}/users${call.suffix}`, (u) => u.id);
      call.res.json({ users: page.items.map((u) => store.userJson(u, call.endpoint)), ...page.body });
    },
    { list: true },
  );

  // Search Users: offset pagination only, up to 100 per page and 10,000 records per query.
  table.add(
    'GET',
    '/users/search',
    (call) => {
      const externalId = queryString(call.query, 'external_id');
      const query = queryString(call.query, 'query');
      let users: UserRecord[];
      if (externalId !== undefined) {
        // "The external_id parameter does not support the search syntax. It only accepts ids."
        const user = store.userByExternalId(externalId);
        users = user ? [user] : [];
      } else if (query !== undefined && query.trim() !== '') {
        const compiled = compileSearch(query);
        users = sortedUsers().filter((u) => compiled.matchUser(store.userView(u)));
      } else {
        users = [];
      }
      const page = offsetPage(users, call.query, `${call.endpoint}/users/search${call.suffix}`);
      call.res.json({ users: page.items.map((u) => store.userJson(u, call.endpoint)), ...page.body });
    },
    { list: true },
  );

  table.add('GET', '/users/me', (call) => {
    call.res.json({ user: store.userJson(call.actor, call.endpoint) });
  });

  table.add('GET', '/users/show_many', (call) => {
    const raw = queryString(call.query, 'ids') ?? '';
    const ids = raw.split(',').filter(Boolean);
    if (ids.length === 0 || ids.length > MAX_BATCH || ids.some((id) => !/^\d+$/.test(id))) {
      throw invalidValue(`ids must be a comma-separated list of 1 to ${MAX_BATCH} user ids`);
    }
    const users = ids.map((id) => store.users.get(Number(id))).filter((u): u is UserRecord => !!u);
    call.res.json({ users: users.map((u) => store.userJson(u, call.endpoint)) });
  });

  table.add('GET', '/users/:id', (call) => {
    call.res.json({ user: store.userJson(findUser(call.params.id), call.endpoint) });
  });

  table.add('POST', '/users', (call) => {
    const input = userBody(call);
    const user = createUser(ctx, input);
    journalUser(ctx, user, 'create', input);
    if (kit.faults.resetAfterCommit(call.res)) {
      return;
    }
    const json = store.userJson(user, call.endpoint);
    call.res
      .status(201)
      .location(json.url as string)
      .json({ user: json });
  });

  table.add('PUT', '/users/:id', (call) => {
    const user = findUser(call.params.id);
    const input = userBody(call);
    takeUserWrite(ctx, call, String(user.id));
    updateUser(ctx, user, input);
    journalUser(ctx, user, 'update', input);
    if (kit.faults.resetAfterCommit(call.res)) {
      return;
    }
    call.res.json({ user: store.userJson(user, call.endpoint) });
  });

  table.add('POST', '/users/create_or_update', (call) => {
    const input = userBody(call);
    const existing = findForUpsert(ctx, input);
    const limitKey = existing
      ? String(existing.id)
      : `new:${JSON.stringify(input.external_id ?? input.email ?? '').toLowerCase()}`;
    takeUserWrite(ctx, call, limitKey);
    const user = existing ? updateUser(ctx, existing, input) : createUser(ctx, input);
    journalUser(ctx, user, 'upsert', input);
    if (kit.faults.resetAfterCommit(call.res)) {
      return;
    }
    const json = store.userJson(user, call.endpoint);
    if (existing) {
      call.res.status(200).json({ user: json });
    } else {
      call.res
        .status(201)
        .location(json.url as string)
        .json({ user: json });
    }
  });

  // Create Or Update Many Users: up to 100 users, processed as a background job.
  table.add('POST', '/users/create_or_update_many', (call) => {
    const body: unknown = call.req.body;
    if (!isObject(body) || !Array.isArray(body.users)) {
      throw parameterMissing('users');
    }
    const users = body.users;
    if (users.length === 0 || users.length > MAX_BATCH) {
      throw invalidValue(`users must contain between 1 and ${MAX_BATCH} users`);
    }
    const job = store.newJob('bulk_create_or_update_users', users.length);
    runJob(ctx, job.id, users, (item, index) => {
      if (!isObject(item)) {
        return { index, success: false, status: 'Failed', error: 'InvalidValue', details: 'User must be an object' };
      }
      const existing = findForUpsert(ctx, item);
      try {
        const user = existing ? updateUser(ctx, existing, item) : createUser(ctx, item);
        journalUser(ctx, user, 'upsert', item);
        return existing
          ? { index, id: user.id, action: 'update', success: true, status: 'Updated' }
          : { index, id: user.id, action: 'create', success: true, status: 'Created' };
      } catch (err) {
        return failedResult(index, err, existing ? 'update' : 'create');
      }
    });
    // The job itself is the accepted write; the items commit when it runs.
    if (kit.faults.resetAfterCommit(call.res)) {
      return;
    }
    call.res.status(200).json({ job_status: store.jobJson(job, call.endpoint) });
  });
}
