import { sql, type Kysely } from 'kysely';

import type { Schema } from '../db/schema.js';

export interface DirectoryStatus {
  lastImport?: {
    id: number; fileName: string; status: string; startedAt: Date; appliedAt: Date | null; durationMs: number | null;
    rows: number | null; skipped: number | null; created: number | null; updated: number | null; ended: number | null;
    errorCode: string | null; errorMessage: string | null;
  };
  lastApplied?: { id: number; fileName: string; appliedAt: Date | null; checksum: string };
  professionals: { active: number; deactivated: number };
  activities: { current: number; ended: number };
  structures: number;
}

/**
 * What the mirror holds and where it came from.
 * @example const s = await directoryStatus(db); console.log(s.professionals.active);
 */
export async function directoryStatus(db: Kysely<Schema>): Promise<DirectoryStatus> {
  const last = await db.selectFrom('directory_import').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
  const applied = await db.selectFrom('directory_import').select(['id', 'file_name', 'applied_at', 'checksum'])
    .where('status', '=', 'applied').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const { rows } = await sql<Record<string, number | string>>`
    SELECT (SELECT count(*) FROM directory_professional WHERE deactivated_at IS NULL) AS active,
           (SELECT count(*) FROM directory_professional WHERE deactivated_at IS NOT NULL) AS deactivated,
           (SELECT count(*) FROM directory_activity WHERE ended_at IS NULL) AS current,
           (SELECT count(*) FROM directory_activity WHERE ended_at IS NOT NULL) AS ended,
           (SELECT count(*) FROM directory_structure) AS structures`.execute(db);
  const c = Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    lastImport: last && {
      id: Number(last.id), fileName: last.file_name, status: last.status, startedAt: last.started_at, appliedAt: last.applied_at as Date | null,
      durationMs: last.duration_ms, rows: n(last.rows_read), skipped: n(last.rows_skipped), created: n(last.created), updated: n(last.updated),
      ended: n(last.ended), errorCode: last.error_code, errorMessage: last.error_message,
    },
    lastApplied: applied && { id: Number(applied.id), fileName: applied.file_name, appliedAt: applied.applied_at as Date | null, checksum: applied.checksum },
    professionals: { active: c.active!, deactivated: c.deactivated! },
    activities: { current: c.current!, ended: c.ended! },
    structures: c.structures!,
  };
}
