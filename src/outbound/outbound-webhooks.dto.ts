import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Length } from 'class-validator';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-event-types';

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://chat.example.com/hooks/crm',
    maxLength: 2000,
    description: 'https on a public host; no credentials, query or fragment',
  })
  @IsString()
  @Length(1, 2000)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['case.solved', 'case.agent_replied'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  eventTypes!: WebhookEventType[];
}

export class WebhookEndpointView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) eventTypes!: string[];
  @ApiProperty({ description: 'False once the receiver answered 410 Gone' }) active!: boolean;
  @ApiProperty() createdAt!: string;
}

export class CreatedWebhookEndpointView extends WebhookEndpointView {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'Standard Webhooks signing secret. Shown once: verify `webhook-signature` with it (HMAC key = base64 after `whsec_`).',
  })
  secret!: string;
}
