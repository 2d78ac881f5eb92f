import { ACTIVITY_FIELDS, EXERCICE_FIELDS } from '../fields.js';
import { STAGING_TABLE } from './staging.js';
import { PROFESSIONAL_TABLE } from './stage-sql.js';

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
export const NEW_EXERCICE_TABLE = 'directory_import_exercice';

const exerciceCols = EXERCICE_FIELDS.map((f) => f.column);
const activityCols = ACTIVITY_FIELDS.map((f) => f.column);
const KEY = ['code_profession', 'code_categorie_professionnelle'];
const STRUCTURE_COLS = [
  'identifiant_technique_structure', 'raison_sociale_site', 'numero_siret_site', 'numero_siren_site',
  'numero_finess_site', 'numero_finess_etablissement_juridique', 'code_secteur_activite',
];

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

export const CHANGED_ROWS_TABLE = 'directory_import_rows';

/**
 * The statements of the switch. `allChanged` (a first load: every professional of the file is
 * new or changed) reads staging directly; otherwise the changed professionals' rows — ~1 % on a
 * daily sync — are copied once into a small temp table that every later statement reads.
 */
export function applySql(allChanged: boolean): string[] {
  const rows = allChanged ? STAGING_TABLE : CHANGED_ROWS_TABLE;
  return [
    ...(allChanged ? [] : [
      `CREATE TEMP TABLE ${CHANGED_ROWS_TABLE} ON COMMIT DROP AS
       SELECT s.* FROM ${STAGING_TABLE} s JOIN ${DIFF_TABLE} d ON d.national_id = s.identification_nationale_pp AND d.change <> 'ended'`,
      `ANALYZE ${CHANGED_ROWS_TABLE}`,
    ]),

    // Old versions end now: activities of every changed or vanished professional.
    `UPDATE directory_activity a SET ended_at = now()
     FROM ${DIFF_TABLE} d
     WHERE d.national_id = a.national_id AND d.change IN ('updated', 'reactivated', 'ended') AND a.ended_at IS NULL`,

    `UPDATE directory_professional p SET deactivated_at = now(), updated_at = now()
     FROM ${DIFF_TABLE} d WHERE d.national_id = p.national_id AND d.change = 'ended'`,

    // Plain INSERT for new people and UPDATE for known ones: cheaper than ON CONFLICT on 2 M rows.
    `INSERT INTO directory_professional (national_id, type_identifiant_pp, identifiant_pp, code_civilite, content_hash, created_at, updated_at, deactivated_at)
     SELECT n.national_id, n.type_identifiant_pp, n.identifiant_pp, n.code_civilite, n.content_hash, now(), now(), NULL
     FROM ${PROFESSIONAL_TABLE} n JOIN ${DIFF_TABLE} d ON d.national_id = n.national_id AND d.change = 'created'`,

    `UPDATE directory_professional p SET
       type_identifiant_pp = n.type_identifiant_pp, identifiant_pp = n.identifiant_pp, code_civilite = n.code_civilite,
       content_hash = n.content_hash, updated_at = now(), deactivated_at = NULL
     FROM ${PROFESSIONAL_TABLE} n JOIN ${DIFF_TABLE} d ON d.national_id = n.national_id AND d.change IN ('updated', 'reactivated')
     WHERE p.national_id = n.national_id`,

    // Exercices keyed by (profession, catégorie), ordered by their first row in the file. The
    // savoir-faire pair is that of the first 'S' (spécialité ordinale) row, else of the first row.
    // Hash aggregation finds those rows' line numbers; joining back by line number is far cheaper
    // than sorting wide rows (DISTINCT ON) on 2 M lines.
    `CREATE TEMP TABLE ${NEW_EXERCICE_TABLE} ON COMMIT DROP AS
     WITH keys AS (
       SELECT s.identification_nationale_pp AS national_id, ${KEY.map((k) => `s.${k}`).join(', ')},
              min(s.line_no) AS first_line, min(s.line_no) FILTER (WHERE s.code_type_savoir_faire = 'S') AS specialty_line
       FROM ${rows} s
       GROUP BY 1, ${KEY.map((_, i) => i + 2).join(', ')}
     ),
     next_ord AS (
       SELECT d.national_id, coalesce(max(e.ord) + 1, 0) AS base
       FROM ${DIFF_TABLE} d LEFT JOIN directory_exercice e ON e.national_id = d.national_id
       WHERE d.change <> 'ended' GROUP BY d.national_id
     )
     SELECT k.national_id,
            (b.base + row_number() OVER (PARTITION BY k.national_id ORDER BY k.first_line) - 1)::integer AS ord,
            ${exerciceCols.filter((c) => !['code_type_savoir_faire', 'code_savoir_faire'].includes(c)).map((c) => (KEY.includes(c) ? `k.${c}` : `f.${c}`)).join(', ')},
            coalesce(sp.code_type_savoir_faire, f.code_type_savoir_faire) AS code_type_savoir_faire,
            coalesce(sp.code_savoir_faire, f.code_savoir_faire) AS code_savoir_faire
     FROM keys k
     JOIN next_ord b ON b.national_id = k.national_id
     JOIN ${rows} f ON f.line_no = k.first_line
     LEFT JOIN ${rows} sp ON sp.line_no = k.specialty_line`,

    `ANALYZE ${NEW_EXERCICE_TABLE}`,

    `INSERT INTO directory_exercice (national_id, ord, ${exerciceCols.join(', ')})
     SELECT national_id, ord, ${exerciceCols.join(', ')} FROM ${NEW_EXERCICE_TABLE}`,

    // Activities de-duplicated on all 30 fields within their exercice (rows repeat per
    // savoir-faire): grouped on an md5 of the 30 fields (fields never contain '|', so the
    // concatenation is unambiguous) — a narrow hash key instead of 33 text columns — then the
    // values are read back from the first row. Their ord is the line of that first row: file
    // order with no window sort (unique within the exercice, whose ord is fresh for every version).
    `INSERT INTO directory_activity (national_id, exercice_ord, ord, ${activityCols.join(', ')}, started_at)
     SELECT a.national_id, e.ord, a.first_line::integer, ${activityCols.map((c) => `s.${c}`).join(', ')}, now()
     FROM (
       SELECT identification_nationale_pp AS national_id, ${KEY.join(', ')}, min(line_no) AS first_line
       FROM ${rows} r
       GROUP BY identification_nationale_pp, ${KEY.join(', ')}, md5(concat_ws('|', ${activityCols.join(', ')}))
     ) a
     JOIN ${NEW_EXERCICE_TABLE} e ON e.national_id = a.national_id AND ${KEY.map((k) => `e.${k} = a.${k}`).join(' AND ')}
     JOIN ${rows} s ON s.line_no = a.first_line`,

    // Structures seen in the changed rows: the first row per technical id describes it.
    `CREATE TEMP TABLE directory_import_structure ON COMMIT DROP AS
     SELECT ${STRUCTURE_COLS.map((c) => `s.${c}`).join(', ')}
     FROM ${rows} s
     JOIN (SELECT identifiant_technique_structure, min(line_no) AS line_no FROM ${rows} r
           WHERE identifiant_technique_structure <> '' GROUP BY 1) f ON f.line_no = s.line_no`,

    `UPDATE directory_structure st SET ${STRUCTURE_COLS.slice(1).map((c) => `${c} = n.${c}`).join(', ')}, updated_at = now()
     FROM directory_import_structure n
     WHERE st.identifiant_technique_structure = n.identifiant_technique_structure
       AND (${STRUCTURE_COLS.slice(1).map((c) => `st.${c}`).join(', ')}) IS DISTINCT FROM (${STRUCTURE_COLS.slice(1).map((c) => `n.${c}`).join(', ')})`,

    `INSERT INTO directory_structure (${STRUCTURE_COLS.join(', ')}, updated_at)
     SELECT ${STRUCTURE_COLS.map((c) => `n.${c}`).join(', ')}, now() FROM directory_import_structure n
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
