import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { RequestActor, WorkspaceId } from '../common/auth/request-actor.decorator';
import { ApiKeyView, CreateApiKeyDto, CreatedApiKeyView } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('api-keys')
@Controller('v1/api-keys')
@Access('admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyView, description: 'The key is in `apiKey`, shown this once only' })
  create(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyView> {
    return this.apiKeys.create(actor, workspaceId, body);
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyView, isArray: true })
  list(@WorkspaceId() workspaceId: string): Promise<ApiKeyView[]> {
    return this.apiKeys.list(workspaceId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked (idempotent)' })
  @ApiNotFoundResponse({ description: 'No such key in this workspace' })
  async revoke(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Param('id') id: string,
  ): Promise<void> {
    await this.apiKeys.revoke(actor, workspaceId, id);
  }
}
