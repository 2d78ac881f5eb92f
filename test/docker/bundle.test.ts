import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { isSecretSetting } from '../../src/config/secret-files.js';
import { loadSettings } from '../../src/config/settings.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log/logger.js';
import { runCli } from '../helpers/cli.js';
import { composeServiceEnv, mountComposeSecrets } from '../helpers/compose.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';

// The compose bundle without Docker: the `migrate` job and the `idp` server run with exactly the
// environment compose gives them (docker/compose.yaml), on a real PostgreSQL. Only what Docker
// itself provides is replaced: the secret files it mounts under /run/secrets (written to a
// temporary folder, the database URL naming the test server) and the port.

const secrets = { keys_encryption_key: Buffer.alloc(32, 9).toString('base64'), cookie_keys: 'bundle-test-cookie-key-0123456789' };

describeWithPostgres('compose bundle, in process', () => {
  let t: TestDatabase;
  let running: RunningServer | undefined;
  const saved = { ...process.env };
  const dir = mkdtempSync(path.join(tmpdir(), 'openpsc-bundle-'));

  beforeAll(async () => {
    t = await createTestDatabase({ requirePostgres: true });
  });
  afterAll(async () => {
    process.env = saved;
    await running?.shutdown.shutdown('test');
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the migrate job: `migrate` with the migrate service environment and secrets finds the database up to date', async () => {
    const env = mountComposeSecrets('migrate', composeServiceEnv('migrate', {}, { LOG_LEVEL: 'silent' }), { ...secrets, database_url: t.url! }, dir);
    // A secret exported in the developer's shell would clash with the service's *_FILE settings.
    const shell = Object.fromEntries(Object.entries(saved).filter(([k]) => !isSecretSetting(k.replace(/_FILE$/, ''))));
    process.env = { ...shell, ...env };
    expect(await runCli(['migrate'])).toBe('database is up to date');
  });

  test('the idp service environment and secrets start the server in production mode, serving the PSC discovery', async () => {
    const env = mountComposeSecrets('idp', composeServiceEnv('idp', {}, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' }), { ...secrets, database_url: t.url! }, dir);
    const settings = loadSettings(env);
    expect(settings.production).toBe(true);
    expect(settings.migrateOnStart).toBe(false);
    expect(settings.databaseUrl).toBe(t.url);
    expect(settings.keysEncryptionKey).toBe(secrets.keys_encryption_key);
    running = await startServer({ settings, database: await t.reopen(), logger: createLogger('silent'), exit: () => {} });
    const port = (running.server.address() as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}${settings.issuerPath}/.well-known/wallet-openid-configuration`);
    expect(res.status).toBe(200);
    const discovery = await res.json() as { issuer: string };
    // PUBLIC_URL of compose's default: what the relying parties see.
    expect(discovery.issuer).toBe('http://localhost:8080/auth/realms/esante-wallet');
  });
});
