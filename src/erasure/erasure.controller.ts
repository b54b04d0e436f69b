import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Access } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { RequestActor, WorkspaceId } from '../common/auth/request-actor.decorator';
import { VisitorIdentifiersDto } from '../enrichment/enrichment.dto';
import { ErasureService, type ErasureReport } from './erasure.service';

class ErasureReportView {
  @ApiProperty() visitors!: number;
  @ApiProperty() sessions!: number;
  @ApiProperty() messages!: number;
  @ApiProperty() cachedContexts!: number;
  @ApiProperty({
    type: Object,
    isArray: true,
    description: 'CRM records that were linked to the person (to notify, Art. 19)',
  })
  links!: Array<{ connectorId: string; recordId: string }>;
}

@ApiTags('erasure')
@Controller('v1/erasures')
@Access('admin')
export class ErasureController {
  constructor(private readonly erasure: ErasureService) {}

  /** POST (not DELETE) because the identifiers must not travel in a URL (logs, proxies). */
  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: ErasureReportView })
  erase(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Body() body: VisitorIdentifiersDto,
  ): Promise<ErasureReport> {
    return this.erasure.erase(actor, workspaceId, { ...body });
  }
}
