import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { loadSettings, type Settings } from '../../src/config/settings.js';
import type { Database } from '../../src/db/database.js';
import { createOpenPsc, type OpenPsc } from '../../src/http/app.js';
import { createLogger } from '../../src/log/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** Settings for tests: fixed secrets, nothing from the developer's environment but what is given. */
export function testSettings(port: number, overrides: Record<string, unknown> = {}): Settings {
  return loadSettings({}, {
    PORT: port,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    KEYS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    COOKIE_KEYS: 'test-cookie-key-0123456789abcdef',
    LOG_LEVEL: 'silent',
    AUTHENTICATORS: '',
    ...overrides,
  });
}

export interface TestIdp {
  url: string;
  issuer: string;
  settings: Settings;
  openpsc: OpenPsc;
  database: Database;
  testDatabase: TestDatabase;
  server: http.Server;
  /** Stops this node (server + plug-ins) but keeps the database (restart tests). */
  stop(): Promise<void>;
  /** Stops the node and drops the database. */
  close(): Promise<void>;
}

/**
 * Starts OpenPSC on 127.0.0.1 (ephemeral port) over a fresh database — or over `database` to
 * start a second node / restart on the same state.
 */
export async function startTestIdp(options: { overrides?: Record<string, unknown>; testDatabase?: TestDatabase; database?: Database; port?: number } = {}): Promise<TestIdp> {
  const testDatabase = options.testDatabase ?? await createTestDatabase();
  const database = options.database ?? testDatabase.database;
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const settings = testSettings(port, options.overrides);
  const openpsc = await createOpenPsc({ settings, database, logger: createLogger('silent') });
  server.on('request', openpsc.app.callback());
  const stop = async () => {
    await openpsc.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    issuer: settings.issuer,
    settings,
    openpsc,
    database,
    testDatabase,
    server,
    stop,
    async close() {
      await stop();
      if (!options.testDatabase) await testDatabase.drop();
    },
  };
}

export const randomState = () => randomBytes(16).toString('hex');
