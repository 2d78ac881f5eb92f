import { performance } from 'node:perf_hooks';
import path from 'node:path';

import { sql, type Transaction } from 'kysely';

import type { Schema } from '../../db/schema.js';

import type { Database } from '../../db/database.js';
import { loadNomenclatures } from '../nomenclatures.js';
import { applyDiff, WORK_MEM, type DiffCounts } from './apply.js';
import { mapHeader } from './columns.js';
import { ImportError } from './errors.js';
import { ExtractToCopy, headerInfo, type LineIssue } from './extract-to-copy.js';
import { acquireImportLock } from './lock.js';
import { DEFAULT_IMPORT_SETTINGS, type DirectoryImportSettings } from './settings.js';
import { fileChecksum, openExtractSource, readHeaderLine } from './source.js';
import { DELETE_INVALID_ROWS_SQL, DROP_WORK_TABLES_SQL, FIND_INVALID_ROWS_SQL, INVALID_TABLE, STAGE_PROFESSIONALS_SQL, UNKNOWN_CODES_SQL } from './stage-sql.js';
import { loadStaging, STAGING_TABLE } from './staging.js';

export type ImportPhase = 'checksum' | 'loading' | 'validating' | 'diffing' | 'done';

export interface ImportProgress {
  phase: ImportPhase;
  bytes: number;
  totalBytes: number;
  rows: number;
}

export interface ImportOptions extends Partial<DirectoryImportSettings> {
  /** Apply even past the mass-deletion and row-count guards (never past malformed data). */
  force?: boolean;
  /** Import again a file identical to the last applied one (otherwise a recorded no-op). */
  reimport?: boolean;
  onProgress?: (p: ImportProgress) => void;
}

export interface UnknownCode {
  column: string;
  code: string;
  rows: number;
}

export interface ImportReport {
  unknownHeaders: string[];
  missingOptionalColumns: string[];
  skippedLines: LineIssue[];
  unknownCodes: UnknownCode[];
}

export interface ImportResult {
  importId: number;
  /** `unchanged`: same file as the last applied import, nothing done. */
  status: 'applied' | 'unchanged';
  fileName: string;
  checksum: string;
  rows: number;
  skipped: number;
  professionals: number;
  created: number;
  updated: number;
  ended: number;
  unchanged: number;
  durationMs: number;
  /** Milliseconds per step: checksum, load (stream + COPY), validate and stage, apply (the switch), and each statement of the switch. */
  timings: Record<string, number>;
  report: ImportReport;
}

/**
 * Imports a public extract (`PS_LibreAcces_Personne_activite_<ts>.txt` or the ANS zip) into the
 * mirror: stream → COPY into staging → validate → diff → one-transaction switch. Any failure
 * leaves the mirror as it was and is recorded in `directory_import` with its code.
 *
 * @example
 *   const r = await importExtract(database, 'PS_LibreAcces_202611220800.zip');
 *   console.log(r.created, r.updated, r.ended); // e.g. 1204 23811 998
 */
