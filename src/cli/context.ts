import { fillDevSecrets } from '../config/secrets.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { openDatabase, type Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createLogger, type Logger } from '../log/logger.js';

/** What most commands need: settings, a logger and the database (migrated if so configured). */
export interface CliContext {
  settings: Settings;
  logger: Logger;
  database: Database;
  close(): Promise<void>;
}

export async function openCliContext({ migrateFirst = true } = {}): Promise<CliContext> {
  const settings = loadSettings();
  fillDevSecrets(settings);
  const logger = createLogger(settings.logLevel, process.stderr);
  for (const warning of settings.warnings) logger.warn({ event: 'config.warning' }, warning);
  const database = await openDatabase({
    databaseUrl: settings.databaseUrl,
    dataDir: settings.dataDir + '/pglite',
    poolMax: settings.databasePoolMax,
  });
  if (migrateFirst && settings.migrateOnStart) await migrate(database);
  return { settings, logger, database, close: () => database.close() };
}
