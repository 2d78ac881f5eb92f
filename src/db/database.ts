import { mkdirSync } from 'node:fs';

import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';

import type { Schema } from './schema.js';

/**
 * One handle on the database, whichever engine backs it: a real PostgreSQL server (DATABASE_URL)
 * or embedded PGlite under a data folder (the fresh-machine default).
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Kysely<Schema>;
  /** Runs a script of several statements (migrations, fixtures); no parameters. */
  exec(script: string): Promise<void>;
  /** The pg pool, for what kysely does not do (COPY); undefined on PGlite. */
  readonly pool?: pg.Pool;
  /** The PGlite instance; undefined on a real server. */
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

// PostgreSQL `bigint` (int8) and `numeric` come back as strings by default; counts and epoch
// seconds in this schema fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export interface DatabaseOptions {
  databaseUrl?: string;
  /** Folder of the embedded database; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  poolMax?: number;
  applicationName?: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolMax ?? 10, options.applicationName);
  return openPglite(options.dataDir ?? 'memory://');
}

function openPostgres(connectionString: string, max: number, applicationName = 'openpsc'): Database {
  const pool = new pg.Pool({ connectionString, max, application_name: applicationName });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    pool,
    async exec(script) {
      await pool.query(script);
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const db = new Kysely<Schema>({ dialect: new PGliteDialect({ pglite }) });
  return {
    kind: 'pglite',
    db,
    pglite,
    async exec(script) {
      await pglite.exec(script);
    },
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
