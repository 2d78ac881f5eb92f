import { sql, type Kysely } from 'kysely';

import type { Schema } from '../db/schema.js';
import type { ProfessionalRecord } from './professional.js';
import { exercicesJson } from './record-sql.js';

/**
 * "What did the mirror say about X on date D": imports never rewrite an activity in place — they
 * end it (`ended_at`) and start its successor (`started_at`) — and log each professional's change
 * in `directory_professional_change`. Both together rebuild any past record.
 */

export interface ProfessionalChange {
  importId: number;
  change: 'created' | 'updated' | 'ended' | 'reactivated';
  at: Date;
  fileName: string;
}

/**
 * One professional's change log: its lines, plus the "created" entry of a professional created by
 * a first load, which writes no line per professional (it is written for real, with the civilité
 * of creation, by the first import that changes them — apply-sql.ts).
 */
const changeLogOf = (nationalId: string) => sql`
  SELECT c.import_id, c.change, c.changed_at, c.code_civilite
  FROM directory_professional_change c WHERE c.national_id = ${nationalId}
  UNION ALL
  SELECT p.created_import_id, 'created', p.created_at, p.code_civilite
  FROM directory_professional p
  WHERE p.national_id = ${nationalId} AND p.created_import_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM directory_professional_change c WHERE c.national_id = p.national_id AND c.import_id = p.created_import_id)`;

/**
 * Every change imports made to one professional, oldest first.
 * @example await professionalHistory(db, '899700427885') // → [{ change: 'created', at, fileName, importId }]
 */
export async function professionalHistory(db: Kysely<Schema>, nationalId: string): Promise<ProfessionalChange[]> {
  const { rows } = await sql<{ importId: number | string; change: ProfessionalChange['change']; at: Date | string; fileName: string }>`
    SELECT l.import_id AS "importId", l.change, l.changed_at AS "at", i.file_name AS "fileName"
    FROM (${changeLogOf(nationalId)}) l JOIN directory_import i ON i.id = l.import_id
    ORDER BY l.changed_at, l.import_id`.execute(db);
  return rows.map((r) => ({ ...r, importId: Number(r.importId), at: new Date(r.at) }));
}

/**
 * The record as the mirror held it at `at` (same shape as loadProfessional), or undefined if the
 * professional had no current activity then.
 * @example const then = await professionalAt(db, '899700427885', new Date('2026-11-01'));
 */
export async function professionalAt(db: Kysely<Schema>, nationalId: string, at: Date): Promise<ProfessionalRecord | undefined> {
  const { rows } = await sql<ProfessionalRecord>`
    WITH state AS (
      SELECT change, code_civilite FROM (${changeLogOf(nationalId)}) l
      WHERE changed_at <= ${at}
      ORDER BY changed_at DESC, import_id DESC LIMIT 1
    )
    SELECT p.national_id AS "nationalId", p.type_identifiant_pp AS "idType", p.identifiant_pp AS "identifier",
           coalesce((SELECT code_civilite FROM state), p.code_civilite) AS "codeCivilite", x.exercices
    FROM directory_professional p
    ${exercicesJson(sql`a.started_at <= ${at} AND (a.ended_at IS NULL OR a.ended_at > ${at})`)}
    WHERE p.national_id = ${nationalId} AND p.created_at <= ${at}
      AND coalesce((SELECT change FROM state), 'created') <> 'ended'
      AND x.exercices IS NOT NULL`.execute(db);
  return rows[0];
}
