import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min, Validate } from 'class-validator';
import { IsPhoneRegion, IsTimeZone } from '../common/http/validators';

export const MIN_RETENTION_DAYS = 31;

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Acme Support', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'JP', description: 'Region for phone numbers typed without a country code' })
  @IsOptional()
  @Validate(IsPhoneRegion)
  defaultRegion?: string;

  @ApiPropertyOptional({ example: 'Asia/Tokyo', description: 'IANA time zone used in transcripts' })
  @IsOptional()
  @Validate(IsTimeZone)
  timeZone?: string;

  @ApiPropertyOptional({ minimum: MIN_RETENTION_DAYS, maximum: 3650, default: 90 })
  @IsOptional()
  @IsInt()
  @Min(MIN_RETENTION_DAYS)
  @Max(3650)
  retentionDays?: number;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'US' })
  @IsOptional()
  @Validate(IsPhoneRegion)
  defaultRegion?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin' })
  @IsOptional()
  @Validate(IsTimeZone)
  timeZone?: string;

  @ApiPropertyOptional({ minimum: MIN_RETENTION_DAYS, maximum: 3650 })
  @IsOptional()
  @IsInt()
  @Min(MIN_RETENTION_DAYS)
  @Max(3650)
  retentionDays?: number;
}

export class WorkspaceView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'US' }) defaultRegion!: string;
  @ApiProperty({ example: 'UTC' }) timeZone!: string;
  @ApiProperty({ example: 90 }) retentionDays!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CreatedWorkspaceView extends WorkspaceView {
  @ApiProperty({ description: 'An admin-scoped API key for this workspace, shown once' })
  apiKey!: string;
}
