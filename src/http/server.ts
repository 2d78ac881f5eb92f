import http from 'node:http';

import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { purgeExpired } from '../oidc/adapter.js';
import { purgeCibaPolls } from '../oidc/ciba.js';
import { purgeCibaRequests } from '../oidc/ciba-limits.js';
import { createOpenPsc, type OpenPsc } from './app.js';
import { gracefulShutdown, type GracefulShutdown } from './shutdown.js';

export interface RunningServer {
  server: http.Server;
  openpsc: OpenPsc;
  shutdown: GracefulShutdown;
}

const PURGE_EVERY_MS = 10 * 60 * 1000;

/**
 * Starts the IdP: HTTP server, plug-ins, the periodic purge of expired provider rows, and the
 * graceful shutdown (SIGTERM/SIGINT: stop accepting, finish in-flight requests, stop the plug-ins,
 * close the database last).
 */
export async function startServer({ settings, database, logger, exit }: { settings: Settings; database: Database; logger: Logger; exit?: (code: number) => void }): Promise<RunningServer> {
  const server = http.createServer();
  const shutdown = gracefulShutdown(server, {
    timeoutMs: settings.ops.shutdownTimeout * 1000,
    drainDelayMs: settings.ops.shutdownDrainDelay * 1000,
    logger,
    ...(exit ? { exit } : {}),
  });
  const openpsc = await createOpenPsc({ settings, database, logger, stopping: () => shutdown.stopping });
  server.on('request', openpsc.app.callback());
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const purge = setInterval(() => {
    purgeExpired(database.db).catch((err: unknown) => logger.warn({ err }, 'purge of expired provider rows failed'));
    purgeCibaPolls(database).catch((err: unknown) => logger.warn({ err }, 'purge of CIBA poll clocks failed'));
    purgeCibaRequests(database.db, settings.ops.rateLimit.cibaWindowSeconds)
      .catch((err: unknown) => logger.warn({ err }, 'purge of CIBA limit rows failed'));
  }, PURGE_EVERY_MS);
  purge.unref();
  // Closers run in reverse order: plug-ins, then the purge timer, then the database.
  shutdown.onClose(() => database.close());
  shutdown.onClose(() => clearInterval(purge));
  shutdown.onClose(() => openpsc.stop());
  return { server, openpsc, shutdown };
}
