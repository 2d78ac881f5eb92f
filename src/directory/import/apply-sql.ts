import { ACTIVITY_COLUMNS, EXERCICE_COLUMNS, STRUCTURE_COLUMNS } from './normalizer.js';
import { ACTIVITY_TABLE, EXERCICE_TABLE, PROFESSIONAL_TABLE, STRUCTURE_TABLE } from './work-tables.js';

/**
 * The switch to the new data, as set-based SQL run in ONE transaction (see apply.ts): a reader's
 * statement sees the mirror before or after, never between. `now()` is the transaction's start
 * time, so every row this import ends or starts carries the same instant — the history keys on it.
 *
 * Changed professionals are rewritten as a new version: their current activities are ended and
 * new exercices (next free `ord`) and activities are inserted. Unchanged professionals are not
 * touched, which is what makes a daily sync cheap.
 */

export const DIFF_TABLE = 'directory_import_diff';
const ORD_BASE_TABLE = 'directory_import_ord_base';

const exerciceCols = EXERCICE_COLUMNS;
const activityCols = ACTIVITY_COLUMNS;
const STRUCTURE_COLS = STRUCTURE_COLUMNS;

/** created / reactivated / updated (hash differs) / ended (absent from the file). */
export const DIFF_SQL = [`
CREATE TEMP TABLE ${DIFF_TABLE} ON COMMIT DROP AS
SELECT n.national_id,
       CASE WHEN m.national_id IS NULL THEN 'created' WHEN m.deactivated_at IS NOT NULL THEN 'reactivated' ELSE 'updated' END AS change
FROM ${PROFESSIONAL_TABLE} n
LEFT JOIN directory_professional m ON m.national_id = n.national_id
WHERE m.national_id IS NULL OR m.deactivated_at IS NOT NULL OR m.content_hash IS DISTINCT FROM n.content_hash
UNION ALL
SELECT m.national_id, 'ended'
FROM directory_professional m
WHERE m.deactivated_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM ${PROFESSIONAL_TABLE} n WHERE n.national_id = m.national_id)`,
  `ALTER TABLE ${DIFF_TABLE} ADD PRIMARY KEY (national_id)`,
  `ANALYZE ${DIFF_TABLE}`];

export const DIFF_COUNTS_SQL = `
SELECT
  (SELECT count(*) FROM directory_professional WHERE deactivated_at IS NULL) AS "activeBefore",
  (SELECT count(*) FROM ${PROFESSIONAL_TABLE}) AS professionals,
  count(*) FILTER (WHERE change = 'created') AS created,
  count(*) FILTER (WHERE change = 'reactivated') AS reactivated,
  count(*) FILTER (WHERE change = 'updated') AS updated,
  count(*) FILTER (WHERE change = 'ended') AS ended
FROM ${DIFF_TABLE}`;

/**
 * Professionals the diff says are new or changed, whose record the normalizer did not write
 * because their fingerprint matched the mirror's (a 64-bit collision: about never). The importer
 * then runs again writing every record.
 */
export const MISSING_RECORDS_SQL = `
SELECT count(*) AS n FROM ${DIFF_TABLE} d
WHERE d.change <> 'ended' AND NOT EXISTS (SELECT 1 FROM ${EXERCICE_TABLE} e WHERE e.national_id = d.national_id)`;

/**
 * The statements of the switch: the normalized records of the new and changed professionals
 * (~1 % on a daily sync) were staged by the normalizer; exercice numbers continue after the
 * professional's earlier versions.
 */
