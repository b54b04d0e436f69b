import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { RequestActor, WorkspaceId } from '../common/auth/request-actor.decorator';
import { CreateWebhookEndpointDto, CreatedWebhookEndpointView, WebhookEndpointView } from './outbound-webhooks.dto';
import { OutboundWebhooksService } from './outbound-webhooks.service';

@ApiTags('webhook-endpoints')
@Controller('v1/webhook-endpoints')
@Access('admin')
export class OutboundWebhooksController {
  constructor(private readonly webhooks: OutboundWebhooksService) {}

  @Post()
  @ApiCreatedResponse({
    type: CreatedWebhookEndpointView,
    description: 'The signing secret is in `secret`, shown this once only (stored encrypted)',
  })
  @ApiBadRequestResponse({ description: 'Bad URL (must be https on a public host) or unknown event type' })
  create(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointView> {
    return this.webhooks.create(actor, workspaceId, body);
  }

  @Get()
  @ApiOkResponse({ type: WebhookEndpointView, isArray: true, description: 'Secrets are never listed' })
  list(@WorkspaceId() workspaceId: string): Promise<WebhookEndpointView[]> {
    return this.webhooks.list(workspaceId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; pending deliveries to it are dropped' })
  @ApiNotFoundResponse({ description: 'Unknown, or another workspace’s endpoint' })
  async remove(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Param('id') id: string,
  ): Promise<void> {
    await this.webhooks.remove(actor, workspaceId, id);
  }
}
