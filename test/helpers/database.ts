import { describe } from '@jest/globals';
import { randomBytes } from 'node:crypto';

import pg from 'pg';

import { openDatabase, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

/** The admin URL of the real PostgreSQL server for tests, or '' when none is reachable. */
export const testPostgresUrl = (): string => process.env.OPENPSC_TEST_PG ?? '';
export const hasPostgres = (): boolean => testPostgresUrl() !== '';

/** `describe` that runs only with a real PostgreSQL server, and says why it skips otherwise. */
export function describeWithPostgres(name: string, fn: () => void): void {
  if (hasPostgres()) {
    describe(name, fn);
  } else {
    describe.skip(`${name} [skipped: needs a real PostgreSQL server, none reachable]`, fn);
  }
}

export interface TestDatabase {
  database: Database;
  /** Connection URL of this database (real server only). */
  url?: string;
  /** Opens another handle on the same database (a second node, a restart). */
  reopen(): Promise<Database>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a new database on the real server when one is
 * reachable (dropped afterwards), else an in-memory PGlite.
 */
export async function createTestDatabase(options: { requirePostgres?: boolean } = {}): Promise<TestDatabase> {
  const admin = testPostgresUrl();
  if (!admin) {
    if (options.requirePostgres) throw new Error('this test needs a real PostgreSQL server');
    const database = await openDatabase({ dataDir: 'memory://' });
    await migrate(database);
    return {
      database,
      reopen: async () => { throw new Error('reopen needs a real PostgreSQL server'); },
      drop: () => database.close(),
    };
  }
  const name = `openpsc_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${name}`);
  await adminClient.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  const handles: Database[] = [];
  const open = async () => {
    const d = await openDatabase({ databaseUrl: url, poolMax: 5, applicationName: 'openpsc-test' });
    handles.push(d);
    return d;
  };
  const database = await open();
  await migrate(database);
  return {
    database,
    url,
    reopen: open,
    async drop() {
      await Promise.all(handles.map((h) => h.close().catch(() => {})));
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
