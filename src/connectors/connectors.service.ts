import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import { DomainError, ValidationFailedError, type FieldProblem } from '../common/errors/domain-error';
import { newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database, row } from '../database/database';
import { JobStore } from '../jobs/job-store';
import { ConnectorAuthService } from './connector-auth.service';
import { ConnectorContextFactory } from './connector-context.factory';
import type { ConnectorDescriptor } from './connector-descriptor';
import { ConnectorEntity, type ConnectorRow } from './connector.entity';
import { ConnectorError } from './connector.errors';
import { ConnectorRegistry } from './connector.registry';
import type {
  ConnectorKindView,
  ConnectorTestView,
  ConnectorView,
  CreateConnectorDto,
  UpdateConnectorDto,
} from './connectors.dto';
import { checkCrmUrl } from './egress/egress-guard';

/** Jobs for one connector share this group: a 429 pauses them together, a re-authorisation unparks them. */
export function connectorJobGroup(connectorId: string): string {
  return `connector:${connectorId}`;
}

function view(connector: ConnectorRow): ConnectorView {
  return {
    id: connector.id,
    kind: connector.kind,
    name: connector.name,
    settings: connector.settings,
    roles: connector.roles,
    status: connector.status,
    statusReason: connector.statusReason,
    credentialsHint: connector.credentialsHint,
    rateBudget: connector.rateBudget,
    pull: {
      lastPullAt: connector.lastPullAt?.toISOString() ?? null,
      hasCursor: connector.pullCursor !== null,
      lastError: connector.lastPullError,
    },
    createdAt: connector.createdAt.toISOString(),
    updatedAt: connector.updatedAt.toISOString(),
  };
}

