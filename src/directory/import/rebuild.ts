import { performance } from 'node:perf_hooks';

import { sql } from 'kysely';

import type { Database } from '../../db/database.js';
import { dedicatedClient, openCopySink, type CopySink } from './copy-sink.js';
import { ImportError } from './errors.js';
import { normalizeInto, type NormalizeInput, type NormalizeRun } from './normalize-run.js';
import { ACTIVITY_OUT, EXERCICE_OUT, PROFESSIONAL_OUT, STRUCTURE_OUT } from './normalizer.js';
import { MIRROR_TABLES, NEXT_SUFFIX } from './work-tables.js';

/**
 * First load into an empty mirror. Writing 2 M rows into indexed tables inside one transaction
 * costs 5–10× a raw COPY, so the new mirror is built beside the old (empty) one instead:
 *
 * 1. `<table>__next` tables without indexes, loaded by parallel COPYs straight from the
 *    normalizer (one connection per table, the reader on its own core);
 * 2. their indexes built once from sorted data, in parallel, with their statistics;
 * 3. one short transaction that locks the mirror, checks it is still empty, drops it and renames
 *    the new tables and their indexes into place: readers see no mirror or all of it.
 *
 * Every row carries the instant `at` (created_at, started_at) and every professional the import's
 * id (created_import_id): their "created" history entry, without a change-log line each.
 */

export interface RebuildOptions {
  importId: number;
  at: Date;
  /** Row band and skipped-share checks, once the file has been read; throwing abandons the load. */
  beforeSwap: (run: NormalizeRun) => Promise<void>;
  onStart?: (run: NormalizeRun) => void;
  timings: Record<string, number>;
}

interface IndexDefinition {
  table: string;
  index: string;
  definition: string;
  constraint: string | null;
  constraintDefinition: string | null;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const next = (table: string) => `${table}${NEXT_SUFFIX}`;

/**
 * Columns the COPY leaves out, filled by defaults on the new tables: the import's instant where
 * the mirror says now(), and the import that created every professional — their "created"
 * history entry, with no change-log line per professional (see history.ts).
 */
function importDefaults(options: RebuildOptions): Record<string, Record<string, string>> {
  const at = `'${options.at.toISOString()}'::timestamptz`;
  return {
    directory_professional: { created_at: at, updated_at: at, created_import_id: String(Math.trunc(options.importId)) },
    directory_activity: { started_at: at },
    directory_structure: { updated_at: at },
  };
}

/** The mirror's own defaults of those columns (none: DROP DEFAULT). */
const MIRROR_DEFAULTS: Record<string, string | undefined> = { created_at: 'now()', updated_at: 'now()', started_at: 'now()' };

const OUT_COLUMNS: Record<(typeof MIRROR_TABLES)[number], readonly string[]> = {
  directory_professional: PROFESSIONAL_OUT,
  directory_exercice: EXERCICE_OUT,
  directory_activity: ACTIVITY_OUT,
  directory_structure: STRUCTURE_OUT,
};

export async function rebuildMirror(database: Database, input: NormalizeInput, options: RebuildOptions): Promise<NormalizeRun> {
  const lap = stopwatch(options.timings);
  const indexes = await mirrorIndexes(database);
  const defaults = importDefaults(options);
  for (const table of MIRROR_TABLES) {
    await database.exec(`DROP TABLE IF EXISTS ${next(table)}; CREATE TABLE ${next(table)} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)`);
    for (const [column, value] of Object.entries(defaults[table] ?? {})) await database.exec(`ALTER TABLE ${next(table)} ALTER COLUMN ${column} SET DEFAULT ${value}`);
  }
  const sinks: CopySink[] = [];
  try {
    const open = (table: string, columns: readonly string[]) => openCopySink(database, table, columns).then((s) => { sinks.push(s); return s; });
    const run = await normalizeInto(input, {
      professional: await open(next('directory_professional'), OUT_COLUMNS.directory_professional),
      exercice: await open(next('directory_exercice'), OUT_COLUMNS.directory_exercice),
      activity: await open(next('directory_activity'), OUT_COLUMNS.directory_activity),
      structure: await open(next('directory_structure'), OUT_COLUMNS.directory_structure),
    }, {}, options.onStart);
    lap('load');
    await options.beforeSwap(run);

    // The new tables keep the mirror's own defaults once loaded.
    for (const [table, columns] of Object.entries(defaults)) {
      for (const column of Object.keys(columns)) await database.exec(`ALTER TABLE ${next(table)} ALTER COLUMN ${column} ${MIRROR_DEFAULTS[column] ? `SET DEFAULT ${MIRROR_DEFAULTS[column]}` : 'DROP DEFAULT'}`);
    }
    await buildIndexes(database, indexes);
    lap('indexes');

    const swap = swapStatements(indexes);
    await database.db.transaction().execute(async (trx) => {
      const exec = (text: string) => sql.raw(text).execute(trx);
      await exec(LOCK_MIRROR_SQL);
      await assertStillEmpty(exec);
      for (const statement of swap) await exec(statement);
    });
    lap('swap');
    return run;
  } catch (err) {
    await Promise.all(sinks.map((s) => s.abort()));
    throw err;
  }
}

/**
 * The mirror's indexes and key constraints, read from the catalogue (no copy of the DDL to drift).
 * Constraints named by anything else (a foreign key into the mirror) would follow the old table:
 * there are none (migration 0101 dropped them) and a mirror table referenced that way is refused.
 */
async function mirrorIndexes(database: Database): Promise<IndexDefinition[]> {
  const list = MIRROR_TABLES.map((t) => `'${t}'`).join(', ');
  const referenced = await rowsOf<{ n: number | string }>(database, `
    SELECT count(*) AS n FROM pg_constraint f JOIN pg_class t ON t.oid = f.confrelid
    WHERE f.contype = 'f' AND t.relname IN (${list}) AND t.relnamespace = current_schema()::regnamespace`);
  if (Number(referenced[0]!.n)) throw new ImportError('IMPORT_SCHEMA', 'a foreign key references the directory mirror; the first load cannot swap it');
  return rowsOf<IndexDefinition>(database, `
    SELECT t.relname AS "table", i.relname AS "index", pg_get_indexdef(i.oid) AS "definition",
           con.conname AS "constraint", pg_get_constraintdef(con.oid) AS "constraintDefinition"
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = t.oid
    WHERE t.relname IN (${list}) AND t.relnamespace = current_schema()::regnamespace
    ORDER BY t.relname, i.relname`);
}

/**
 * Every index build and ANALYZE is its own task; on a real server a few connections take them
 * biggest first, so the two cores stay busy until the last one (one connection per table left
 * one core idle behind the activity table's builds). PostgreSQL's own parallel workers are
 * turned off for these sessions: the tasks already fill the cores.
 */
async function buildIndexes(database: Database, indexes: IndexDefinition[]): Promise<void> {
  const builds = MIRROR_TABLES.flatMap((table) => indexes.filter((x) => x.table === table).map((x) => (x.constraint
    ? `ALTER TABLE ${next(table)} ADD CONSTRAINT ${q(next(x.constraint))} ${x.constraintDefinition}`
    : x.definition.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+ /, (_m, unique: string | undefined) => `CREATE ${unique ?? ''}INDEX ${q(next(x.index))} ON ${next(table)} `))));
  // The activity table is the biggest: its builds first.
  const tasks = [...builds.sort((x, y) => Number(y.includes('directory_activity')) - Number(x.includes('directory_activity'))), ...MIRROR_TABLES.map((t) => `ANALYZE ${next(t)}`)];
  if (!database.pool) {
    for (const task of tasks) await database.exec(task);
    return;
  }
  let nextTask = 0;
  await Promise.all(Array.from({ length: INDEX_CONNECTIONS }, async () => {
    const client = await dedicatedClient(database, 'openpsc-import-index');
    try {
      await client.query(`SET maintenance_work_mem = '256MB'; SET max_parallel_maintenance_workers = 0`);
      while (nextTask < tasks.length) await client.query(tasks[nextTask++]!);
    } finally {
      await client.end().catch(() => {});
    }
  }));
}

