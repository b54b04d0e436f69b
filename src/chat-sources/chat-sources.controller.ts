import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { Access } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { RequestActor, WorkspaceId } from '../common/auth/request-actor.decorator';
import { ValidationFailedError } from '../common/errors/domain-error';
import type { SignatureMode } from './chat-source.entity';
import { ChatSourcesService, type ChatSourceView } from './chat-sources.service';

class CreateChatSourceDto {
  @ApiProperty({ example: 'Chatwoot production' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: ['off', 'warn', 'enforce'], description: 'X-Chatwoot-Signature check (5-minute window)' })
  @IsIn(['off', 'warn', 'enforce'])
  signatureMode!: SignatureMode;

  @ApiPropertyOptional({
    description: 'The Chatwoot webhook secret (write-only); required unless signatureMode is off',
  })
  @IsOptional()
  @IsString()
  @Length(8, 500)
  secret?: string;

  @ApiPropertyOptional({ example: '12', description: 'The Chatwoot account id' })
  @IsOptional()
  @Matches(/^\d{1,20}$/)
  accountId?: string;
}

class ChatSourceViewDto {
  @ApiProperty() id!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['off', 'warn', 'enforce'] }) signatureMode!: string;
  @ApiProperty({ nullable: true, type: String }) accountId!: string | null;
  @ApiProperty() hasSecret!: boolean;
  @ApiProperty({ example: '/v1/webhooks/chatwoot/6f0c…' }) webhookPath!: string;
  @ApiProperty() createdAt!: string;
}

@ApiTags('chat-sources')
@Controller('v1/chat-sources')
@Access('admin')
export class ChatSourcesController {
  constructor(private readonly sources: ChatSourcesService) {}

  @Post()
  @ApiCreatedResponse({ type: ChatSourceViewDto })
  create(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Body() body: CreateChatSourceDto,
  ): Promise<ChatSourceView> {
    if (body.signatureMode !== 'off' && !body.secret) {
      throw new ValidationFailedError([{ field: 'secret', message: 'required unless signatureMode is off' }]);
    }
    return this.sources.create(actor, workspaceId, body);
  }

  @Get()
  @ApiOkResponse({ type: ChatSourceViewDto, isArray: true })
  list(@WorkspaceId() workspaceId: string): Promise<ChatSourceView[]> {
    return this.sources.list(workspaceId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async remove(
    @RequestActor() actor: Actor,
    @WorkspaceId() workspaceId: string,
    @Param('id') id: string,
  ): Promise<void> {
    await this.sources.remove(actor, workspaceId, id);
  }
}
