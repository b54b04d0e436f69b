import { createHash } from 'node:crypto';
import type { Request } from 'express';
import {
  fieldError,
  idempotencyMismatch,
  invalidValue,
  parameterMissing,
  recordInvalid,
  recordNotFound,
  type FieldErrors,
} from './errors';
import { isObject, type Call, type RouteTable, type ZendeskContext } from './http';
import { listPage, queryString } from './pagination';
import { createUser, failedResult, MAX_BATCH, normalizeTags, runJob } from './routes-users';
import {
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TYPES,
  type CommentRecord,
  type TicketPriority,
  type TicketRecord,
  type TicketStatus,
  type UserRecord,
} from './store';

// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
// https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/

/** Keys expire after two hours (ticketing introduction, #idempotency). */
const IDEMPOTENCY_TTL_MS = 2 * 60 * 60 * 1000;

interface CommentInput {
  body: string;
  htmlBody?: string;
  public?: boolean;
  authorId?: number;
}

function parseComment(raw: unknown, errors: FieldErrors): CommentInput | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (!isObject(raw)) {
    Object.assign(errors, fieldError('comment', 'Comment: must be an object', 'InvalidValue'));
    return undefined;
  }
  const body = typeof raw.body === 'string' ? raw.body : undefined;
  const html = typeof raw.html_body === 'string' ? raw.html_body : undefined;
  if ((raw.body !== undefined && body === undefined) || (raw.html_body !== undefined && html === undefined)) {
    Object.assign(errors, fieldError('comment', 'Comment: body must be a string', 'InvalidValue'));
    return undefined;
  }
  if (raw.public !== undefined && typeof raw.public !== 'boolean') {
    Object.assign(errors, fieldError('comment', 'Comment: public must be true or false', 'InvalidValue'));
    return undefined;
  }
  if (raw.author_id !== undefined && typeof raw.author_id !== 'number') {
    Object.assign(errors, fieldError('comment', 'Comment: author_id must be a user id', 'InvalidValue'));
    return undefined;
  }
  const text = body ?? (html === undefined ? undefined : html.replace(/<[^>]*>/g, ''));
  if (text === undefined || text.trim() === '') {
    return undefined;
  }
  return {
    body: text,
    htmlBody: html,
    public: raw.public,
    authorId: raw.author_id,
  };
}

function oneOf<T extends string>(
  values: readonly T[],
  raw: unknown,
  field: string,
  label: string,
  errors: FieldErrors,
): T | undefined {
  if (raw === undefined) {
    return undefined;
  }
  if (typeof raw !== 'string' || !values.includes(raw as T)) {
    Object.assign(errors, fieldError(field, `${label}: ${JSON.stringify(raw)} is not valid`, 'InvalidValue'));
    return undefined;
  }
  return raw as T;
}

function userRef(
  ctx: ZendeskContext,
  raw: unknown,
  field: string,
  label: string,
  errors: FieldErrors,
  agentOnly = false,
) {
  if (raw === undefined) {
    return undefined;
  }
  if (raw === null) {
    return null;
  }
  const user = typeof raw === 'number' ? ctx.store.users.get(raw) : undefined;
  if (!user || (agentOnly && user.role === 'end-user')) {
    Object.assign(errors, fieldError(field, `${label}: is invalid`, 'InvalidValue'));
    return undefined;
  }
  return user;
}

function customFields(raw: unknown, errors: FieldErrors): Array<{ id: number; value: unknown }> | undefined {
  if (raw === undefined) {
    return undefined;
  }
  if (!Array.isArray(raw) || raw.some((f) => !isObject(f) || typeof f.id !== 'number')) {
    Object.assign(
      errors,
      fieldError('custom_fields', 'Custom fields: must be an array of {id, value}', 'InvalidValue'),
    );
    return undefined;
  }
  return raw.map((f: Record<string, unknown>) => ({ id: f.id as number, value: f.value ?? null }));
}

function externalId(raw: unknown, errors: FieldErrors): string | null | undefined {
  if (raw === undefined) {
    return undefined;
  }
  if (raw === null || raw === '') {
    return null;
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    Object.assign(errors, fieldError('external_id', 'External ID: is invalid', 'InvalidValue'));
    return undefined;
  }
  return String(raw);
}

