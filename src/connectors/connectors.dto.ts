import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { CONNECTOR_KINDS, type ConnectorKind } from './connector-kinds';

export const CONNECTOR_ROLES = ['enrich', 'transcripts', 'escalation', 'create_if_missing'] as const;
export type ConnectorRole = (typeof CONNECTOR_ROLES)[number];

export class RateBudgetDto {
  @ApiProperty({ example: 60, description: 'Operations per interval (an operation is 1–4 CRM requests)' })
  @IsInt()
  @Min(1)
  @Max(100_000)
  operations!: number;

  @ApiProperty({ example: 10_000 })
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  intervalMs!: number;

  @ApiProperty({ example: 8 })
  @IsInt()
  @Min(1)
  @Max(200)
  maxConcurrent!: number;
}

export class CreateConnectorDto {
  @ApiProperty({ enum: CONNECTOR_KINDS })
  @IsIn(CONNECTOR_KINDS)
  kind!: ConnectorKind;

  @ApiProperty({ example: 'Salesforce production', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ type: Object, description: 'Validated against the kind’s settingsSchema (GET /v1/connector-kinds)' })
  @IsObject()
  settings!: Record<string, unknown>;

  @ApiProperty({ type: Object, description: 'Write-only: stored encrypted, never returned' })
  @IsObject()
  credentials!: Record<string, unknown>;

  @ApiProperty({
    enum: CONNECTOR_ROLES,
    isArray: true,
    description:
      'enrich: queried by /v1/enrich; transcripts: receives closed chats; escalation: receives cases (one per ' +
      'workspace); create_if_missing: creates unknown visitors',
  })
  @IsArray()
  @ArrayUnique()
  @IsIn(CONNECTOR_ROLES, { each: true })
  roles!: ConnectorRole[];

  @ApiPropertyOptional({
    type: RateBudgetDto,
    nullable: true,
    description: 'Pace for this connector; default: the kind’s budget',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateBudgetDto)
  rateBudget?: RateBudgetDto | null;
}

export class UpdateConnectorDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ type: Object, description: 'Replaces all settings' })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: Object,
    description: 'Replaces the credentials (and re-activates a connector that needed re-authorisation)',
  })
  @IsOptional()
  @IsObject()
  credentials?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: CONNECTOR_ROLES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(CONNECTOR_ROLES, { each: true })
  roles?: ConnectorRole[];

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';

  @ApiPropertyOptional({
    type: RateBudgetDto,
    nullable: true,
    description: 'Pace for this connector; default: the kind’s budget',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateBudgetDto)
  rateBudget?: RateBudgetDto | null;
}

export class ConnectorPullView {
  @ApiProperty({ nullable: true, type: String, description: 'When a pulled page of changes last committed' })
  lastPullAt!: string | null;
  @ApiProperty({ description: 'False until the first pull has fixed where changes are read from' })
  hasCursor!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Why the last pull failed; cleared by the next good page' })
  lastError!: string | null;
}

export class ConnectorView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: CONNECTOR_KINDS }) kind!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: Object }) settings!: Record<string, unknown>;
  @ApiProperty({ enum: CONNECTOR_ROLES, isArray: true }) roles!: string[];
  @ApiProperty({ enum: ['active', 'needs_reauth', 'disabled'] }) status!: string;
  @ApiProperty({ nullable: true, type: String }) statusReason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Masked, e.g. "…a1b2"' }) credentialsHint!: string | null;
  @ApiProperty({ nullable: true, type: RateBudgetDto }) rateBudget!: RateBudgetDto | null;
  @ApiProperty({ type: ConnectorPullView, description: 'Incremental pull state (CRM_PULL_CRON)' })
  pull!: ConnectorPullView;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ConnectorKindView {
  @ApiProperty({ enum: CONNECTOR_KINDS }) kind!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ isArray: true, type: String }) authModes!: string[];
  @ApiProperty({ type: Object, description: 'JSON Schema of settings' }) settingsSchema!: Record<string, unknown>;
  @ApiProperty({ type: Object, description: 'JSON Schema of credentials' }) credentialsSchema!: Record<string, unknown>;
  @ApiProperty({ type: Object }) capabilities!: Record<string, boolean>;
  @ApiProperty({ type: Object }) batchLimits!: Record<string, number>;
}

export class ConnectorTestView {
  @ApiProperty({ enum: ['ok', 'bad_credentials', 'forbidden', 'unreachable', 'rate_limited', 'error'] })
  verdict!: 'ok' | 'bad_credentials' | 'forbidden' | 'unreachable' | 'rate_limited' | 'error';
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ nullable: true, type: String }) account!: string | null;
  @ApiProperty() detail!: string;
}