export function applySql(importId: number): string[] {
  const id = Math.trunc(importId);
  return [
    // A professional created by a first load has no "created" line yet (history.ts derives it
    // from created_import_id): written now, with the civilité of creation, before it changes.
    `INSERT INTO directory_professional_change (national_id, import_id, change, changed_at, code_civilite)
     SELECT p.national_id, p.created_import_id, 'created', p.created_at, p.code_civilite
     FROM ${DIFF_TABLE} d JOIN directory_professional p ON p.national_id = d.national_id
     WHERE d.change <> 'created' AND p.created_import_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM directory_professional_change c WHERE c.national_id = p.national_id AND c.import_id = p.created_import_id)`,

    // Old versions end now: activities of every changed or vanished professional.
    `UPDATE directory_activity a SET ended_at = now()
     FROM ${DIFF_TABLE} d
     WHERE d.national_id = a.national_id AND d.change IN ('updated', 'reactivated', 'ended') AND a.ended_at IS NULL`,

    `UPDATE directory_professional p SET deactivated_at = now(), updated_at = now()
     FROM ${DIFF_TABLE} d WHERE d.national_id = p.national_id AND d.change = 'ended'`,

    // Plain INSERT for new people and UPDATE for known ones: cheaper than ON CONFLICT.
    `INSERT INTO directory_professional (national_id, type_identifiant_pp, identifiant_pp, code_civilite, content_hash, created_at, updated_at, deactivated_at, created_import_id)
     SELECT n.national_id, n.type_identifiant_pp, n.identifiant_pp, n.code_civilite, n.content_hash, now(), now(), NULL, ${id}
     FROM ${PROFESSIONAL_TABLE} n JOIN ${DIFF_TABLE} d ON d.national_id = n.national_id AND d.change = 'created'`,

    `UPDATE directory_professional p SET
       type_identifiant_pp = n.type_identifiant_pp, identifiant_pp = n.identifiant_pp, code_civilite = n.code_civilite,
       content_hash = n.content_hash, updated_at = now(), deactivated_at = NULL
     FROM ${PROFESSIONAL_TABLE} n JOIN ${DIFF_TABLE} d ON d.national_id = n.national_id AND d.change IN ('updated', 'reactivated')
     WHERE p.national_id = n.national_id`,

    // A new version's exercices are numbered after every earlier one of the professional.
    `CREATE TEMP TABLE ${ORD_BASE_TABLE} ON COMMIT DROP AS
     SELECT d.national_id, coalesce(max(e.ord) + 1, 0) AS base
     FROM ${DIFF_TABLE} d LEFT JOIN directory_exercice e ON e.national_id = d.national_id
     WHERE d.change <> 'ended' GROUP BY d.national_id`,

    `INSERT INTO directory_exercice (national_id, ord, ${exerciceCols.join(', ')})
     SELECT x.national_id, b.base + x.ord, ${exerciceCols.map((c) => `x.${c}`).join(', ')}
     FROM ${EXERCICE_TABLE} x JOIN ${ORD_BASE_TABLE} b ON b.national_id = x.national_id`,

    `INSERT INTO directory_activity (national_id, exercice_ord, ord, ${activityCols.join(', ')}, started_at)
     SELECT a.national_id, b.base + a.exercice_ord, a.ord, ${activityCols.map((c) => `a.${c}`).join(', ')}, now()
     FROM ${ACTIVITY_TABLE} a JOIN ${ORD_BASE_TABLE} b ON b.national_id = a.national_id`,

    // Structures seen in the changed rows (first row naming each): updated when they differ, added when new.
    `UPDATE directory_structure st SET ${STRUCTURE_COLS.slice(1).map((c) => `${c} = n.${c}`).join(', ')}, updated_at = now()
     FROM ${STRUCTURE_TABLE} n
     WHERE st.identifiant_technique_structure = n.identifiant_technique_structure
       AND (${STRUCTURE_COLS.slice(1).map((c) => `st.${c}`).join(', ')}) IS DISTINCT FROM (${STRUCTURE_COLS.slice(1).map((c) => `n.${c}`).join(', ')})`,

    `INSERT INTO directory_structure (${STRUCTURE_COLS.join(', ')}, updated_at)
     SELECT ${STRUCTURE_COLS.map((c) => `n.${c}`).join(', ')}, now() FROM ${STRUCTURE_TABLE} n
     WHERE NOT EXISTS (SELECT 1 FROM directory_structure st WHERE st.identifiant_technique_structure = n.identifiant_technique_structure)`,
  ];
}

/** The change log row of every changed professional. */
export const logChangesSql = (importId: number): string => `
INSERT INTO directory_professional_change (national_id, import_id, change, changed_at, code_civilite)
SELECT d.national_id, ${Math.trunc(importId)}, d.change, now(), coalesce(n.code_civilite, p.code_civilite, '')
FROM ${DIFF_TABLE} d
LEFT JOIN ${PROFESSIONAL_TABLE} n ON n.national_id = d.national_id
LEFT JOIN directory_professional p ON p.national_id = d.national_id`;
