import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { Access } from '../common/auth/access.decorator';
import { WorkspaceId } from '../common/auth/request-actor.decorator';
import { eventsRequestSchema } from './chat-event.schema';
import { EventsService, type IngestResult } from './events.service';
import type { ChatSession } from '../chat/chat-session.entity';
import { ValidationFailedError } from '../common/errors/domain-error';

class IngestResultView {
  @ApiProperty({ description: 'Events taken in (committed with every job they cause)' }) accepted!: number;
  @ApiProperty({ description: 'Events already seen (same id): nothing changed' }) duplicate!: number;
}

class SessionView {
  @ApiProperty() id!: string;
  @ApiProperty() externalId!: string;
  @ApiProperty({ enum: ['open', 'escalated', 'closed'] }) status!: string;
  @ApiProperty() channel!: string;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ nullable: true, type: String }) closedAt!: string | null;
  @ApiProperty({ type: String, isArray: true }) tags!: string[];
  @ApiProperty({ nullable: true, type: Object }) csat!: {
    rating: number;
    scale: number;
    comment: string | null;
  } | null;
  @ApiProperty({ nullable: true, type: String }) priority!: string | null;
  @ApiProperty({ nullable: true, type: Object, description: 'The escalation: when, why, and the CRM case reference' })
  escalation!: { escalatedAt: string; reason: string | null; case: Record<string, unknown> | null } | null;
  @ApiProperty({ nullable: true, type: Number }) messageCount!: number | null;
}

@ApiTags('events')
@Controller('v1')
@Access('chat')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post('events')
  @HttpCode(202)
  @ApiBody({
    schema: z.toJSONSchema(eventsRequestSchema, { unrepresentable: 'any' }) as Record<string, unknown>,
    description: 'One event, or {events: [...]} (at most 100)',
  })
  @ApiAcceptedResponse({ type: IngestResultView })
  @ApiBadRequestResponse({ description: 'Each bad field named (events.N.field); nothing was written' })
  ingest(@WorkspaceId() workspaceId: string, @Body() body: unknown): Promise<IngestResult> {
    return this.events.ingestBody(workspaceId, body);
  }

  @Get('cases')
  @Access('chat', 'admin')
  @ApiOkResponse({
    type: SessionView,
    isArray: true,
    description: 'Unresolved escalated cases across CRMs: priority, then age',
  })
  @ApiBadRequestResponse({ description: 'status other than open' })
  async cases(@WorkspaceId() workspaceId: string, @Query('status') status = 'open'): Promise<SessionView[]> {
    if (status !== 'open') {
      throw new ValidationFailedError([{ field: 'status', message: 'only status=open is supported' }]);
    }
    const sessions = await this.events.openCases(workspaceId);
    return sessions.map((session) => this.view(session, null));
  }

  @Get('sessions/:id')
  @Access('chat', 'admin')
  @ApiOkResponse({ type: SessionView })
  @ApiNotFoundResponse({ description: 'Unknown session, or another workspace’s' })
  async session(@WorkspaceId() workspaceId: string, @Param('id') id: string): Promise<SessionView> {
    const { session, messageCount } = await this.events.session(workspaceId, id);
    return this.view(session, messageCount);
  }

  private view(session: ChatSession, messageCount: number | null): SessionView {
    return {
      id: session.id,
      externalId: session.externalId,
      status: session.status,
      channel: session.channel,
      startedAt: session.startedAt.toISOString(),
      closedAt: session.closedAt ? session.closedAt.toISOString() : null,
      tags: session.tags,
      csat:
        session.csatRating === null
          ? null
          : { rating: session.csatRating, scale: session.csatScale ?? 5, comment: session.csatComment },
      priority: session.priority,
      escalation: session.escalatedAt
        ? { escalatedAt: session.escalatedAt.toISOString(), reason: session.escalationReason, case: session.caseRef }
        : null,
      messageCount,
    };
  }
}
