import { randomBytes } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { OrganizationView, TicketView, UserView } from './search-query';

/**
 * In-memory Zendesk account: users, organizations, tickets with their comments, job statuses. Ids look like
 * Zendesk's: tickets count up from 1 per account, everything else uses large numeric ids.
 */

export type Role = 'end-user' | 'agent' | 'admin';
export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_TYPES = ['problem', 'incident', 'question', 'task'] as const;

export interface UserRecord {
  id: number;
  name: string;
  email: string | null;
  /** Emails added by updates ("On update, a secondary email is added"), searchable like the primary one. */
  secondaryEmails: string[];
  phone: string | null;
  externalId: string | null;
  locale: string;
  timeZone: string;
  ianaTimeZone: string;
  organizationId: number | null;
  userFields: Record<string, unknown>;
  tags: string[];
  role: Role;
  notes: string;
  details: string;
  verified: boolean;
  suspended: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface OrganizationRecord {
  id: number;
  name: string;
  externalId: string | null;
  tags: string[];
  createdAt: number;
  updatedAt: number;
}

export interface TicketRecord {
  id: number;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority | null;
  type: string | null;
  requesterId: number;
  submitterId: number;
  assigneeId: number | null;
  organizationId: number | null;
  externalId: string | null;
  tags: string[];
  customFields: Array<{ id: number; value: unknown }>;
  viaChannel: string;
  /** "The initial value set on ticket creation persists for any additional comment unless you change it." */
  defaultCommentPublic: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface CommentRecord {
  id: number;
  ticketId: number;
  auditId: number;
  authorId: number;
  body: string;
  htmlBody: string;
  public: boolean;
  viaChannel: string;
  createdAt: number;
}

export interface JobResult {
  index: number;
  id?: number;
  action?: 'create' | 'update';
  success?: boolean;
  status: 'Created' | 'Updated' | 'Failed';
  error?: string;
  details?: string;
}

export interface JobRecord {
  id: string;
  jobType: string;
  status: 'queued' | 'working' | 'completed' | 'failed';
  total: number;
  progress: number | null;
  message: string | null;
  results: JobResult[] | null;
  createdAt: number;
}

export interface IdempotencyRecord {
  bodyHash: string;
  status: number;
  body: string;
  location?: string;
  expiresAt: number;
}

const lower = (s: string): string => s.toLocaleLowerCase('en-US');

/** Zendesk timestamps: UTC ISO 8601 to the second ("2009-07-20T22:55:29Z"). */
export function zdTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function commentHtml(body: string): string {
  const paragraphs = body
    .split(/\n{2,}/)
    .map((p) => `<p dir="auto">${htmlEscape(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
  return `<div class="zd-comment" dir="auto">${paragraphs}</div>`;
}

const REGION_BY_LOCALE: Record<string, CountryCode> = { 'en-us': 'US', 'en-gb': 'GB', ja: 'JP', 'ja-jp': 'JP' };

/** Zendesk's locale ids for the locales the seed uses (en-US is 1). */
const LOCALE_IDS: Record<string, number> = { 'en-us': 1, 'en-gb': 1176, ja: 67 };

export class ZendeskStore {
  readonly users = new Map<number, UserRecord>();
  readonly organizations = new Map<number, OrganizationRecord>();
  readonly tickets = new Map<number, TicketRecord>();
  readonly comments = new Map<number, CommentRecord[]>();
  readonly jobs = new Map<string, JobRecord>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  private readonly emailIndex = new Map<string, number>();
  private readonly externalIdIndex = new Map<string, number>();
  private readonly orgByName = new Map<string, number>();
  private nextUserId = 9_000_000_000_001;
  private nextOrgId = 8_000_000_001;
  private nextTicketId = 1;
  private nextCommentId = 30_000_000_000_001;
  private nextAuditId = 40_000_000_000_001;

  // --- users ------------------------------------------------------------------------------------------------------

  userByEmail(email: string): UserRecord | undefined {
    const id = this.emailIndex.get(lower(email));
    return id === undefined ? undefined : this.users.get(id);
  }

  /** "The API treats the id as case insensitive." */
  userByExternalId(externalId: string): UserRecord | undefined {
    const id = this.externalIdIndex.get(lower(externalId));
    return id === undefined ? undefined : this.users.get(id);
  }

  insertUser(fields: Omit<UserRecord, 'id'> & { id?: number }): UserRecord {
    const id = fields.id ?? this.nextUserId++;
    const user: UserRecord = { ...fields, id };
    this.users.set(id, user);
    this.reindexUser(user);
    return user;
  }

  reindexUser(user: UserRecord): void {
    for (const [key, id] of this.emailIndex) {
      if (id === user.id) {
        this.emailIndex.delete(key);
      }
    }
    for (const [key, id] of this.externalIdIndex) {
      if (id === user.id) {
        this.externalIdIndex.delete(key);
      }
    }
    for (const email of [user.email, ...user.secondaryEmails]) {
      if (email) {
        this.emailIndex.set(lower(email), user.id);
      }
    }
    if (user.externalId) {
      this.externalIdIndex.set(lower(user.externalId), user.id);
    }
  }

  organizationFor(name: string, at: number): OrganizationRecord {
    const existing = this.orgByName.get(lower(name));
    if (existing !== undefined) {
      return this.organizations.get(existing) as OrganizationRecord;
    }
    const org: OrganizationRecord = {
      id: this.nextOrgId++,
      name,
      externalId: null,
      tags: [],
      createdAt: at,
      updatedAt: at,
    };
    this.organizations.set(org.id, org);
    this.orgByName.set(lower(name), org.id);
    return org;
  }

  /** E.164 of a stored phone, using the user's locale as the default region for local formats. */
  phoneE164(user: UserRecord): string | null {
    if (!user.phone) {
      return null;
    }
    const parsed = parsePhoneNumberFromString(user.phone, REGION_BY_LOCALE[lower(user.locale)] ?? 'US');
    return parsed?.isValid() ? parsed.number : null;
  }

  userView(user: UserRecord): UserView {
    return {
      id: user.id,
      name: user.name,
      emails: [user.email, ...user.secondaryEmails].filter((e): e is string => !!e),
      phone: user.phone,
      phoneE164: this.phoneE164(user),
      externalId: user.externalId,
      role: user.role,
      tags: user.tags,
      notes: user.notes,
      details: user.details,
      organizationId: user.organizationId,
      organizationName:
        user.organizationId === null ? null : (this.organizations.get(user.organizationId)?.name ?? null),
      userFields: user.userFields,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
  }

  userJson(user: UserRecord, endpoint: string): Record<string, unknown> {
    return {
      id: user.id,
      url: `${endpoint}/users/${user.id}.json`,
      name: user.name,
      email: user.email,
      created_at: zdTime(user.createdAt),
      updated_at: zdTime(user.updatedAt),
      time_zone: user.timeZone,
      iana_time_zone: user.ianaTimeZone,
      phone: user.phone,
      shared_phone_number: user.phone ? false : null,
      photo: null,
      locale_id: LOCALE_IDS[lower(user.locale)] ?? 1,
      locale: user.locale,
      organization_id: user.organizationId,
      role: user.role,
      verified: user.verified,
      external_id: user.externalId,
      tags: [...user.tags],
      alias: null,
      active: true,
      shared: false,
      shared_agent: false,
      last_login_at: null,
      two_factor_auth_enabled: null,
      signature: null,
      details: user.details,
      notes: user.notes,
      role_type: user.role === 'admin' ? 4 : null,
      custom_role_id: null,
      moderator: user.role !== 'end-user',
      ticket_restriction: user.role === 'end-user' ? 'requested' : null,
      only_private_comments: false,
      restricted_agent: user.role === 'agent',
      suspended: user.suspended,
      default_group_id: null,
      report_csv: false,
      user_fields: { ...user.userFields },
    };
  }

  // --- tickets ----------------------------------------------------------------------------------------------------

  insertTicket(fields: Omit<TicketRecord, 'id'>): TicketRecord {
    const ticket: TicketRecord = { ...fields, id: this.nextTicketId++ };
    this.tickets.set(ticket.id, ticket);
    this.comments.set(ticket.id, []);
    return ticket;
  }

  newAuditId(): number {
    return this.nextAuditId++;
  }

  addComment(fields: Omit<CommentRecord, 'id' | 'htmlBody'> & { htmlBody?: string }): CommentRecord {
    const comment: CommentRecord = {
      ...fields,
      id: this.nextCommentId++,
      htmlBody: fields.htmlBody ?? commentHtml(fields.body),
    };
    this.comments.get(fields.ticketId)?.push(comment);
    return comment;
  }

  ticketView(ticket: TicketRecord): TicketView {
    const view = (id: number | null): UserView | undefined => {
      const user = id === null ? undefined : this.users.get(id);
      return user ? this.userView(user) : undefined;
    };
    return {
      id: ticket.id,
      status: ticket.status,
      priority: ticket.priority,
      type: ticket.type,
      subject: ticket.subject,
      description: ticket.description,
      commentBodies: (this.comments.get(ticket.id) ?? []).map((c) => c.body),
      tags: ticket.tags,
      externalId: ticket.externalId,
      requester: view(ticket.requesterId),
      assignee: view(ticket.assigneeId),
      submitter: view(ticket.submitterId),
      organizationId: ticket.organizationId,
      createdAt: ticket.createdAt,
      updatedAt: ticket.updatedAt,
    };
  }

  ticketJson(ticket: TicketRecord, endpoint: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const comments = this.comments.get(ticket.id) ?? [];
    return {
      url: `${endpoint}/tickets/${ticket.id}.json`,
      id: ticket.id,
      external_id: ticket.externalId,
      via: { channel: ticket.viaChannel, source: { from: {}, to: {}, rel: null } },
      created_at: zdTime(ticket.createdAt),
      updated_at: zdTime(ticket.updatedAt),
      generated_timestamp: Math.floor(ticket.updatedAt / 1000),
      type: ticket.type,
      subject: ticket.subject,
      raw_subject: ticket.subject,
      description: ticket.description,
      priority: ticket.priority,
      status: ticket.status,
      recipient: null,
      requester_id: ticket.requesterId,
      submitter_id: ticket.submitterId,
      assignee_id: ticket.assigneeId,
      organization_id: ticket.organizationId,
      group_id: null,
      collaborator_ids: [],
      follower_ids: [],
      email_cc_ids: [],
      forum_topic_id: null,
      problem_id: null,
      has_incidents: false,
      is_public: comments.some((c) => c.public),
      due_at: null,
      tags: [...ticket.tags],
      custom_fields: ticket.customFields.map((f) => ({ ...f })),
      satisfaction_rating: null,
      sharing_agreement_ids: [],
      fields: ticket.customFields.map((f) => ({ ...f })),
      followup_ids: [],
      ticket_form_id: null,
      brand_id: null,
      allow_channelback: false,
      allow_attachments: true,
      from_messaging_channel: false,
      ...extra,
    };
  }

  commentJson(comment: CommentRecord): Record<string, unknown> {
    return {
      id: comment.id,
      type: 'Comment',
      author_id: comment.authorId,
      body: comment.body,
      html_body: comment.htmlBody,
      plain_body: comment.body,
      public: comment.public,
      attachments: [],
      audit_id: comment.auditId,
      via: { channel: comment.viaChannel, source: { from: {}, to: {}, rel: null } },
      created_at: zdTime(comment.createdAt),
      metadata: { system: {}, custom: {} },
    };
  }

  organizationView(org: OrganizationRecord): OrganizationView {
    return { ...org };
  }

  organizationJson(org: OrganizationRecord, endpoint: string): Record<string, unknown> {
    return {
      url: `${endpoint}/organizations/${org.id}.json`,
      id: org.id,
      name: org.name,
      shared_tickets: false,
      shared_comments: false,
      external_id: org.externalId,
      created_at: zdTime(org.createdAt),
      updated_at: zdTime(org.updatedAt),
      domain_names: [],
      details: '',
      notes: '',
      group_id: null,
      tags: [...org.tags],
      organization_fields: {},
    };
  }

  // --- jobs -------------------------------------------------------------------------------------------------------

  newJob(jobType: string, total: number): JobRecord {
    const job: JobRecord = {
      id: randomBytes(16).toString('hex'),
      jobType,
      status: 'queued',
      total,
      progress: null,
      message: null,
      results: null,
      createdAt: Date.now(),
    };
    this.jobs.set(job.id, job);
    return job;
  }

  jobJson(job: JobRecord, endpoint: string): Record<string, unknown> {
    return {
      id: job.id,
      url: `${endpoint}/job_statuses/${job.id}.json`,
      total: job.total,
      progress: job.progress,
      status: job.status,
      message: job.message,
      results: job.results,
      job_type: job.jobType,
    };
  }
}
