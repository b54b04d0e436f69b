import { Body, Controller, Headers, HttpCode, Logger, Param, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { ChatSourcesService } from '../chat-sources/chat-sources.service';
import { Public } from '../common/auth/access.decorator';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import type { RawBodyRequest } from '../common/http/body-parsing';
import { Clock } from '../common/time/clock';
import { EnrichmentService } from '../enrichment/enrichment.service';
import { EventsService } from '../events/events.service';
import { ChatwootPayloadError, mapChatwootWebhook } from './chatwoot-mapper';
import { CHATWOOT_SIGNATURE_HEADER, CHATWOOT_TIMESTAMP_HEADER, verifyChatwootSignature } from './chatwoot-signature';

/**
 * Chatwoot's account webhooks. Chatwoot sends one attempt, no retries, sometimes twice: acknowledge fast, dedupe on
 * content-derived event ids. The source id in the URL names the tenant; its signature mode decides whether an
 * unsigned or wrongly signed delivery is refused (enforce), logged (warn) or accepted (off).
 */
@ApiExcludeController()
@Controller('v1/webhooks/chatwoot')
export class ChatwootWebhookController {
  private readonly logger = new Logger(ChatwootWebhookController.name);

  constructor(
    private readonly sources: ChatSourcesService,
    private readonly events: EventsService,
    private readonly enrichment: EnrichmentService,
    private readonly clock: Clock,
  ) {}

  @Post(':sourceId')
  @Public()
  @HttpCode(200)
  async receive(
    @Param('sourceId') sourceId: string,
    @Req() req: Request & RawBodyRequest,
    @Headers(CHATWOOT_SIGNATURE_HEADER) signature: string | undefined,
    @Headers(CHATWOOT_TIMESTAMP_HEADER) timestamp: string | undefined,
    @Body() body: unknown,
  ): Promise<{ accepted: number; duplicate: number; ignored?: string }> {
    const found = await this.sources.forWebhook(sourceId);
    if (!found) {
      throw new NotFoundError('Chat source');
    }
    const { source, secret } = found;
    if (source.signatureMode !== 'off') {
      const verdict = secret
        ? verifyChatwootSignature({
            rawBody: req.rawBody ?? Buffer.alloc(0),
            signatureHeader: signature,
            timestampHeader: timestamp,
            secret,
            now: this.clock.now(),
          })
        : { ok: false as const, reason: 'missing' as const };
      if (!verdict.ok) {
        if (source.signatureMode === 'enforce') {
          throw new DomainError('bad_signature', 'unauthenticated', `Chatwoot signature ${verdict.reason}`);
        }
        this.logger.warn(`chat source ${source.id}: accepted a delivery with signature ${verdict.reason} (mode warn)`);
      }
    }
    let mapped;
    try {
      mapped = mapChatwootWebhook(body, {
        sourceId: source.id,
        ...(source.accountId ? { accountId: source.accountId } : {}),
      });
    } catch (error) {
      if (error instanceof ChatwootPayloadError) {
        throw new ValidationFailedError([{ field: 'body', message: error.message }]);
      }
      throw error;
    }
    if (mapped.prewarm) {
      this.enrichment.prewarmVisitor(source.workspaceId, { ...mapped.prewarm.visitor });
    }
    if (mapped.events.length === 0) {
      return { accepted: 0, duplicate: 0, ...(mapped.ignored ? { ignored: mapped.ignored } : {}) };
    }
    const result = await this.events.ingest(source.workspaceId, mapped.events, `chatwoot:${source.id}`);
    return result;
  }
}
