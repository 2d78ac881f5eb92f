import { ACTIVITY_FIELDS, EXERCICE_FIELDS, IDENTITY_FIELDS } from '../fields.js';
import { CODE_SYSTEMS_OF_COLUMN } from '../nomenclatures.js';
import { STAGING_TABLE } from './staging.js';

/**
 * Set-based SQL run on the staging table before the switch: row validation, one row per
 * professional with a content hash, and the unknown-codes report. These statements only build
 * work tables (UNLOGGED, rebuilt by each run), so they can be re-run after an interruption.
 */

export const INVALID_TABLE = 'directory_staging_invalid';
export const PROFESSIONAL_TABLE = 'directory_staging_professional';

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const header = (column: string) =>
  [...IDENTITY_FIELDS, ...EXERCICE_FIELDS, ...ACTIVITY_FIELDS].find((f) => f.column === column)!.header;

// Each rule: the column checked and the condition under which its value is invalid.
// RPPS and ADELI lengths follow annuaire-extract.md §5; FINESS is 9 characters, letters allowed (2A/2B).
// Character classes are checked with ltrim(value, allowed) = '' — a plain C loop, several times
// cheaper than a regular expression over 2 M rows.
const DIGITS = '0123456789';
const ALNUM = `${DIGITS}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
const notOf = (column: string, length: number, allowed: string) => `(length(${column}) <> ${length} OR ltrim(${column}, '${allowed}') <> '')`;
const RULES: readonly [column: string, invalid: string][] = [
  ['identification_nationale_pp', `identification_nationale_pp = ''`],
  ['type_identifiant_pp', `type_identifiant_pp NOT IN ('0', '8')`],
  ['identifiant_pp', `type_identifiant_pp = '8' AND ${notOf('identifiant_pp', 11, DIGITS)}`],
  ['identifiant_pp', `type_identifiant_pp = '0' AND ${notOf('identifiant_pp', 9, ALNUM)}`],
  ['identification_nationale_pp', `identification_nationale_pp <> type_identifiant_pp || identifiant_pp`],
  ['numero_finess_site', `numero_finess_site <> '' AND ${notOf('numero_finess_site', 9, ALNUM)}`],
  ['numero_finess_etablissement_juridique', `numero_finess_etablissement_juridique <> '' AND ${notOf('numero_finess_etablissement_juridique', 9, ALNUM)}`],
];

const INVALID_ROW = RULES.map(([, cond]) => `(${cond})`).join(' OR ');

/** Rows whose identifiers are invalid, with the first offending field (header name) and value. */
export const FIND_INVALID_ROWS_SQL = [`DROP TABLE IF EXISTS ${INVALID_TABLE}`, `
CREATE UNLOGGED TABLE ${INVALID_TABLE} AS
SELECT line_no,
  CASE ${RULES.map(([c, cond]) => `WHEN ${cond} THEN ${lit(header(c))}`).join(' ')} END AS field,
  CASE ${RULES.map(([c, cond]) => `WHEN ${cond} THEN ${c}`).join(' ')} END AS value
FROM ${STAGING_TABLE}
-- One cheap OR per row; the CASEs run only on the (rare) invalid rows.
WHERE ${INVALID_ROW}`];

export const DELETE_INVALID_ROWS_SQL = `DELETE FROM ${STAGING_TABLE} s USING ${INVALID_TABLE} i WHERE s.line_no = i.line_no`;

/** What the claims are built from, in a fixed order: the content hash covers exactly these. */
const HASHED_COLUMNS = ['code_civilite', ...EXERCICE_FIELDS.map((f) => f.column), ...ACTIVITY_FIELDS.map((f) => f.column)];

/**
 * One row per professional of the new file. The hash covers the claim columns of all their rows
 * in file order: equal hash ⇒ same record, so the diff never has to compare activities.
 * Aggregates read a sorted subquery instead of `agg(… ORDER BY line_no)`: one sort of the whole
 * table instead of one per group (PostgreSQL keeps the subquery order for plain aggregation), and
 * that sort carries a 16-byte row hash rather than the row (2 M wide rows would spill to disk).
 */
export const STAGE_PROFESSIONALS_SQL = [`DROP TABLE IF EXISTS ${PROFESSIONAL_TABLE}`, `
CREATE UNLOGGED TABLE ${PROFESSIONAL_TABLE} AS
SELECT identification_nationale_pp AS national_id,
       -- valid rows only, so national id = type digit + identifier
       left(identification_nationale_pp, 1) AS type_identifiant_pp,
       substr(identification_nationale_pp, 2) AS identifiant_pp,
       (array_agg(code_civilite))[1] AS code_civilite,
       md5(string_agg(row_hash, '')) AS content_hash
FROM (
  SELECT identification_nationale_pp, code_civilite,
         decode(md5(concat_ws('|', ${HASHED_COLUMNS.join(', ')})), 'hex') AS row_hash
  FROM ${STAGING_TABLE}
  -- Invalid rows are found (and then skipped or refused) by FIND_INVALID_ROWS_SQL, concurrently.
  WHERE NOT (${INVALID_ROW})
  ORDER BY identification_nationale_pp, line_no
) file_order
GROUP BY identification_nationale_pp`,
  `ALTER TABLE ${PROFESSIONAL_TABLE} ADD PRIMARY KEY (national_id)`,
  `ANALYZE ${PROFESSIONAL_TABLE}`];

const CODED = Object.keys(CODE_SYSTEMS_OF_COLUMN);

/**
 * Codes of the file absent from the shipped code tables, with their row counts: one scan of
 * staging (grouping sets), then a lookup per distinct code.
 */
export const UNKNOWN_CODES_SQL = `
WITH used AS (
  SELECT ${CODED.map((c) => `${c}`).join(', ')}, count(*) AS n
  FROM ${STAGING_TABLE}
  GROUP BY GROUPING SETS (${CODED.map((c) => `(${c})`).join(', ')})
), flat AS (
  ${CODED.map((c) => `SELECT ${lit(c)} AS "column", ${c} AS code, n FROM used WHERE ${c} IS NOT NULL AND ${c} <> ''`).join('\n  UNION ALL ')}
)
SELECT f."column", f.code, f.n::bigint AS rows FROM flat f
WHERE NOT EXISTS (
  SELECT 1 FROM directory_nomenclature n WHERE n.code = f.code AND n.system = ANY (CASE f."column"
    ${CODED.map((c) => `WHEN ${lit(c)} THEN ARRAY[${CODE_SYSTEMS_OF_COLUMN[c]!.map(lit).join(', ')}]`).join('\n    ')}
  END))
ORDER BY f."column", rows DESC`;

export const DROP_WORK_TABLES_SQL = [STAGING_TABLE, INVALID_TABLE, PROFESSIONAL_TABLE].map((t) => `DROP TABLE IF EXISTS ${t}`);
