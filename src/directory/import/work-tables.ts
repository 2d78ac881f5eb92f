import { ACTIVITY_COLUMNS, EXERCICE_COLUMNS, STRUCTURE_COLUMNS } from './normalizer.js';
import { STAGING_TABLE } from './staging.js';

/**
 * The tables an import works in. None is read by the IdP; all are rebuilt by each run, so a run
 * killed half-way leaves nothing the next run does not drop first.
 *
 * - Daily sync: UNLOGGED staging tables (nothing to recover after a crash, no WAL) holding every
 *   professional's content hash and the normalized records of the new or changed ones.
 * - First load: `<mirror table>__next`, real tables built beside the empty mirror and swapped in
 *   by rename (see rebuild.ts).
 */

export const PROFESSIONAL_TABLE = 'directory_staging_professional';
export const EXERCICE_TABLE = 'directory_staging_exercice';
export const ACTIVITY_TABLE = 'directory_staging_activity';
export const STRUCTURE_TABLE = 'directory_staging_structure';
/** Left by an interrupted first load of earlier versions (they staged its change log): still dropped. */
const LEGACY_CHANGE_TABLE = 'directory_staging_change';

export const MIRROR_TABLES = ['directory_professional', 'directory_exercice', 'directory_activity', 'directory_structure'] as const;
export const NEXT_SUFFIX = '__next';

// Identifiers in COLLATE "C", as in the mirror (migration 0102): joins compare like with like.
const ID = `text COLLATE "C" NOT NULL`;
const text = (columns: readonly string[]) => columns.map((c) => `${c} ${c === 'identifiant_technique_structure' ? ID : 'text NOT NULL'} DEFAULT ''`).join(', ');

export const CREATE_SYNC_TABLES_SQL = [
  `CREATE UNLOGGED TABLE ${PROFESSIONAL_TABLE} (national_id ${ID}, type_identifiant_pp text NOT NULL, identifiant_pp text NOT NULL, code_civilite text NOT NULL, content_hash text NOT NULL)`,
  `CREATE UNLOGGED TABLE ${EXERCICE_TABLE} (national_id ${ID}, ord integer NOT NULL, ${text(EXERCICE_COLUMNS)})`,
  `CREATE UNLOGGED TABLE ${ACTIVITY_TABLE} (national_id ${ID}, exercice_ord integer NOT NULL, ord integer NOT NULL, ${text(ACTIVITY_COLUMNS)})`,
  `CREATE UNLOGGED TABLE ${STRUCTURE_TABLE} (${text(STRUCTURE_COLUMNS)})`,
];

/** After the load: statistics for the planner (hash joins of 1.5 M hashes against the mirror; no index is worth its build). */
export const ANALYZE_SYNC_TABLES_SQL = [
  ...[PROFESSIONAL_TABLE, EXERCICE_TABLE, ACTIVITY_TABLE, STRUCTURE_TABLE].map((t) => `ANALYZE ${t}`),
];

export const DROP_WORK_TABLES_SQL = [
  STAGING_TABLE, PROFESSIONAL_TABLE, EXERCICE_TABLE, ACTIVITY_TABLE, STRUCTURE_TABLE, LEGACY_CHANGE_TABLE,
  ...MIRROR_TABLES.map((t) => `${t}${NEXT_SUFFIX}`),
].map((t) => `DROP TABLE IF EXISTS ${t}`);
