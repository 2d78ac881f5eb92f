import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { projectRoot } from '../config/settings.js';
import type { Database } from './database.js';

/**
 * Versioned SQL migrations from migrations/*.sql, applied in file-name order, each in its own
 * transaction, under an advisory lock so that several nodes starting together apply them once.
 * Plain SQL so that ops can read exactly what runs against their database.
 */

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied migrations whose file has changed since: a deployment error. */
  changed: string[];
}

const LOCK_KEY = 7_346_201_991; // arbitrary, constant: "openpsc migrations"
const TRACKING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export const migrationsDir = path.join(projectRoot, 'migrations');

export function listMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

async function appliedChecksums(database: Database): Promise<Map<string, string>> {
  await database.exec(TRACKING);
  const rows = await database.db
    .selectFrom('schema_migrations')
    .select(['name', 'checksum'])
    .execute();
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

export async function migrationStatus(database: Database, dir = migrationsDir): Promise<MigrationStatus> {
  const applied = await appliedChecksums(database);
  const files = listMigrations(dir);
  return {
    applied: [...applied.keys()].sort(),
    pending: files.filter((m) => !applied.has(m.name)).map((m) => m.name),
    changed: files.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum).map((m) => m.name),
  };
}

/** Applies pending migrations; returns their names. Refuses to run over a changed migration. */
export async function migrate(database: Database, dir = migrationsDir): Promise<string[]> {
  const files = listMigrations(dir);
  if (database.kind === 'pglite') {
    // One connection, one process: no lock needed.
    return applyPending(database, files, async (m) => {
      await database.pglite!.transaction(async (tx) => {
        await tx.exec(m.sql);
        await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
      });
    });
  }
  const client = await database.pool!.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      return await applyPending(database, files, async (m) => {
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
        }
      });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function applyPending(database: Database, files: Migration[], apply: (m: Migration) => Promise<void>): Promise<string[]> {
  const applied = await appliedChecksums(database);
  const changed = files.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum);
  if (changed.length) {
    throw new Error(`migrations changed after being applied: ${changed.map((m) => m.name).join(', ')}`);
  }
  const done: string[] = [];
  for (const m of files) {
    if (applied.has(m.name)) continue;
    await apply(m);
    done.push(m.name);
  }
  return done;
}
