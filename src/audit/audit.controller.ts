import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Access } from '../common/auth/access.decorator';
import { WorkspaceId } from '../common/auth/request-actor.decorator';
import { AuditService } from './audit.service';

class AuditQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only entries older than this (ISO 8601), for paging' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  before?: Date;
}

class AuditEntryView {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'api_key:k3x9a0b1c2d4' }) actor!: string;
  @ApiProperty({ example: 'connector.updated' }) action!: string;
  @ApiProperty() targetType!: string;
  @ApiProperty({ nullable: true, type: String }) targetId!: string | null;
  @ApiProperty({ type: Object }) details!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
  @ApiProperty() createdAt!: string;
}

@ApiTags('audit')
@Controller('v1/audit-log')
@Access('admin')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditEntryView, isArray: true, description: 'Newest first' })
  async list(@WorkspaceId() workspaceId: string, @Query() query: AuditQueryDto): Promise<AuditEntryView[]> {
    const entries = await this.audit.list(workspaceId, {
      limit: query.limit ?? 100,
      ...(query.before ? { before: query.before } : {}),
    });
    return entries.map((entry) => ({
      id: entry.id,
      actor: entry.actor,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      details: entry.details,
      requestId: entry.requestId,
      createdAt: entry.createdAt.toISOString(),
    }));
  }
}