export async function importExtract(database: Database, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const settings = { ...DEFAULT_IMPORT_SETTINGS, ...definedOnly(options) };
  const started = performance.now();
  const timings: Record<string, number> = {};
  let mark = started;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  const release = await acquireImportLock(database);
  const db = database.db;
  let importId: number | undefined;
  let pendingCodes: Promise<unknown> | undefined;
  try {
    const source = await openExtractSource(file);
    options.onProgress?.({ phase: 'checksum', bytes: 0, totalBytes: source.size, rows: 0 });
    const checksum = await fileChecksum(file);
    lap('checksum');
    // Whoever held the lock before us and left a run "running" died mid-way: its work tables are
    // rebuilt from scratch below, and the mirror was never touched (the switch is atomic).
    await db.updateTable('directory_import').set({ status: 'interrupted', finished_at: new Date() }).where('status', '=', 'running').execute();

    const fileName = path.basename(file) === source.entryName ? source.entryName : `${path.basename(file)}:${source.entryName}`;
    const last = await db.selectFrom('directory_import').selectAll().where('status', '=', 'applied').orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (last?.checksum === checksum && !options.reimport) {
      const row = await db.insertInto('directory_import').values({
        file_name: fileName, checksum, status: 'unchanged', step: 'done', finished_at: new Date(), duration_ms: Math.round(performance.now() - started),
      }).returning('id').executeTakeFirstOrThrow();
      return {
        importId: row.id, status: 'unchanged', fileName, checksum, rows: Number(last.rows_read ?? 0), skipped: 0, professionals: Number(last.professionals ?? 0),
        created: 0, updated: 0, ended: 0, unchanged: Number(last.professionals ?? 0), durationMs: Math.round(performance.now() - started), timings,
        report: { unknownHeaders: [], missingOptionalColumns: [], skippedLines: [], unknownCodes: [] },
      };
    }
    importId = (await db.insertInto('directory_import').values({ file_name: fileName, checksum, status: 'running', forced: !!options.force })
      .returning('id').executeTakeFirstOrThrow()).id;
    const step = (name: string) => db.updateTable('directory_import').set({ step: name }).where('id', '=', importId!).execute();

    await loadNomenclatures(db);
    const headerLine = await readHeaderLine(source);
    const mapping = mapHeader(headerLine);
    const converter = new ExtractToCopy(headerInfo(mapping, headerLine), { malformed: settings.malformed });
    const ticker = options.onProgress && setInterval(() => options.onProgress!({ phase: 'loading', bytes: converter.bytesIn, totalBytes: source.size, rows: converter.rows }), 250);
    try {
      await loadStaging(database, mapping, await source.open(), converter);
    } finally {
      if (ticker) clearInterval(ticker);
    }
    // Real row counts for the planner (COPY leaves no statistics): hash vs sort choices depend on them.
    await database.exec(`ANALYZE ${STAGING_TABLE}`);
    await step('staged');
    lap('load');
    options.onProgress?.({ phase: 'validating', bytes: source.size, totalBytes: source.size, rows: converter.rows });

    // Independent scans of staging on separate connections (a real server runs them in
    // parallel; PGlite one after the other): identifier checks and per-professional hashes now;
    // the unknown-codes report is only a report, so it runs alongside the switch below.
    const codes = findUnknownCodes(database);
    pendingCodes = codes.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    const [skipped] = await allOrFirstError([
      validateStaging(database, converter, settings),
      stageProfessionals(database),
    ] as const);
    const rows = converter.rows - skipped.invalidRows;
    if (rows === 0) throw new ImportError('EXTRACT_EMPTY', 'the file has no data row');
    await checkRowBand(database, rows, settings, !!options.force);
    await step('validated');
    lap('validate and stage');

    options.onProgress?.({ phase: 'diffing', bytes: source.size, totalBytes: source.size, rows });
    const applySteps: Record<string, number> = {};
    const counts = await applyDiff(database, { importId, maxDisappearShare: settings.maxDisappearShare, force: !!options.force, timings: applySteps });
    lap('apply');
    const unknownCodes = await codes;
    for (const [k, v] of Object.entries(applySteps)) timings[`apply: ${k}`] = v;
    const report: ImportReport = {
      unknownHeaders: mapping.unknownHeaders,
      missingOptionalColumns: mapping.missingOptional,
      skippedLines: skipped.samples,
      unknownCodes,
    };
    const result = { ...resultOf(importId, fileName, checksum, rows, skipped.count, counts, Math.round(performance.now() - started), report), timings };
    await db.updateTable('directory_import').set({
      status: 'applied', step: 'applied', applied_at: counts.appliedAt, finished_at: new Date(), duration_ms: result.durationMs,
      rows_read: rows, rows_skipped: skipped.count, professionals: counts.professionals,
      created: result.created, updated: result.updated, ended: result.ended, unchanged: result.unchanged,
      report: JSON.stringify(report),
    }).where('id', '=', importId).execute();
    options.onProgress?.({ phase: 'done', bytes: source.size, totalBytes: source.size, rows });
    return result;
  } catch (err) {
    if (importId !== undefined) await recordFailure(database, importId, err, performance.now() - started);
    throw err;
  } finally {
    await pendingCodes; // it reads staging: let it finish before dropping the work tables
    await dropWorkTables(database);
    await release();
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function resultOf(importId: number, fileName: string, checksum: string, rows: number, skipped: number, c: DiffCounts, durationMs: number, report: ImportReport): Omit<ImportResult, 'timings'> {
  const created = c.created + c.reactivated;
  return {
    importId, status: 'applied', fileName, checksum, rows, skipped, professionals: c.professionals,
    created, updated: c.updated, ended: c.ended, unchanged: c.professionals - created - c.updated, durationMs, report,
  };
}

/** Invalid identifiers found by SQL, merged with the lines the converter skipped; applies the policy. */
async function validateStaging(database: Database, converter: ExtractToCopy, settings: DirectoryImportSettings) {
  for (const statement of FIND_INVALID_ROWS_SQL) await database.exec(statement);
  const db = database.db;
  const invalid = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(INVALID_TABLE)}`.execute(db);
  const invalidRows = Number(invalid.rows[0]!.n);
  const first = invalidRows
    ? (await sql<{ line_no: number | string; field: string; value: string }>`SELECT line_no, field, value FROM ${sql.table(INVALID_TABLE)} ORDER BY line_no LIMIT 20`.execute(db)).rows
    : [];
  if (invalidRows && settings.malformed === 'stop') {
    const f = first[0]!;
    throw new ImportError('EXTRACT_INVALID_VALUE', `invalid value "${f.value}"${invalidRows > 1 ? ` (${invalidRows} invalid rows in all)` : ''}`, { line: Number(f.line_no), field: f.field });
  }
  if (invalidRows) await database.exec(DELETE_INVALID_ROWS_SQL);
  const count = converter.skipped + invalidRows;
  const total = converter.rows + converter.skipped;
  if (total > 0 && count / total > settings.maxSkippedShare) {
    const firstIssue = converter.issues[0] ?? { line: Number(first[0]!.line_no), field: first[0]!.field };
    throw new ImportError('IMPORT_TOO_MANY_SKIPPED',
      `${count} of ${total} rows are malformed or invalid (limit ${(settings.maxSkippedShare * 100).toFixed(2)} %); first at line ${firstIssue.line}${firstIssue.field ? `, field "${firstIssue.field}"` : ''}`);
  }
  const samples: LineIssue[] = [
    ...converter.issues,
    ...first.map((f) => ({ line: Number(f.line_no), field: f.field, message: `invalid value "${f.value}"` })),
  ].sort((a, b) => a.line - b.line).slice(0, 20);
  return { count, invalidRows, samples };
}

/** Waits for every promise (no query left running behind our back), then throws the first error. */
async function allOrFirstError<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** One transaction with room to sort and hash in memory. */
function withWorkMem<T>(database: Database, fn: (trx: Transaction<Schema>) => Promise<T>, workMem = WORK_MEM): Promise<T> {
  return database.db.transaction().execute(async (trx) => {
    if (database.kind === 'postgres') await sql.raw(`SET LOCAL work_mem = '${workMem}'`).execute(trx);
    return fn(trx);
  });
}

/**
 * The per-professional work table the diff reads. Its one big sort (2 M × national id, line,
 * 16-byte hash) needs about 250 MB to stay in memory; past work_mem it spills to disk and takes
 * twice as long.
 */
async function stageProfessionals(database: Database): Promise<void> {
  await withWorkMem(database, async (trx) => {
    for (const statement of STAGE_PROFESSIONALS_SQL) await sql.raw(statement).execute(trx);
  }, '512MB');
}

/** Codes of the file absent from the shipped code tables, with row counts. */
async function findUnknownCodes(database: Database): Promise<UnknownCode[]> {
  return withWorkMem(database, async (trx) => {
    const { rows } = await sql<UnknownCode>`${sql.raw(UNKNOWN_CODES_SQL)}`.execute(trx);
    return rows.map((u) => ({ ...u, rows: Number(u.rows) }));
  });
}

async function checkRowBand(database: Database, rows: number, s: DirectoryImportSettings, force: boolean): Promise<void> {
  if (force) return;
  if ((s.minRows && rows < s.minRows) || (s.maxRows && rows > s.maxRows)) {
    throw new ImportError('IMPORT_ROW_COUNT_OUT_OF_BAND', `${rows} rows, outside the configured band ${s.minRows}–${s.maxRows || '∞'}; nothing was changed (use --force to apply anyway)`);
  }
  if (!s.maxRowChange) return;
  const last = await database.db.selectFrom('directory_import').select('rows_read').where('status', '=', 'applied').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const before = Number(last?.rows_read ?? 0);
  if (before && Math.abs(rows - before) / before > s.maxRowChange) {
    throw new ImportError('IMPORT_ROW_COUNT_OUT_OF_BAND',
      `${rows} rows against ${before} at the last import (${(((rows - before) / before) * 100).toFixed(1)} %), beyond ±${(s.maxRowChange * 100).toFixed(0)} %; nothing was changed (use --force to apply anyway)`);
  }
}

async function recordFailure(database: Database, importId: number, err: unknown, elapsed: number): Promise<void> {
  const code = err instanceof ImportError ? err.code : 'INTERNAL';
  const refused = code === 'IMPORT_MASS_DELETION' || code === 'IMPORT_ROW_COUNT_OUT_OF_BAND';
  await database.db.updateTable('directory_import').set({
    status: refused ? 'refused' : 'failed', finished_at: new Date(), duration_ms: Math.round(elapsed),
    error_code: code, error_message: err instanceof Error ? err.message : String(err),
  }).where('id', '=', importId).execute().catch(() => {});
}

async function dropWorkTables(database: Database): Promise<void> {
  for (const statement of DROP_WORK_TABLES_SQL) await database.exec(statement).catch(() => {});
}

