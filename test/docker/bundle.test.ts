import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { loadSettings } from '../../src/config/settings.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log/logger.js';
import { runCli } from '../helpers/cli.js';
import { composeServiceEnv } from '../helpers/compose.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';

// The compose bundle without Docker: the `migrate` job and the `idp` server run with exactly the
// environment compose gives them (docker/compose.yaml), on a real PostgreSQL. Only what Docker
// itself provides is replaced: the database host (`postgres` → the test server) and the port.

const secrets = { KEYS_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'), COOKIE_KEYS: 'bundle-test-cookie-key-0123456789' };

describeWithPostgres('compose bundle, in process', () => {
  let t: TestDatabase;
  let running: RunningServer | undefined;
  const saved = { ...process.env };

  beforeAll(async () => {
    t = await createTestDatabase({ requirePostgres: true });
  });
  afterAll(async () => {
    process.env = saved;
    await running?.shutdown.shutdown('test');
    await t.drop();
  });

  test('the migrate job: `migrate` with the migrate service environment finds the database up to date', async () => {
    process.env = { ...saved, ...composeServiceEnv('migrate', secrets, { DATABASE_URL: t.url!, LOG_LEVEL: 'silent' }) };
    expect(await runCli(['migrate'])).toBe('database is up to date');
  });

  test('the idp service environment starts the server in production mode, serving the PSC discovery', async () => {
    const env = composeServiceEnv('idp', secrets, { DATABASE_URL: t.url!, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' });
    const settings = loadSettings(env);
    expect(settings.production).toBe(true);
    expect(settings.migrateOnStart).toBe(false);
    running = await startServer({ settings, database: await t.reopen(), logger: createLogger('silent'), exit: () => {} });
    const port = (running.server.address() as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}${settings.issuerPath}/.well-known/wallet-openid-configuration`);
    expect(res.status).toBe(200);
    const discovery = await res.json() as { issuer: string };
    // PUBLIC_URL of compose's default: what the relying parties see.
    expect(discovery.issuer).toBe('http://localhost:8080/auth/realms/esante-wallet');
  });
});
