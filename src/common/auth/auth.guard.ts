import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiKeysService } from '../../api-keys/api-keys.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-error';
import { ACCESS_METADATA, type AccessRule } from './access.decorator';
import type { Principal } from './principal';
import type { AuthenticatedRequest } from './request-actor.decorator';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);
  private readonly rootDigest: Buffer;

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.rootDigest = digest(config.rootToken);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rules = this.reflector.getAllAndOverride<AccessRule[] | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rules || rules.length === 0) {
      this.logger.error(`route without @Access: ${context.getClass().name}.${context.getHandler().name}`);
      throw new ForbiddenError('This route is not open to anyone');
    }
    if (rules.includes('public')) {
      return true;
    }
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(req.headers.authorization);
    req.principal = principal;
    const allowed =
      principal.kind === 'root'
        ? rules.includes('root')
        : rules.some((rule) => rule !== 'root' && rule !== 'public' && principal.scopes.includes(rule));
    if (!allowed) {
      throw new ForbiddenError(`This route requires ${rules.join(' or ')} access`);
    }
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const token = match?.[1];
    if (!token) {
      throw new UnauthenticatedError();
    }
    // Compare digests, not strings: equal length, constant time.
    if (timingSafeEqual(digest(token), this.rootDigest)) {
      return { kind: 'root' };
    }
    const principal = await this.apiKeys.verify(token);
    if (!principal) {
      throw new UnauthenticatedError('The bearer token is not a valid API key');
    }
    return principal;
  }
}
