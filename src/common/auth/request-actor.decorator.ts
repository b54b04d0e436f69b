import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { UnauthenticatedError } from '../errors/domain-error';
import type { Actor, Principal } from './principal';

export type AuthenticatedRequest = Request & { principal?: Principal; id?: string };

export const RequestActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.principal) {
    throw new UnauthenticatedError();
  }
  return { principal: req.principal, requestId: typeof req.id === 'string' ? req.id : null };
});

/** The calling key's workspace. Only for routes that API keys (not root) call. */
export const WorkspaceId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal?.kind !== 'api_key') {
    throw new UnauthenticatedError('This route needs a workspace API key');
  }
  return principal.workspaceId;
});
