import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { ApiKeyScope } from '../../api-keys/api-key.entity';

export type AccessRule = 'public' | 'root' | ApiKeyScope;
export const ACCESS_METADATA = 'access-rules';

/**
 * Who may call a route: 'root' (operator token), 'admin' / 'chat' (a workspace key with that scope).
 * Several rules mean any of them. Routes without @Access are refused, so forgetting it fails closed.
 */
export function Access(...rules: Exclude<AccessRule, 'public'>[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_METADATA, rules),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or invalid bearer token (problem+json)' }),
    ApiForbiddenResponse({ description: `Requires: ${rules.join(' or ')} (problem+json)` }),
  );
}

export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(ACCESS_METADATA, ['public']);
}
