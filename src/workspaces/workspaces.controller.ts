import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { RequestActor } from '../common/auth/request-actor.decorator';
import { NotFoundError } from '../common/errors/domain-error';
import { CreatedWorkspaceView, CreateWorkspaceDto, UpdateWorkspaceDto, WorkspaceView } from './workspaces.dto';
import { workspaceView, WorkspacesService } from './workspaces.service';

/** A workspace key sees its own workspace only; any other id is "not found", never "forbidden". */
function assertOwnWorkspace(actor: Actor, id: string): void {
  if (actor.principal.kind === 'api_key' && actor.principal.workspaceId !== id) {
    throw new NotFoundError('Workspace');
  }
}

@ApiTags('workspaces')
@Controller('v1/workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Post()
  @Access('root')
  @ApiCreatedResponse({ type: CreatedWorkspaceView, description: 'With an admin API key, shown once' })
  create(@RequestActor() actor: Actor, @Body() body: CreateWorkspaceDto): Promise<CreatedWorkspaceView> {
    return this.workspaces.create(actor, body);
  }

  @Get()
  @Access('root')
  @ApiOkResponse({ type: WorkspaceView, isArray: true })
  list(): Promise<WorkspaceView[]> {
    return this.workspaces.list();
  }

  @Get(':id')
  @Access('root', 'admin')
  @ApiOkResponse({ type: WorkspaceView })
  @ApiNotFoundResponse({ description: 'Unknown, or not the calling key’s workspace' })
  async get(@RequestActor() actor: Actor, @Param('id') id: string): Promise<WorkspaceView> {
    assertOwnWorkspace(actor, id);
    return workspaceView(await this.workspaces.get(id));
  }

  @Patch(':id')
  @Access('root', 'admin')
  @ApiOkResponse({ type: WorkspaceView })
  @ApiNotFoundResponse({ description: 'Unknown, or not the calling key’s workspace' })
  update(
    @RequestActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: UpdateWorkspaceDto,
  ): Promise<WorkspaceView> {
    assertOwnWorkspace(actor, id);
    return this.workspaces.update(actor, id, body);
  }
}