const INDEX_CONNECTIONS = 3;

/** Readers of the mirror wait here for the few milliseconds of the swap, then see the new tables. */
const LOCK_MIRROR_SQL = `LOCK TABLE ${MIRROR_TABLES.join(', ')} IN ACCESS EXCLUSIVE MODE`;

function swapStatements(indexes: IndexDefinition[]): string[] {
  return [
    ...MIRROR_TABLES.flatMap((table) => [
      `DROP TABLE ${table}`,
      `ALTER TABLE ${next(table)} RENAME TO ${table}`,
      ...indexes.filter((x) => x.table === table).map((x) => (x.constraint
        ? `ALTER TABLE ${table} RENAME CONSTRAINT ${q(next(x.constraint))} TO ${q(x.constraint)}`
        : `ALTER INDEX ${q(next(x.index))} RENAME TO ${q(x.index)}`)),
    ]),
  ];
}

/**
 * Under the lock, before the drop: the mirror must still be empty. Something wrote to it during
 * the load (a seed, saveProfessional): dropping would lose it, so the load is abandoned and the
 * next run goes through the daily-sync path, which keeps what is there.
 */
async function assertStillEmpty(exec: (text: string) => Promise<{ rows: unknown[] }>): Promise<void> {
  const { rows } = await exec(`SELECT (EXISTS (SELECT 1 FROM directory_professional) OR EXISTS (SELECT 1 FROM directory_exercice)
    OR EXISTS (SELECT 1 FROM directory_activity)) AS written`);
  if ((rows[0] as { written: boolean }).written) {
    throw new ImportError('IMPORT_CONFLICT', 'the directory mirror was written to during the first load; nothing was changed, run the import again');
  }
}

async function rowsOf<T>(database: Database, text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(database.db)).rows;
}

function stopwatch(timings: Record<string, number>): (name: string) => void {
  let mark = performance.now();
  return (name) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
}
