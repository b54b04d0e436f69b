import type { SeedPerson } from '../common/sandbox.types';
import type { TicketRecord, UserRecord, ZendeskStore } from './store';

const DAY = 86_400_000;

/** Zendesk spells locales its own way ("en-gb", "ja"), with time zones by their Rails names. */
const LOCALE: Record<SeedPerson['locale'], { locale: string; timeZone: string; iana: string }> = {
  'en-US': { locale: 'en-US', timeZone: 'Pacific Time (US & Canada)', iana: 'America/Los_Angeles' },
  'en-GB': { locale: 'en-gb', timeZone: 'London', iana: 'Europe/London' },
  'ja-JP': { locale: 'ja', timeZone: 'Tokyo', iana: 'Asia/Tokyo' },
};

export function zendeskLocale(locale: string): { locale: string; timeZone: string; iana: string } {
  return LOCALE[locale as SeedPerson['locale']] ?? { locale, timeZone: 'UTC', iana: 'Etc/UTC' };
}

export function createAgent(store: ZendeskStore, email: string): UserRecord {
  const at = Date.parse('2024-01-15T09:00:00Z');
  return store.insertUser({
    name: 'Sandbox Agent',
    email,
    secondaryEmails: [],
    phone: null,
    externalId: null,
    locale: 'en-US',
    timeZone: 'UTC',
    ianaTimeZone: 'Etc/UTC',
    organizationId: null,
    userFields: {},
    tags: [],
    role: 'admin',
    notes: '',
    details: '',
    verified: true,
    suspended: false,
    createdAt: at,
    updatedAt: at,
  });
}

/**
 * Seed people become end users; their cases become tickets they requested, each opened by a public comment carrying
 * the description; their notes become comments on their most recent ticket (public unless the note is private), or
 * the user's own `notes` field when they have no ticket. Zendesk has no orders object, so orders are not stored.
 * Zendesk refuses two users with one email, so `duplicateIn` never names Zendesk (see seed-data.ts).
 */
export function seedStore(store: ZendeskStore, people: SeedPerson[], agent: UserRecord): void {
  for (const person of people) {
    const updatedAt = Date.parse(person.updatedAt);
    const loc = zendeskLocale(person.locale);
    const org = person.company ? store.organizationFor(person.company, updatedAt - 400 * DAY) : undefined;
    const user = store.insertUser({
      name: person.fullName,
      email: person.email,
      secondaryEmails: [],
      phone: person.phone,
      externalId: person.externalId,
      locale: loc.locale,
      timeZone: loc.timeZone,
      ianaTimeZone: loc.iana,
      organizationId: org?.id ?? null,
      userFields: { customer_tier: person.tier ?? null },
      tags: person.tier && person.tier !== 'standard' ? [person.tier] : [],
      role: 'end-user',
      notes: '',
      details: '',
      verified: true,
      suspended: false,
      createdAt: updatedAt - 180 * DAY,
      updatedAt,
    });

    let latest: TicketRecord | undefined;
    const cases = [...person.cases].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    for (const c of cases) {
      const createdAt = Date.parse(c.createdAt);
      const touched = c.status === 'new' ? createdAt : createdAt + 2 * DAY;
      const ticket = store.insertTicket({
        subject: c.subject,
        description: c.description,
        status: c.status,
        priority: c.priority,
        type: 'question',
        requesterId: user.id,
        submitterId: user.id,
        assigneeId: c.status === 'new' ? null : agent.id,
        organizationId: user.organizationId,
        externalId: null,
        tags: ['seed'],
        customFields: [],
        viaChannel: 'web',
        defaultCommentPublic: true,
        createdAt,
        updatedAt: touched,
      });
      store.addComment({
        ticketId: ticket.id,
        auditId: store.newAuditId(),
        authorId: user.id,
        body: c.description,
        public: true,
        viaChannel: 'web',
        createdAt,
      });
      latest = ticket;
    }

    const notes = [...person.notes].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    if (latest) {
      for (const note of notes) {
        const at = Math.max(Date.parse(note.createdAt), latest.createdAt + 1000);
        store.addComment({
          ticketId: latest.id,
          auditId: store.newAuditId(),
          authorId: agent.id,
          body: note.body,
          public: !note.private,
          viaChannel: 'web',
          createdAt: at,
        });
        latest.updatedAt = Math.max(latest.updatedAt, at);
      }
    } else if (notes.length > 0) {
      user.notes = notes.map((n) => `${n.createdAt.slice(0, 10)} ${n.author}: ${n.body}`).join('\n');
    }
  }
}
