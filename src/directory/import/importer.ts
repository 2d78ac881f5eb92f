import { performance } from 'node:perf_hooks';
import path from 'node:path';

import { sql } from 'kysely';

import type { Database } from '../../db/database.js';
import { loadNomenclatures } from '../nomenclatures.js';
import { MissingRecordsError, type DiffCounts } from './apply.js';
import { mapHeader } from './columns.js';
import { ImportError } from './errors.js';
import { ExtractToCopy, headerInfo, type LineIssue } from './extract-to-copy.js';
import { acquireImportLock } from './lock.js';
import type { NormalizeInput, NormalizeRun } from './normalize-run.js';
import { NotGroupedError } from './normalizer.js';
import { rebuildMirror } from './rebuild.js';
import { DEFAULT_IMPORT_SETTINGS, type DirectoryImportSettings } from './settings.js';
import { openSortedReadback } from './sorted-readback.js';
import { fileChecksumInBackground, openExtractSource, readHeaderLine } from './source.js';
import { loadStaging } from './staging.js';
import { syncMirror } from './sync.js';
import { DROP_WORK_TABLES_SQL } from './work-tables.js';

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
  /** Files smaller than this are read on the importing thread alone: starting workers costs more than it saves (default 16 MB). */
  parallelFromBytes?: number;
}

const PARALLEL_FROM_BYTES = 16 << 20;

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
  const release = await acquireImportLock(database);
  const db = database.db;
  let importId: number | undefined;
  try {
    const source = await openExtractSource(file);
    // The checksum (the import's identity) is computed alongside the load and checked before
    // anything is switched: the same file as the last applied import is then a recorded no-op.
    const checksumPending = fileChecksumInBackground(file);
    checksumPending.catch(() => {}); // awaited in the checks below; never an unhandled rejection meanwhile
    // Whoever held the lock before us and left a run "running" died mid-way: its work tables are
    // rebuilt from scratch below, and the mirror was never touched (the switch is atomic).
    await db.updateTable('directory_import').set({ status: 'interrupted', finished_at: new Date() }).where('status', '=', 'running').execute();

    const fileName = path.basename(file) === source.entryName ? source.entryName : `${path.basename(file)}:${source.entryName}`;
    const last = await db.selectFrom('directory_import').selectAll().where('status', '=', 'applied').orderBy('id', 'desc').limit(1).executeTakeFirst();
    importId = (await db.insertInto('directory_import').values({ file_name: fileName, checksum: 'pending', status: 'running', forced: !!options.force })
      .returning('id').executeTakeFirstOrThrow()).id;
    let checksum = '';
    const step = (name: string) => db.updateTable('directory_import').set({ step: name }).where('id', '=', importId!).execute();

    await loadNomenclatures(db);
    const headerLine = await readHeaderLine(source);
    const mapping = mapHeader(headerLine);
    const header = headerInfo(mapping, headerLine);
    let current: NormalizeRun | undefined;
    let priorSkips: { count: number; issues: LineIssue[] } | undefined;
    const onStart = (run: NormalizeRun) => {
      current = run;
      if (priorSkips) run.parser.addSkipped(priorSkips.count, priorSkips.issues);
    };
    const ticker = options.onProgress && setInterval(() => {
      if (current) options.onProgress!({ phase: 'loading', bytes: Math.min(current.parser.bytesIn, source.size), totalBytes: source.size, rows: current.parser.rows });
    }, 250);
    const checks = async (run: NormalizeRun) => {
      checksum = await checksumPending;
      await db.updateTable('directory_import').set({ checksum }).where('id', '=', importId!).execute();
      if (last?.checksum === checksum && !options.reimport) throw new UnchangedFile();
      const counted = countRows(run, settings);
      if (counted.rows === 0) throw new ImportError('EXTRACT_EMPTY', 'the file has no data row');
      await checkRowBand(database, counted.rows, settings, !!options.force);
      await step('validated');
      options.onProgress?.({ phase: 'diffing', bytes: source.size, totalBytes: source.size, rows: counted.rows });
    };
    const workers = source.size >= (options.parallelFromBytes ?? PARALLEL_FROM_BYTES) ? settings.workers : 0;
    const rebuild = await mirrorIsEmpty(database);
    const attempt = async (input: NormalizeInput, writeAll = false): Promise<{ run: NormalizeRun; counts: DiffCounts & { appliedAt: Date } }> => {
      if (rebuild) {
        const at = new Date();
        const run = await rebuildMirror(database, input, { importId: importId!, at, beforeSwap: checks, onStart, timings });
        const n = run.normalizer.professionals;
        return { run, counts: { activeBefore: 0, professionals: n, created: n, reactivated: 0, updated: 0, ended: 0, appliedAt: at } };
      }
      return syncMirror(database, input, { importId: importId!, maxDisappearShare: settings.maxDisappearShare, force: !!options.force, writeAll, beforeApply: checks, onStart, timings });
    };
    // Fallbacks: rows not grouped by professional → sorted by PostgreSQL first; a fingerprint
    // collision hid a changed record (about never) → every record staged this time.
    const attempts = async (): Promise<Awaited<ReturnType<typeof attempt>>> => {
      try {
        return await attempt({ header, malformed: settings.malformed, workers, open: () => source.open() });
      } catch (err) {
        if (err instanceof MissingRecordsError) {
          await dropWorkTables(database);
          return attempt({ header, malformed: settings.malformed, workers, open: () => source.open() }, true);
        }
        if (!(err instanceof NotGroupedError)) throw err;
        timings['not grouped, sorted by PostgreSQL'] = 1;
        await dropWorkTables(database);
        const converter = new ExtractToCopy(header, { malformed: settings.malformed });
        await loadStaging(database, mapping, await source.open(), converter);
        priorSkips = { count: converter.skipped, issues: converter.issues };
        return attempt({ header, malformed: settings.malformed, workers, numberedLines: true, open: () => openSortedReadback(database, mapping) });
      }
    };
    let outcome: Awaited<ReturnType<typeof attempt>>;
    try {
      outcome = await attempts();
    } catch (err) {
      if (!(err instanceof UnchangedFile) || !last) throw err;
      const durationMs = Math.round(performance.now() - started);
      await db.updateTable('directory_import').set({ status: 'unchanged', step: 'done', finished_at: new Date(), duration_ms: durationMs }).where('id', '=', importId).execute();
      return {
        importId, status: 'unchanged', fileName, checksum, rows: Number(last.rows_read ?? 0), skipped: 0, professionals: Number(last.professionals ?? 0),
        created: 0, updated: 0, ended: 0, unchanged: Number(last.professionals ?? 0), durationMs, timings,
        report: { unknownHeaders: [], missingOptionalColumns: [], skippedLines: [], unknownCodes: [] },
      };
    } finally {
      if (ticker) clearInterval(ticker);
    }
    const { run, counts } = outcome;
    const { rows, skipped } = countRows(run, settings);
    const report: ImportReport = {
      unknownHeaders: mapping.unknownHeaders,
      missingOptionalColumns: mapping.missingOptional,
      skippedLines: [...run.parser.issues].sort((a, b) => a.line - b.line),
      unknownCodes: run.normalizer.unknownCodes.report(),
    };
    const result = { ...resultOf(importId, fileName, checksum, rows, skipped, counts, Math.round(performance.now() - started), report), timings };
    await db.updateTable('directory_import').set({
      status: 'applied', step: 'applied', applied_at: counts.appliedAt, finished_at: new Date(), duration_ms: result.durationMs,
      rows_read: rows, rows_skipped: skipped, professionals: counts.professionals,
      created: result.created, updated: result.updated, ended: result.ended, unchanged: result.unchanged,
      report: JSON.stringify(report),
    }).where('id', '=', importId).execute();
    options.onProgress?.({ phase: 'done', bytes: source.size, totalBytes: source.size, rows });
    return result;
  } catch (err) {
    if (importId !== undefined) await recordFailure(database, importId, err, performance.now() - started);
    throw err;
  } finally {
    await dropWorkTables(database);
    await release();
  }
}

