import { performance } from 'node:perf_hooks';

import { sql, type Kysely, type Transaction } from 'kysely';

import type { Database } from '../../db/database.js';
import type { Schema } from '../../db/schema.js';
import { applySql, DIFF_COUNTS_SQL, DIFF_SQL, logChangesSql, MISSING_RECORDS_SQL } from './apply-sql.js';
import { ImportError } from './errors.js';

/** The diff found new or changed professionals whose record was not staged (fingerprint collision): stage every record and apply again. */
export class MissingRecordsError extends Error {}

export interface DiffCounts {
  activeBefore: number;
  professionals: number;
  created: number;
  reactivated: number;
  updated: number;
  ended: number;
}

export interface ApplyOptions {
  importId: number;
  maxDisappearShare: number;
  force: boolean;
  /** Called with the counts before anything is written; throwing aborts (rolls back) the switch. */
  beforeWrite?: (counts: DiffCounts) => void;
  /** Filled with milliseconds per statement (benchmarks, slow-import diagnosis). */
  timings?: Record<string, number>;
}

/** Sorting and hashing 2 M rows in memory; set per transaction only (never nested). */
export const WORK_MEM = '256MB';

const run = (trx: Transaction<Schema> | Kysely<Schema>, text: string) => sql.raw(text).execute(trx);

/** "INSERT INTO directory_activity …" → "insert directory_activity": a label for step timings. */
const labelOf = (text: string) => {
  const m = /^\s*(INSERT INTO|UPDATE|CREATE TEMP TABLE|ANALYZE|ALTER TABLE)\s+(\w+)/i.exec(text);
  return m ? `${m[1]!.split(' ')[0]!.toLowerCase()} ${m[2]}` : text.trim().split(/\s+/).slice(0, 2).join(' ');
};

/**
 * Computes the difference with the current mirror and applies it, in ONE transaction: readers see
 * the old mirror or the new one. The mass-deletion guard runs inside, before the first write, so
 * a refused import has changed nothing.
 */
export async function applyDiff(database: Database, options: ApplyOptions): Promise<DiffCounts & { appliedAt: Date }> {
  return database.db.transaction().execute(async (trx) => {
    if (database.kind === 'postgres') await run(trx, `SET LOCAL work_mem = '${WORK_MEM}'`);
    for (const statement of DIFF_SQL) await run(trx, statement);
    const { rows } = await sql<Record<keyof DiffCounts, number | string>>`${sql.raw(DIFF_COUNTS_SQL)}`.execute(trx);
    const c = rows[0]!;
    // count(*) is bigint: a string on PGlite, a number with our pg type parser.
    const counts = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Number(v)])) as unknown as DiffCounts;
    checkDisappearance(counts, options);
    options.beforeWrite?.(counts);
    const missing = await sql<{ n: number | string }>`${sql.raw(MISSING_RECORDS_SQL)}`.execute(trx);
    if (Number(missing.rows[0]!.n)) throw new MissingRecordsError(`${missing.rows[0]!.n} changed professionals without a staged record`);
    for (const statement of applySql(options.importId)) {
      const started = performance.now();
      await run(trx, statement);
      if (options.timings) {
        const label = labelOf(statement);
        options.timings[label] = (options.timings[label] ?? 0) + Math.round(performance.now() - started);
      }
    }
    await run(trx, logChangesSql(options.importId));
    const now = await sql<{ now: Date }>`SELECT now() AS now`.execute(trx);
    return { ...counts, appliedAt: now.rows[0]!.now };
  });
}

function checkDisappearance(c: DiffCounts, options: ApplyOptions): void {
  if (options.force || c.activeBefore === 0) return;
  const share = c.ended / c.activeBefore;
  if (share > options.maxDisappearShare) {
    throw new ImportError('IMPORT_MASS_DELETION',
      `${c.ended} of ${c.activeBefore} active professionals (${(share * 100).toFixed(2)} %) would disappear, ` +
      `above the limit of ${(options.maxDisappearShare * 100).toFixed(2)} %; nothing was changed (use --force to apply anyway)`);
  }
}
