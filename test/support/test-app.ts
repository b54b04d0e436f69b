import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/bootstrap';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { Database } from '../../src/database/database';
import { TEST_DATABASE_URL, type StoreName } from './test-database';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  db: Database;
  http: TestAgent;
  rootToken: string;
  /** Creates a workspace through the API and returns its id and admin key. */
  newWorkspace(name?: string): Promise<{ id: string; adminKey: string }>;
  close(): Promise<void>;
}

export const TEST_ROOT_TOKEN = `root_${'t'.repeat(32)}`;

/** A fully configured app (all roles unless told otherwise) on a fresh store, not listening on a port. */
export async function createTestApp(
  store: StoreName = 'sqlite',
  options: { role?: AppConfig['role']; env?: Record<string, string> } = {},
): Promise<TestApp> {
  let schema: string | undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ROOT_TOKEN: TEST_ROOT_TOKEN,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    WORKER_POLL_INTERVAL_MS: '50',
    // A cron firing mid-test would pull from (and count requests against) every sandbox a test connected, or
    // unpark jobs a test parked; tests that exercise these schedules tick them by hand.
    CRM_PULL_CRON: 'off',
    RETRY_SWEEP_CRON: 'off',
    ...options.env,
  };
  if (store === 'postgres') {
    if (!TEST_DATABASE_URL) {
      throw new Error('TEST_DATABASE_URL is not set');
    }
    schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    env.DATABASE_URL = TEST_DATABASE_URL;
    env.DATABASE_SCHEMA = schema;
  } else {
    env.DATABASE_URL ??= 'sqlite::memory:';
  }
  const config = loadConfig(env);
  const app = await createApp(config, options.role ?? 'all');
  const http = request(app.getHttpServer());
  return {
    app,
    config,
    db: app.get(Database),
    http,
    rootToken: TEST_ROOT_TOKEN,
    async newWorkspace(name = 'Test workspace') {
      const response = await http.post('/v1/workspaces').auth(TEST_ROOT_TOKEN, { type: 'bearer' }).send({ name });
      if (response.status !== 201) {
        throw new Error(`workspace creation failed: ${response.status} ${JSON.stringify(response.body)}`);
      }
      const body = response.body as { id: string; apiKey: string };
      return { id: body.id, adminKey: body.apiKey };
    },
    async close() {
      await app.close();
      if (schema) {
        const client = new Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    },
  };
}