/** `requester: {email, name}` finds the user with that email or creates an end user, as Zendesk does. */
function resolveRequester(ctx: ZendeskContext, raw: unknown, errors: FieldErrors): UserRecord | undefined {
  if (!isObject(raw)) {
    Object.assign(errors, fieldError('requester', 'Requester: is invalid', 'InvalidValue'));
    return undefined;
  }
  const email = typeof raw.email === 'string' ? raw.email.trim() : undefined;
  if (email) {
    const existing = ctx.store.userByEmail(email);
    if (existing) {
      return existing;
    }
  }
  if (!email && (typeof raw.name !== 'string' || raw.name.trim() === '')) {
    Object.assign(errors, fieldError('requester', 'Requester: Name: cannot be blank', 'BlankValue'));
    return undefined;
  }
  try {
    const input: Record<string, unknown> = {
      name: typeof raw.name === 'string' && raw.name.trim() ? raw.name : email?.split('@')[0],
    };
    if (email) {
      input.email = email;
    }
    if (typeof raw.locale === 'string') {
      input.locale = raw.locale;
    }
    const user = createUser(ctx, input);
    ctx.kit.journal.record({
      object: 'users',
      operation: 'create',
      recordId: String(user.id),
      externalKey: email,
      payload: input,
    });
    return user;
  } catch {
    Object.assign(
      errors,
      fieldError('requester', `Requester: Email: ${String(email)} is not properly formatted`, 'InvalidFormat'),
    );
    return undefined;
  }
}

interface CreatedTicket {
  ticket: TicketRecord;
  comment: CommentRecord;
  auditId: number;
}

export function createTicket(ctx: ZendeskContext, input: Record<string, unknown>, actor: UserRecord): CreatedTicket {
  const { store } = ctx;
  const errors: FieldErrors = {};
  const comment =
    parseComment(input.comment, errors) ??
    (typeof input.description === 'string' && input.description.trim() ? { body: input.description } : undefined);
  if (!comment && !errors.comment) {
    Object.assign(errors, fieldError('description', 'Description: cannot be blank', 'BlankValue'));
  }
  if (input.subject !== undefined && input.subject !== null && typeof input.subject !== 'string') {
    Object.assign(errors, fieldError('subject', 'Subject: must be a string', 'InvalidValue'));
  }
  const status = oneOf<TicketStatus>(TICKET_STATUSES, input.status, 'status', 'Status', errors);
  const priority =
    input.priority === null
      ? null
      : oneOf<TicketPriority>(TICKET_PRIORITIES, input.priority, 'priority', 'Priority', errors);
  const type = input.type === null ? null : oneOf(TICKET_TYPES, input.type, 'type', 'Type', errors);
  const assignee = userRef(ctx, input.assignee_id, 'assignee_id', 'Assignee', errors, true);
  const submitter = userRef(ctx, input.submitter_id, 'submitter_id', 'Submitter', errors);
  let requester: UserRecord | null | undefined = userRef(ctx, input.requester_id, 'requester_id', 'Requester', errors);
  if (requester === undefined && input.requester !== undefined && !errors.requester_id) {
    requester = resolveRequester(ctx, input.requester, errors);
  }
  const author =
    comment?.authorId === undefined ? undefined : userRef(ctx, comment.authorId, 'comment', 'Comment author', errors);
  const tags = input.tags === undefined ? [] : safeTags(input.tags, errors);
  const fields = customFields(input.custom_fields, errors) ?? [];
  const ext = externalId(input.external_id, errors);
  if (Object.keys(errors).length > 0 || !comment) {
    throw recordInvalid(errors);
  }
  const now = Date.now();
  const submitterUser = submitter ?? actor;
  const requesterUser = requester ?? actor;
  const isPublic = comment.public ?? true;
  const ticket = store.insertTicket({
    subject:
      typeof input.subject === 'string' && input.subject ? input.subject : comment.body.split('\n')[0].slice(0, 150),
    description: comment.body,
    status: status ?? (assignee ? 'open' : 'new'),
    priority: priority ?? null,
    type: type ?? null,
    requesterId: requesterUser.id,
    submitterId: submitterUser.id,
    assigneeId: assignee?.id ?? null,
    organizationId: requesterUser.organizationId,
    externalId: ext ?? null,
    tags,
    customFields: fields,
    viaChannel: 'api',
    defaultCommentPublic: isPublic,
    createdAt: now,
    updatedAt: now,
  });
  const auditId = store.newAuditId();
  const created = store.addComment({
    ticketId: ticket.id,
    auditId,
    authorId: (author ?? submitterUser).id,
    body: comment.body,
    htmlBody: comment.htmlBody,
    public: isPublic,
    viaChannel: 'api',
    createdAt: now,
  });
  return { ticket, comment: created, auditId };
}

