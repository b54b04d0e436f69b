import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/auth/access.decorator';
import type { RawBodyRequest } from '../common/http/body-parsing';
import type { AppliedChanges } from '../crm-sync/crm-change-applier';
import { CrmWebhooksService } from './crm-webhooks.service';

/** Where CRMs call us (the URL to register in the CRM's webhook settings); the connector verifies the signature. */
@ApiExcludeController()
@Controller('v1/webhooks/crm')
export class CrmWebhooksController {
  constructor(private readonly webhooks: CrmWebhooksService) {}

  @Post(':connectorId')
  @Public()
  @HttpCode(200)
  async receive(
    @Param('connectorId') connectorId: string,
    @Req() req: Request & RawBodyRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppliedChanges | string> {
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
    );
    const { result, ack } = await this.webhooks.receive(connectorId, {
      method: req.method,
      url: `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`,
      headers,
      rawBody: req.rawBody ?? Buffer.alloc(0),
    });
    if (ack) {
      // Only a verified, committed delivery gets the vendor's acknowledgement; errors stay problem+json.
      res.type(ack.contentType);
      return ack.body;
    }
    return result;
  }
}
