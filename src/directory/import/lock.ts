import type pg from 'pg';

import type { Database } from '../../db/database.js';
import { ImportError } from './errors.js';

const IMPORT_LOCK_KEY = 7_346_201_100; // arbitrary, constant: "openpsc directory import"
const inProcess = new WeakSet<Database>();

/**
 * One import at a time per database: a session advisory lock on a real server (several nodes may
 * run the daily job), an in-process flag on PGlite (one process owns it). Returns the release.
 */
export async function acquireImportLock(database: Database): Promise<() => Promise<void>> {
  if (!database.pool) {
    if (inProcess.has(database)) throw new ImportError('IMPORT_ALREADY_RUNNING', 'another directory import is running');
    inProcess.add(database);
    return async () => { inProcess.delete(database); };
  }
  const client: pg.PoolClient = await database.pool.connect();
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [IMPORT_LOCK_KEY]);
  if (!rows[0]?.ok) {
    client.release();
    throw new ImportError('IMPORT_ALREADY_RUNNING', 'another directory import is running (advisory lock held)');
  }
  return async () => {
    try {
      await client.query('SELECT pg_advisory_unlock($1)', [IMPORT_LOCK_KEY]);
    } finally {
      client.release();
    }
  };
}
