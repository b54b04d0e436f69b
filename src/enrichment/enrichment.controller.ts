import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../common/auth/access.decorator';
import { WorkspaceId } from '../common/auth/request-actor.decorator';
import { EnrichRequestDto, VisitorContextView } from './enrichment.dto';
import { EnrichmentService } from './enrichment.service';
import type { VisitorContext } from './enrichment.types';

@ApiTags('enrichment')
@Controller('v1')
@Access('chat')
export class EnrichmentController {
  constructor(private readonly enrichment: EnrichmentService) {}

  @Post('enrich')
  @HttpCode(200)
  @ApiOkResponse({ type: VisitorContextView })
  @ApiBadRequestResponse({ description: 'No identifier, or an identifier that cannot be read (named in errors)' })
  enrich(@WorkspaceId() workspaceId: string, @Body() body: EnrichRequestDto): Promise<VisitorContext> {
    return this.enrichment.enrich(workspaceId, { ...body, visitor: { ...body.visitor } });
  }

  @Get('sessions/:id/context')
  @ApiOkResponse({ type: VisitorContextView })
  @ApiNotFoundResponse({ description: 'Unknown session (or another workspace’s), or no visitor known for it yet' })
  sessionContext(@WorkspaceId() workspaceId: string, @Param('id') id: string): Promise<VisitorContext> {
    return this.enrichment.sessionContext(workspaceId, id);
  }
}
