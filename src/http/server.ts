import http from 'node:http';

import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { purgeExpired } from '../oidc/adapter.js';
import { createOpenPsc, type OpenPsc } from './app.js';

export interface RunningServer {
  server: http.Server;
  openpsc: OpenPsc;
  close(): Promise<void>;
}

const PURGE_EVERY_MS = 10 * 60 * 1000;

/** Starts the IdP: HTTP server, plug-ins, and the periodic purge of expired provider rows. */
export async function startServer({ settings, database, logger }: { settings: Settings; database: Database; logger: Logger }): Promise<RunningServer> {
  const openpsc = await createOpenPsc({ settings, database, logger });
  const server = http.createServer(openpsc.app.callback());
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const purge = setInterval(() => {
    purgeExpired(database.db).catch((err: unknown) => logger.warn({ err }, 'purge of expired provider rows failed'));
  }, PURGE_EVERY_MS);
  purge.unref();
  return {
    server,
    openpsc,
    async close() {
      clearInterval(purge);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await openpsc.stop();
    },
  };
}
