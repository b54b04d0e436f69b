/**
 * Test helper: points the official @zohocrm/typescript-sdk-8.0 at a sandbox. The SDK is a process-wide
 * singleton, so each spec file initialises it once (Jest gives every file its own module registry).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import * as Z from '@zohocrm/typescript-sdk-8.0';
import type { RunningSandbox } from '../common/sandbox.types';

/** Duck-typed in-memory TokenStore (the default FileStore writes sdk_tokens.txt into the project root). */
class MemoryTokenStore {
  private tokens: unknown[] = [];
  async findToken(): Promise<null> {
    return null;
  }
  async saveToken(token: unknown): Promise<void> {
    this.tokens = [token];
  }
  async deleteToken(): Promise<void> {
    this.tokens = [];
  }
  async getTokens(): Promise<unknown[]> {
    return this.tokens;
  }
  async deleteTokens(): Promise<void> {
    this.tokens = [];
  }
  async findTokenById(): Promise<null> {
    return null;
  }
}

export interface SdkHandle {
  resourceDir: string;
  cleanup(): void;
}

/**
 * Initialises the SDK with the refresh-token flow against `sandbox`; field metadata is cached under a fresh temp
 * directory that `cleanup()` removes.
 */
export async function initSdk(sandbox: RunningSandbox, opts: { findUser?: boolean } = {}): Promise<SdkHandle> {
  const resourceDir = mkdtempSync(join(tmpdir(), 'zoho-sdk-'));
  const base = sandbox.baseUrl;
  const token = new Z.OAuthBuilder()
    .clientId(sandbox.credentials.clientId)
    .clientSecret(sandbox.credentials.clientSecret)
    .refreshToken(sandbox.credentials.refreshToken)
    .findUser(opts.findUser ?? false)
    .build();
  await new Z.InitializeBuilder()
    .environment(new Z.Environment(base, `${base}/oauth/v2/token`, base))
    .token(token)
    .store(new MemoryTokenStore() as unknown as Z.TokenStore.TokenStore)
    .SDKConfig(new Z.SDKConfigBuilder().pickListValidation(false).autoRefreshFields(false).build())
    // Trailing separator required: RelatedRecordsOperations builds `resourcePath + "resources/"` by concatenation.
    .resourcePath(`${resourceDir}${sep}`)
    .logger(new Z.LogBuilder().level(Z.Levels.OFF).filePath(null).build())
    .initialize();
  return {
    resourceDir,
    cleanup: () => rmSync(resourceDir, { recursive: true, force: true }),
  };
}

export { Z };