function safeTags(raw: unknown, errors: FieldErrors): string[] {
  try {
    return normalizeTags(raw, 'tags');
  } catch {
    Object.assign(errors, fieldError('tags', 'Tags: must be an array of strings', 'InvalidValue'));
    return [];
  }
}

function audit(
  ctx: ZendeskContext,
  ticket: TicketRecord,
  auditId: number,
  actor: UserRecord,
  events: Array<Record<string, unknown>>,
  at: number,
): Record<string, unknown> {
  return {
    id: auditId,
    ticket_id: ticket.id,
    created_at: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    author_id: actor.id,
    metadata: { system: { client: 'node-zendesk', ip_address: '127.0.0.1' }, custom: {} },
    via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
    events: events.map((e, i) => ({ id: auditId + i + 1, ...e })),
  };
}

function ticketBody(call: Call): Record<string, unknown> {
  const body: unknown = call.req.body;
  if (!isObject(body) || !isObject(body.ticket)) {
    throw parameterMissing('ticket');
  }
  return body.ticket;
}

function rawBodyHash(req: Request): string {
  const raw = (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
  return createHash('sha256').update(raw).digest('hex');
}

export function registerTicketRoutes(ctx: ZendeskContext, table: RouteTable): void {
  const { store, kit, webhooks } = ctx;
  const findTicket = (id: string): TicketRecord => {
    const ticket = store.tickets.get(Number(id));
    if (!ticket) {
      throw recordNotFound();
    }
    return ticket;
  };
  const sortedTickets = (filter: (t: TicketRecord) => boolean = () => true): TicketRecord[] =>
    [...store.tickets.values()].filter(filter).sort((a, b) => a.id - b.id);

  table.add(
    'GET',
    '/tickets',
    (call) => {
      let tickets = sortedTickets();
      const ext = queryString(call.query, 'external_id');
      if (ext !== undefined) {
        tickets = tickets.filter((t) => t.externalId === ext);
      }
      const page = listPage(tickets, call.query, `${call.endpoint}/tickets${call.suffix}`, (t) => t.id);
      call.res.json({ tickets: page.items.map((t) => store.ticketJson(t, call.endpoint)), ...page.body });
    },
    { list: true },
  );

  table.add('GET', '/tickets/:id', (call) => {
    call.res.json({ ticket: store.ticketJson(findTicket(call.params.id), call.endpoint) });
  });

  table.add(
    'GET',
    '/users/:id/tickets/requested',
    (call) => {
      const userId = Number(call.params.id);
      if (!store.users.has(userId)) {
        throw recordNotFound();
      }
      const tickets = sortedTickets((t) => t.requesterId === userId);
      const page = listPage(
        tickets,
        call.query,
        `${call.endpoint}/users/${userId}/tickets/requested${call.suffix}`,
        (t) => t.id,
      );
      call.res.json({ tickets: page.items.map((t) => store.ticketJson(t, call.endpoint)), ...page.body });
    },
    { list: true },
  );

  table.add(
    'GET',
    '/tickets/:id/comments',
    (call) => {
      const ticket = findTicket(call.params.id);
      const order = queryString(call.query, 'sort_order') ?? 'asc';
      if (order !== 'asc' && order !== 'desc') {
        throw invalidValue('sort_order must be "asc" or "desc"');
      }
      const comments = [...(store.comments.get(ticket.id) ?? [])];
      const sorted = order === 'desc' ? comments.reverse() : comments;
      // Cursor keys must grow along the list, so descending order pages over negated ids.
      const key = (c: CommentRecord): number => (order === 'desc' ? -c.id : c.id);
      const page = listPage(sorted, call.query, `${call.endpoint}/tickets/${ticket.id}/comments${call.suffix}`, key);
      call.res.json({ comments: page.items.map((c) => store.commentJson(c)), ...page.body });
    },
    { list: true },
  );

  table.add('POST', '/tickets', (call) => {
    const input = ticketBody(call);
    const key = call.req.get('idempotency-key');
    if (key !== undefined) {
      const cached = store.idempotency.get(key);
      if (cached && cached.expiresAt <= Date.now()) {
        store.idempotency.delete(key);
      } else if (cached) {
        if (cached.bodyHash !== rawBodyHash(call.req)) {
          throw idempotencyMismatch();
        }
        call.res.setHeader('x-idempotency-lookup', 'hit');
        if (cached.location) {
          call.res.location(cached.location);
        }
        call.res.status(cached.status).type('application/json').send(cached.body);
        return;
      }
    }
    const { ticket, comment, auditId } = createTicket(ctx, input, call.actor);
    kit.journal.record({
      object: 'tickets',
      operation: 'create',
      recordId: String(ticket.id),
      externalKey: key ?? ticket.externalId ?? undefined,
      payload: input,
    });
    const json = store.ticketJson(ticket, call.endpoint);
    const body = JSON.stringify({
      ticket: json,
      audit: audit(
        ctx,
        ticket,
        auditId,
        call.actor,
        [
          { type: 'Comment', author_id: comment.authorId, body: comment.body, public: comment.public, attachments: [] },
          { type: 'Create', field_name: 'status', value: ticket.status },
          { type: 'Create', field_name: 'subject', value: ticket.subject },
        ],
        ticket.createdAt,
      ),
    });
    if (key !== undefined) {
      store.idempotency.set(key, {
        bodyHash: rawBodyHash(call.req),
        status: 201,
        body,
        location: json.url as string,
        expiresAt: Date.now() + IDEMPOTENCY_TTL_MS,
      });
    }
    webhooks.ticketCreated(ticket, call.actor);
    if (kit.faults.resetAfterCommit(call.res)) {
      return;
    }
    if (key !== undefined) {
      call.res.setHeader('x-idempotency-lookup', 'miss');
    }
    call.res
      .status(201)
      .location(json.url as string)
      .type('application/json')
      .send(body);
  });

  table.add('PUT', '/tickets/:id', (call) => {
    const ticket = findTicket(call.params.id);
    const input = ticketBody(call);
    if (ticket.status === 'closed') {
      throw recordInvalid(fieldError('status', 'Status: closed prevents ticket update', 'InvalidValue'));
    }
    const errors: FieldErrors = {};
    const comment = parseComment(input.comment, errors);
    const status = oneOf<TicketStatus>(TICKET_STATUSES, input.status, 'status', 'Status', errors);
    if (status === 'new' && ticket.status !== 'new') {
      Object.assign(errors, fieldError('status', 'Status: new is not valid for an updated ticket', 'InvalidValue'));
    }
    const priority =
      input.priority === null
        ? null
        : oneOf<TicketPriority>(TICKET_PRIORITIES, input.priority, 'priority', 'Priority', errors);
    const type = input.type === null ? null : oneOf(TICKET_TYPES, input.type, 'type', 'Type', errors);
    const assignee = userRef(ctx, input.assignee_id, 'assignee_id', 'Assignee', errors, true);
    const requester = userRef(ctx, input.requester_id, 'requester_id', 'Requester', errors);
    const author =
      comment?.authorId === undefined ? undefined : userRef(ctx, comment.authorId, 'comment', 'Comment author', errors);
    if (input.subject !== undefined && typeof input.subject !== 'string') {
      Object.assign(errors, fieldError('subject', 'Subject: must be a string', 'InvalidValue'));
    }
    const tags = input.tags === undefined ? undefined : safeTags(input.tags, errors);
    const addTags = input.additional_tags === undefined ? undefined : safeTags(input.additional_tags, errors);
    const removeTags = input.remove_tags === undefined ? undefined : safeTags(input.remove_tags, errors);
    const fields = customFields(input.custom_fields, errors);
    const ext = externalId(input.external_id, errors);
    if (Object.keys(errors).length > 0) {
      throw recordInvalid(errors);
    }

    const now = Date.now();
    const events: Array<Record<string, unknown>> = [];
    const change = <K extends keyof TicketRecord>(key: K, field: string, value: TicketRecord[K] | undefined) => {
      if (value === undefined || ticket[key] === value) {
        return;
      }
      events.push({ type: 'Change', field_name: field, value, previous_value: ticket[key] });
      ticket[key] = value;
    };
    const previousStatus = ticket.status;
    change('status', 'status', status);
    change('priority', 'priority', priority);
    change('type', 'type', type);
    change('subject', 'subject', input.subject as string | undefined);
    change('assigneeId', 'assignee_id', assignee === undefined ? undefined : (assignee?.id ?? null));
    change('requesterId', 'requester_id', requester?.id);
    change('externalId', 'external_id', ext);
    let nextTags = tags ?? [...ticket.tags];
    if (addTags) {
      nextTags = [...nextTags, ...addTags.filter((t) => !nextTags.includes(t))];
    }
    if (removeTags) {
      nextTags = nextTags.filter((t) => !removeTags.includes(t));
    }
    if (nextTags.join(' ') !== ticket.tags.join(' ')) {
      events.push({ type: 'Change', field_name: 'tags', value: nextTags, previous_value: ticket.tags });
      ticket.tags = nextTags;
    }
    if (fields) {
      for (const f of fields) {
        const existing = ticket.customFields.find((c) => c.id === f.id);
        if (existing) {
          existing.value = f.value;
        } else {
          ticket.customFields.push(f);
        }
        events.push({ type: 'Change', field_name: String(f.id), value: f.value });
      }
    }
    const auditId = store.newAuditId();
    let added: CommentRecord | undefined;
    if (comment) {
      const isPublic = comment.public ?? ticket.defaultCommentPublic;
      added = store.addComment({
        ticketId: ticket.id,
        auditId,
        authorId: (author ?? call.actor).id,
        body: comment.body,
        htmlBody: comment.htmlBody,
        public: isPublic,
        viaChannel: 'api',
        createdAt: now,
      });
      events.unshift({
        type: 'Comment',
        author_id: added.authorId,
        body: added.body,
        public: added.public,
        attachments: [],
      });
    }
    if (events.length > 0) {
      ticket.updatedAt = now;
    }

    kit.journal.record({
      object: 'tickets',
      operation: 'update',
      recordId: String(ticket.id),
      externalKey: ticket.externalId ?? undefined,
      payload: input,
    });
    if (added) {
      kit.journal.record({
        object: 'ticket_comments',
        operation: 'create',
        recordId: String(added.id),
        externalKey: String(ticket.id),
        payload: { ticket_id: ticket.id, body: added.body, public: added.public },
      });
    }
    if (ticket.status !== previousStatus) {
      webhooks.statusChanged(ticket, call.actor, previousStatus);
    }
    if (added) {
      webhooks.commentAdded(ticket, call.actor, added);
    }
    if (kit.faults.resetAfterCommit(call.res)) {
      return;
    }
    call.res.json({
      ticket: store.ticketJson(ticket, call.endpoint),
      audit: audit(ctx, ticket, auditId, call.actor, events, now),
    });
  });

  // Create Many Tickets: up to 100 tickets, processed as a background job.
  table.add('POST', '/tickets/create_many', (call) => {
    const body: unknown = call.req.body;
    if (!isObject(body) || !Array.isArray(body.tickets)) {
      throw parameterMissing('tickets');
    }
    const tickets = body.tickets;
    if (tickets.length === 0 || tickets.length > MAX_BATCH) {
      throw invalidValue(`tickets must contain between 1 and ${MAX_BATCH} tickets`);
    }
    const job = store.newJob('bulk_create_tickets', tickets.length);
    const actor = call.actor;
    runJob(ctx, job.id, tickets, (item, index) => {
      if (!isObject(item)) {
        return { index, success: false, status: 'Failed', error: 'InvalidValue', details: 'Ticket must be an object' };
      }
      try {
        const { ticket } = createTicket(ctx, item, actor);
        kit.journal.record({
          object: 'tickets',
          operation: 'create',
          recordId: String(ticket.id),
          externalKey: ticket.externalId ?? undefined,
          payload: item,
        });
        webhooks.ticketCreated(ticket, actor);
        return { index, id: ticket.id, action: 'create', success: true, status: 'Created' };
      } catch (err) {
        return failedResult(index, err, 'create');
      }
    });
    if (kit.faults.resetAfterCommit(call.res)) {
      return;
    }
    call.res.status(200).json({ job_status: store.jobJson(job, call.endpoint) });
  });
}