/** The file is the one the last applied import read: nothing to do (found before the switch, which is then abandoned). */
class UnchangedFile extends Error {}

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

/**
 * Rows kept and skipped (malformed lines and invalid identifiers); past the configured share of
 * skipped rows the import stops even under policy "skip".
 */
function countRows(run: NormalizeRun, settings: DirectoryImportSettings): { rows: number; skipped: number } {
  const rows = run.parser.rows - run.normalizer.invalidRows;
  const skipped = run.parser.skipped;
  const total = rows + skipped;
  if (total > 0 && skipped / total > settings.maxSkippedShare) {
    const first = [...run.parser.issues].sort((x, y) => x.line - y.line)[0];
    throw new ImportError('IMPORT_TOO_MANY_SKIPPED',
      `${skipped} of ${total} rows are malformed or invalid (limit ${(settings.maxSkippedShare * 100).toFixed(2)} %)${first ? `; first at line ${first.line}${first.field ? `, field "${first.field}"` : ''}` : ''}`);
  }
  return { rows, skipped };
}

/** A first load (nothing in the mirror) builds it beside and swaps it in; otherwise the daily sync. */
async function mirrorIsEmpty(database: Database): Promise<boolean> {
  const { rows } = await sql<{ empty: boolean }>`
    SELECT NOT EXISTS (SELECT 1 FROM directory_professional) AND NOT EXISTS (SELECT 1 FROM directory_exercice)
       AND NOT EXISTS (SELECT 1 FROM directory_activity) AS empty`.execute(database.db);
  return !!rows[0]?.empty;
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

