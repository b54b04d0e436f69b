import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export class VisitorIdentifiersDto {
  @ApiPropertyOptional({ example: 'cust-10023', description: 'Your own id for the customer (strongest identifier)' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  externalId?: string;

  @ApiPropertyOptional({ example: 'Emma.Johnson@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({
    example: '090-1234-5678',
    description: 'Any format; read with the workspace’s default region',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;

  @ApiPropertyOptional({ example: 'Emma Johnson' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({ description: 'Widget cookie id; not an identifier on its own' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  cookieId?: string;
}

export class EnrichRequestDto {
  @ApiPropertyOptional({ description: 'The chat system’s session id: links the session to the visitor' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  sessionId?: string;

  @ApiProperty({ type: VisitorIdentifiersDto, description: 'At least one of externalId, email, phone' })
  @IsObject()
  @ValidateNested()
  @Type(() => VisitorIdentifiersDto)
  visitor!: VisitorIdentifiersDto;

  @ApiPropertyOptional({ example: 'Where is my order 245-12784?', description: 'Scanned for an order number' })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  message?: string;
}

/** Documentation shape of the context (the service returns VisitorContext). */
export class VisitorContextView {
  @ApiProperty({ type: Object, nullable: true, description: 'Unified contact; every field with its source' })
  contact!: Record<string, unknown> | null;
  @ApiProperty({
    type: Object,
    isArray: true,
    description: 'Matched record per CRM: id, deep link, matchedBy, confidence, ambiguous candidates',
  })
  records!: unknown[];
  @ApiProperty({ type: Object, isArray: true, description: 'Newest first, with items; the referenced order first' })
  orders!: unknown[];
  @ApiProperty({ type: Object, nullable: true, description: 'The order the message mentions, if it is one of theirs' })
  referencedOrder!: Record<string, unknown> | null;
  @ApiProperty({ type: Object, isArray: true, description: 'Newest first; private notes marked' })
  notes!: unknown[];
  @ApiProperty({ type: Object, isArray: true, description: 'Priority, then age' })
  openCases!: unknown[];
  @ApiProperty({ type: Object, isArray: true, description: 'Earlier chat sessions from our own store' })
  history!: unknown[];
  @ApiProperty({
    type: Object,
    isArray: true,
    description: 'Per connector: ok | timeout | error | rate_limited | unsupported | stale, latencyMs, fetchedAt',
  })
  sources!: unknown[];
  @ApiProperty() generatedAt!: string;
  @ApiProperty({ type: Object, description: '{hit, stale, ageMs}' })
  cache!: Record<string, unknown>;
}
