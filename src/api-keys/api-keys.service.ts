import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor, Principal } from '../common/auth/principal';
import { NotFoundError } from '../common/errors/domain-error';
import { isUuid, newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { AuditService } from '../audit/audit.service';
import { ApiKeyEntity, type ApiKey, type ApiKeyScope } from './api-key.entity';
import { mintApiKey, parseApiKey, secretMatches } from './api-key-token';
import type { ApiKeyView, CreatedApiKeyView } from './api-keys.dto';

function view(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt ? key.revokedAt.toISOString() : null,
  };
}

@Injectable()
export class ApiKeysService {
  /** prefix → verified key row. Bounded by the number of live keys; entries expire after the configured TTL. */
  private readonly cache = new Map<string, { key: ApiKey; expiresAt: number }>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Inside the caller's transaction (workspace creation makes its first key this way). */
  async createWithin(
    manager: EntityManager,
    actor: Actor,
    workspaceId: string,
    input: { name: string; scopes: ApiKeyScope[] },
  ): Promise<CreatedApiKeyView> {
    const minted = mintApiKey();
    const key: ApiKey = {
      id: newId(),
      workspaceId,
      name: input.name,
      prefix: minted.prefix,
      secretHash: minted.secretHash,
      scopes: [...new Set(input.scopes)],
      createdAt: this.clock.now(),
      revokedAt: null,
    };
    await this.db.repo(ApiKeyEntity, manager).insert(key);
    await this.audit.record(manager, actor, {
      workspaceId,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: key.id,
      details: { name: key.name, prefix: key.prefix, scopes: key.scopes },
    });
    return { ...view(key), apiKey: minted.token };
  }

  create(
    actor: Actor,
    workspaceId: string,
    input: { name: string; scopes: ApiKeyScope[] },
  ): Promise<CreatedApiKeyView> {
    return this.db.transaction((manager) => this.createWithin(manager, actor, workspaceId, input));
  }

  async list(workspaceId: string): Promise<ApiKeyView[]> {
    const keys = await this.db.run((manager) =>
      this.db.repo(ApiKeyEntity, manager).find({ where: { workspaceId }, order: { createdAt: 'ASC' } }),
    );
    return keys.map(view);
  }

  async revoke(actor: Actor, workspaceId: string, keyId: string): Promise<void> {
    if (!isUuid(keyId)) {
      throw new NotFoundError('API key');
    }
    const prefix = await this.db.transaction(async (manager) => {
      const repo = this.db.repo(ApiKeyEntity, manager);
      const key = await repo.findOneBy({ id: keyId, workspaceId });
      if (!key) {
        throw new NotFoundError('API key');
      }
      if (!key.revokedAt) {
        await repo.update({ id: key.id, workspaceId }, { revokedAt: this.clock.now() });
        await this.audit.record(manager, actor, {
          workspaceId,
          action: 'api_key.revoked',
          targetType: 'api_key',
          targetId: key.id,
          details: { prefix: key.prefix },
        });
      }
      return key.prefix;
    });
    this.cache.delete(prefix);
  }

  /** The principal for a presented key, or undefined for anything unknown, revoked or malformed. */
  async verify(token: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(token);
    if (!parsed) {
      return undefined;
    }
    const now = Date.now();
    let cached = this.cache.get(parsed.prefix);
    if (!cached || cached.expiresAt <= now) {
      const key = await this.db.run((manager) =>
        this.db.repo(ApiKeyEntity, manager).findOneBy({ prefix: parsed.prefix }),
      );
      if (!key) {
        this.cache.delete(parsed.prefix);
        return undefined;
      }
      cached = { key, expiresAt: now + this.config.auth.apiKeyCacheTtlMs };
      if (this.config.auth.apiKeyCacheTtlMs > 0) {
        this.cache.set(parsed.prefix, cached);
      }
    }
    const { key } = cached;
    if (key.revokedAt || !secretMatches(parsed.secret, key.secretHash)) {
      return undefined;
    }
    return { kind: 'api_key', workspaceId: key.workspaceId, keyId: key.id, prefix: key.prefix, scopes: key.scopes };
  }
}
