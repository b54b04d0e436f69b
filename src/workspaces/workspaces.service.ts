import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import { NotFoundError } from '../common/errors/domain-error';
import { isUuid, newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { Database } from '../database/database';
import { WorkspaceEntity, type Workspace } from './workspace.entity';
import type { CreatedWorkspaceView, CreateWorkspaceDto, UpdateWorkspaceDto, WorkspaceView } from './workspaces.dto';

export const DEFAULT_RETENTION_DAYS = 90;

export function workspaceView(workspace: Workspace): WorkspaceView {
  return {
    id: workspace.id,
    name: workspace.name,
    defaultRegion: workspace.defaultRegion,
    timeZone: workspace.timeZone,
    retentionDays: workspace.retentionDays,
    createdAt: workspace.createdAt.toISOString(),
    updatedAt: workspace.updatedAt.toISOString(),
  };
}

@Injectable()
export class WorkspacesService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  /** The workspace, its first admin key and the audit entries commit together. */
  create(actor: Actor, input: CreateWorkspaceDto): Promise<CreatedWorkspaceView> {
    return this.db.transaction(async (manager) => {
      const now = this.clock.now();
      const workspace: Workspace = {
        id: newId(),
        name: input.name,
        defaultRegion: input.defaultRegion ?? 'US',
        timeZone: input.timeZone ?? 'UTC',
        retentionDays: input.retentionDays ?? DEFAULT_RETENTION_DAYS,
        createdAt: now,
        updatedAt: now,
      };
      await this.db.repo(WorkspaceEntity, manager).insert(workspace);
      await this.audit.record(manager, actor, {
        workspaceId: workspace.id,
        action: 'workspace.created',
        targetType: 'workspace',
        targetId: workspace.id,
        details: { name: workspace.name },
      });
      const key = await this.apiKeys.createWithin(manager, actor, workspace.id, {
        name: 'Initial admin key',
        scopes: ['admin'],
      });
      return { ...workspaceView(workspace), apiKey: key.apiKey };
    });
  }

  async list(): Promise<WorkspaceView[]> {
    const rows = await this.db.run((manager) =>
      this.db.repo(WorkspaceEntity, manager).find({ order: { createdAt: 'ASC' } }),
    );
    return rows.map(workspaceView);
  }

  async get(id: string): Promise<Workspace> {
    const workspace = isUuid(id)
      ? await this.db.run((manager) => this.db.repo(WorkspaceEntity, manager).findOneBy({ id }))
      : null;
    if (!workspace) {
      throw new NotFoundError('Workspace');
    }
    return workspace;
  }

  update(actor: Actor, id: string, patch: UpdateWorkspaceDto): Promise<WorkspaceView> {
    if (!isUuid(id)) {
      throw new NotFoundError('Workspace');
    }
    return this.db.transaction(async (manager) => {
      const repo = this.db.repo(WorkspaceEntity, manager);
      const workspace = await repo.findOneBy({ id });
      if (!workspace) {
        throw new NotFoundError('Workspace');
      }
      const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
      const updated: Workspace = { ...workspace, ...changes, updatedAt: this.clock.now() };
      await repo.update({ id }, { ...changes, updatedAt: updated.updatedAt });
      await this.audit.record(manager, actor, {
        workspaceId: id,
        action: 'workspace.updated',
        targetType: 'workspace',
        targetId: id,
        details: changes,
      });
      return workspaceView(updated);
    });
  }
}
