import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { RequestActor, WorkspaceId } from '../common/auth/request-actor.decorator';
import {
  ConnectorKindView,
  ConnectorTestView,
  ConnectorView,
  CreateConnectorDto,
  UpdateConnectorDto,
} from './connectors.dto';
import { ConnectorsService } from './connectors.service';

@ApiTags('connectors')
@Controller('v1')
@Access('admin')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorsService) {}

  @Get('connector-kinds')
  @ApiOkResponse({
    type: ConnectorKindView,
    isArray: true,
    description: 'Settings schema, auth modes and capabilities per CRM',
  })
  kinds(): ConnectorKindView[] {
    return this.connectors.kinds();
  }

  @Post('connectors')
  @ApiCreatedResponse({ type: ConnectorView, description: 'Credentials are stored encrypted and never returned' })
  create(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Body() body: CreateConnectorDto,
  ): Promise<ConnectorView> {
    return this.connectors.create(actor, workspaceId, body);
  }

  @Get('connectors')
  @ApiOkResponse({ type: ConnectorView, isArray: true })
  list(@WorkspaceId() workspaceId: string): Promise<ConnectorView[]> {
    return this.connectors.list(workspaceId);
  }

  @Get('connectors/:id')
  @ApiOkResponse({ type: ConnectorView })
  @ApiNotFoundResponse({ description: 'Unknown, or another workspace’s connector' })
  get(@WorkspaceId() workspaceId: string, @Param('id') id: string): Promise<ConnectorView> {
    return this.connectors.get(workspaceId, id);
  }

  @Patch('connectors/:id')
  @ApiOkResponse({ type: ConnectorView })
  @ApiNotFoundResponse({ description: 'Unknown, or another workspace’s connector' })
  update(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Param('id') id: string,
    @Body() body: UpdateConnectorDto,
  ): Promise<ConnectorView> {
    return this.connectors.update(actor, workspaceId, id, body);
  }

  @Delete('connectors/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'Unknown, or another workspace’s connector' })
  async remove(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Param('id') id: string,
  ): Promise<void> {
    await this.connectors.remove(actor, workspaceId, id);
  }

  @Post('connectors/:id/test')
  @HttpCode(200)
  @ApiOkResponse({ type: ConnectorTestView, description: 'A live call to the CRM with a verdict and its latency' })
  test(@WorkspaceId() workspaceId: string, @Param('id') id: string): Promise<ConnectorTestView> {
    return this.connectors.test(workspaceId, id);
  }
}