@Injectable()
export class ConnectorsService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly registry: ConnectorRegistry,
    private readonly auth: ConnectorAuthService,
    private readonly contexts: ConnectorContextFactory,
    private readonly audit: AuditService,
    private readonly jobs: JobStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  kinds(): ConnectorKindView[] {
    return this.registry.descriptors().map((descriptor) => ({
      kind: descriptor.kind,
      displayName: descriptor.displayName,
      authModes: [...descriptor.authModes],
      settingsSchema: z.toJSONSchema(descriptor.settingsSchema, { unrepresentable: 'any' }),
      credentialsSchema: z.toJSONSchema(descriptor.credentialsSchema, { unrepresentable: 'any' }),
      capabilities: { ...descriptor.capabilities },
      batchLimits: { ...descriptor.batchLimits },
    }));
  }

  async list(workspaceId: string): Promise<ConnectorView[]> {
    const rows = await this.db.run((manager) =>
      this.db.repo(ConnectorEntity, manager).find({ where: { workspaceId }, order: { createdAt: 'ASC' } }),
    );
    return rows.map(view);
  }

  async get(workspaceId: string, id: string): Promise<ConnectorView> {
    return view(await this.contexts.load(workspaceId, id));
  }

  create(actor: Actor, workspaceId: string, input: CreateConnectorDto): Promise<ConnectorView> {
    const descriptor = this.registry.get(input.kind).descriptor;
    const valid = this.validate(descriptor, { settings: input.settings, credentials: input.credentials });
    const settings = valid.settings ?? {};
    const credentials = valid.credentials ?? {};
    return this.db.transaction(async (manager) => {
      const repo = this.db.repo(ConnectorEntity, manager);
      await this.assertRolesFree(workspaceId, input.roles, null, repo);
      if (await repo.existsBy({ workspaceId, name: input.name })) {
        throw new DomainError('connector_name_taken', 'conflict', 'A connector with this name already exists');
      }
      const now = this.clock.now();
      const id = newId();
      const connector: ConnectorRow = {
        id,
        workspaceId,
        kind: input.kind,
        name: input.name,
        settings,
        credentialsEncrypted: this.auth.seal(workspaceId, id, credentials),
        credentialsHint: descriptor.credentialHint(credentials),
        credentialsVersion: 1,
        roles: input.roles,
        status: 'active',
        statusReason: null,
        rateBudget: input.rateBudget ?? null,
        pullCursor: null,
        lastPullAt: null,
        lastPullError: null,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insert(row(connector));
      await this.audit.record(manager, actor, {
        workspaceId,
        action: 'connector.created',
        targetType: 'connector',
        targetId: id,
        details: { kind: input.kind, name: input.name, settings, roles: input.roles, credentials: 'set' },
      });
      return view(connector);
    });
  }

  async update(actor: Actor, workspaceId: string, id: string, patch: UpdateConnectorDto): Promise<ConnectorView> {
    const existing = await this.contexts.load(workspaceId, id);
    const descriptor = this.registry.get(existing.kind).descriptor;
    const { settings, credentials } = this.validate(descriptor, {
      ...(patch.settings ? { settings: patch.settings } : {}),
      ...(patch.credentials ? { credentials: patch.credentials } : {}),
    });
    const updated = await this.db.transaction(async (manager) => {
      const repo = this.db.repo(ConnectorEntity, manager);
      const current = await repo.findOneBy({ id, workspaceId });
      if (!current) {
        throw new DomainError('connector_not_found', 'not_found', 'Connector not found');
      }
      if (patch.roles) {
        await this.assertRolesFree(workspaceId, patch.roles, id, repo);
      }
      if (patch.name && patch.name !== current.name && (await repo.existsBy({ workspaceId, name: patch.name }))) {
        throw new DomainError('connector_name_taken', 'conflict', 'A connector with this name already exists');
      }
      const next: ConnectorRow = {
        ...current,
        ...(patch.name ? { name: patch.name } : {}),
        ...(settings ? { settings } : {}),
        ...(patch.roles ? { roles: patch.roles } : {}),
        ...(patch.status ? { status: patch.status, statusReason: null } : {}),
        ...(patch.rateBudget !== undefined ? { rateBudget: patch.rateBudget } : {}),
        updatedAt: this.clock.now(),
      };
      if (credentials) {
        next.credentialsEncrypted = this.auth.seal(workspaceId, id, credentials);
        next.credentialsHint = descriptor.credentialHint(credentials);
        next.credentialsVersion = current.credentialsVersion + 1;
        // New credentials are the fix for needs_reauth (unless the admin disables it in the same call).
        if (!patch.status && current.status === 'needs_reauth') {
          next.status = 'active';
          next.statusReason = null;
        }
      }
      // The pull state belongs to the pull: writing back the copy read above could rewind a cursor saved meanwhile.
      const { pullCursor: _cursor, lastPullAt: _at, lastPullError: _error, ...columns } = next;
      await repo.update({ id, workspaceId }, row<ConnectorRow>(columns));
      await this.audit.record(manager, actor, {
        workspaceId,
        action: 'connector.updated',
        targetType: 'connector',
        targetId: id,
        details: {
          ...(patch.name ? { name: patch.name } : {}),
          ...(settings ? { settings } : {}),
          ...(patch.roles ? { roles: patch.roles } : {}),
          ...(patch.status ? { status: patch.status } : {}),
          ...(patch.rateBudget !== undefined ? { rateBudget: patch.rateBudget } : {}),
          ...(credentials ? { credentials: 'replaced' } : {}),
        },
      });
      return next;
    });
    if (updated.status === 'active' && (credentials || patch.status === 'active')) {
      await this.jobs.unparkGroup(connectorJobGroup(id));
    }
    return view(updated);
  }

  async remove(actor: Actor, workspaceId: string, id: string): Promise<void> {
    const existing = await this.contexts.load(workspaceId, id);
    await this.db.transaction(async (manager) => {
      await this.db.repo(ConnectorEntity, manager).delete({ id: existing.id, workspaceId });
      await this.audit.record(manager, actor, {
        workspaceId,
        action: 'connector.deleted',
        targetType: 'connector',
        targetId: id,
        details: { kind: existing.kind, name: existing.name },
      });
    });
  }

  /** A live call with a clear verdict; never throws for CRM-side problems. */
  async test(workspaceId: string, id: string): Promise<ConnectorTestView> {
    const stored = await this.contexts.load(workspaceId, id);
    const started = process.hrtime.bigint();
    const latency = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    try {
      const { connector, ctx } = await this.contexts.open(stored, { timeoutMs: 10_000 });
      const { account } = await connector.verify(ctx);
      return { verdict: 'ok', latencyMs: latency(), account, detail: 'credentials accepted' };
    } catch (error) {
      const code = error instanceof ConnectorError ? error.code : 'unknown';
      const verdict: ConnectorTestView['verdict'] =
        code === 'auth_expired'
          ? 'bad_credentials'
          : code === 'forbidden'
            ? 'forbidden'
            : code === 'unavailable' || code === 'timeout'
              ? 'unreachable'
              : code === 'rate_limited' || code === 'quota_exhausted'
                ? 'rate_limited'
                : 'error';
      const detail = error instanceof Error ? error.message : 'unknown error';
      return { verdict, latencyMs: latency(), account: null, detail };
    }
  }

  /** Validates settings and credentials together, so one 400 names every bad field of both. */
  private validate(
    descriptor: ConnectorDescriptor,
    input: { settings?: Record<string, unknown>; credentials?: Record<string, unknown> },
  ): { settings?: Record<string, unknown>; credentials?: Record<string, unknown> } {
    const problems: FieldProblem[] = [];
    let settings: Record<string, unknown> | undefined;
    let credentials: Record<string, unknown> | undefined;
    if (input.settings) {
      const parsed = descriptor.settingsSchema.safeParse(input.settings);
      if (parsed.success) {
        settings = parsed.data;
        for (const field of descriptor.urlSettings) {
          const value = settings[field];
          const verdict =
            typeof value === 'string'
              ? checkCrmUrl(value, { allowPrivate: this.config.crm.allowPrivateHosts })
              : undefined;
          if (verdict && !verdict.ok) {
            problems.push({ field: `settings.${field}`, message: verdict.reason });
          }
        }
      } else {
        problems.push(
          ...parsed.error.issues.map((issue) => ({
            field: ['settings', ...issue.path.map(String)].join('.'),
            message: issue.message,
          })),
        );
      }
    }
    if (input.credentials) {
      const parsed = descriptor.credentialsSchema.safeParse(input.credentials);
      if (parsed.success) {
        credentials = parsed.data;
      } else {
        // Field names only: a credential value must never come back in an error.
        problems.push(
          ...parsed.error.issues.map((issue) => ({
            field: ['credentials', ...issue.path.map(String)].join('.'),
            message: issue.code === 'invalid_type' ? 'missing or of the wrong type' : 'is not valid',
          })),
        );
      }
    }
    const unique = problems.filter(
      (problem, index) => problems.findIndex((other) => other.field === problem.field) === index,
    );
    if (unique.length > 0) {
      throw new ValidationFailedError(unique);
    }
    return { ...(settings ? { settings } : {}), ...(credentials ? { credentials } : {}) };
  }

  private async assertRolesFree(
    workspaceId: string,
    roles: readonly string[],
    exceptId: string | null,
    repo: ReturnType<Database['repo']>,
  ): Promise<void> {
    if (!roles.includes('escalation')) {
      return;
    }
    const others = (await repo.find({ where: { workspaceId } })) as ConnectorRow[];
    if (others.some((other) => other.id !== exceptId && other.roles.includes('escalation'))) {
      throw new DomainError('escalation_role_taken', 'conflict', 'Another connector already has the escalation role');
    }
  }
}
