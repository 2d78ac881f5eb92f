import { performance } from 'node:perf_hooks';

import type { Database } from '../../db/database.js';
import { applyDiff, type DiffCounts } from './apply.js';
import { openCopySink, type CopySink } from './copy-sink.js';
import { loadFingerprints } from './fingerprints.js';
import { normalizeInto, type NormalizeInput, type NormalizeRun } from './normalize-run.js';
import { ACTIVITY_OUT, EXERCICE_OUT, PROFESSIONAL_OUT, STRUCTURE_OUT } from './normalizer.js';
import { ACTIVITY_TABLE, ANALYZE_SYNC_TABLES_SQL, CREATE_SYNC_TABLES_SQL, EXERCICE_TABLE, PROFESSIONAL_TABLE, STRUCTURE_TABLE } from './work-tables.js';

/**
 * Daily sync into a mirror that already holds data: the file is read once; every professional's
 * content hash is staged, and the full record only of those whose hash the mirror does not hold
 * (new, changed, reactivated). The diff and the switch then touch ~1 % of the mirror, in one
 * transaction (apply.ts).
 */

export interface SyncOptions {
  importId: number;
  maxDisappearShare: number;
  force: boolean;
  /** Stage every record, not only the unknown ones (after a fingerprint collision). */
  writeAll?: boolean;
  /** Row band and skipped-share checks, once the file has been read; throwing abandons the sync. */
  beforeApply: (run: NormalizeRun) => Promise<void>;
  onStart?: (run: NormalizeRun) => void;
  timings: Record<string, number>;
}

export async function syncMirror(database: Database, input: NormalizeInput, options: SyncOptions): Promise<{ run: NormalizeRun; counts: DiffCounts & { appliedAt: Date } }> {
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    options.timings[name] = Math.round(now - mark);
    mark = now;
  };
  for (const statement of CREATE_SYNC_TABLES_SQL) await database.exec(statement);
  const known = options.writeAll ? undefined : await loadFingerprints(database);
  lap('fingerprints');
  const sinks: CopySink[] = [];
  const open = (table: string, columns: readonly string[]) => openCopySink(database, table, columns).then((s) => { sinks.push(s); return s; });
  let run: NormalizeRun;
  try {
    run = await normalizeInto(input, {
      professional: await open(PROFESSIONAL_TABLE, PROFESSIONAL_OUT),
      exercice: await open(EXERCICE_TABLE, EXERCICE_OUT),
      activity: await open(ACTIVITY_TABLE, ACTIVITY_OUT),
      structure: await open(STRUCTURE_TABLE, STRUCTURE_OUT),
    }, known ? { known } : {}, options.onStart);
  } catch (err) {
    await Promise.all(sinks.map((s) => s.abort()));
    throw err;
  }
  lap('load');
  for (const statement of ANALYZE_SYNC_TABLES_SQL) await database.exec(statement);
  await options.beforeApply(run);
  lap('analyze and check');
  const applySteps: Record<string, number> = {};
  const counts = await applyDiff(database, { importId: options.importId, maxDisappearShare: options.maxDisappearShare, force: options.force, timings: applySteps });
  lap('apply');
  for (const [k, v] of Object.entries(applySteps)) options.timings[`apply: ${k}`] = v;
  return { run, counts };
}
