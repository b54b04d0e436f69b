import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from './app-config';
import { envSchema } from './env.schema';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ccb-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', WORKER_CONCURRENCY: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const variable of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'WORKER_CONCURRENCY']) {
      expect(problems).toContain(variable);
    }
  });

  it('requires ENCRYPTION_KEY and ROOT_TOKEN on PostgreSQL, naming both', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/db' })).toThrow(
      /ENCRYPTION_KEY: required with PostgreSQL[\s\S]*ROOT_TOKEN: required with PostgreSQL/,
    );
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://localhost/db', ENCRYPTION_KEY: 'short', ROOT_TOKEN: 'x'.repeat(30) }),
    ).toThrow(/ENCRYPTION_KEY: must be 32 bytes/);
  });

  it('defaults to an SQLite file in the data folder and generates secrets there once, privately', () => {
    const first = loadConfig({ DATA_DIR: dataDir });
    expect(first.database).toMatchObject({ type: 'sqlite', file: resolve(dataDir, 'chat-crm-bridge.sqlite') });
    expect(first.generated.rootToken).toMatch(/^root_/);
    expect(first.generated.encryptionKeyFile).toBe(join(dataDir, 'encryption.key'));
    expect(statSync(join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'root-token')).mode & 0o777).toBe(0o600);

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.generated).toEqual({});
    expect(second.rootToken).toBe(first.rootToken);
    expect(second.encryption.current.key.equals(first.encryption.current.key)).toBe(true);
  });

  it('takes explicit secrets and parses versioned keys', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://localhost/db',
      ENCRYPTION_KEY: `3:${KEY}`,
      ENCRYPTION_PREVIOUS_KEYS: `1:${KEY},2:${KEY}`,
      ROOT_TOKEN: 'r'.repeat(32),
      DATABASE_SCHEMA: 'bridge',
    });
    expect(config.encryption.current.version).toBe(3);
    expect(config.encryption.previous.map((key) => key.version)).toEqual([1, 2]);
    expect(config.database).toMatchObject({ type: 'postgres', schema: 'bridge' });
    expect(config.generated).toEqual({});
  });

  it('documents every variable in .env.example and the README', () => {
    const root = resolve(__dirname, '../..');
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const variable of Object.keys(envSchema.shape)) {
      expect({ variable, inExample: new RegExp(`^#?\\s*${variable}=`, 'm').test(example) }).toEqual({
        variable,
        inExample: true,
      });
      expect({ variable, inReadme: readme.includes(`\`${variable}\``) }).toEqual({ variable, inReadme: true });
    }
  });
});
