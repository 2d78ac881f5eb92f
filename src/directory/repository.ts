import { sql, type Kysely, type Transaction } from 'kysely';

import type { Schema } from '../db/schema.js';
import { ACTIVITY_FIELDS, EXERCICE_FIELDS } from './fields.js';
import type { ActivityRecord, ExerciceRecord, ProfessionalRecord } from './professional.js';

type Db = Kysely<Schema> | Transaction<Schema>;

function exerciceRow(nationalId: string, ord: number, e: ExerciceRecord) {
  const row: Record<string, string | number> = { national_id: nationalId, ord };
  for (const f of EXERCICE_FIELDS) row[f.column] = e[f.claim] ?? '';
  return row;
}

function activityRow(nationalId: string, exerciceOrd: number, ord: number, a: ActivityRecord) {
  const row: Record<string, string | number> = { national_id: nationalId, exercice_ord: exerciceOrd, ord };
  for (const f of ACTIVITY_FIELDS) row[f.column] = a[f.claim] ?? '';
  return row;
}

/**
 * Writes one professional with all their exercices and activities, replacing what the mirror
 * held for them, in one transaction (readers see the old record or the new one).
 */
export async function saveProfessional(db: Kysely<Schema>, p: ProfessionalRecord): Promise<void> {
  await db.transaction().execute((trx) => saveProfessionalIn(trx, p));
}

export async function saveProfessionalIn(trx: Db, p: ProfessionalRecord): Promise<void> {
  await trx
    .insertInto('directory_professional')
    .values({
      national_id: p.nationalId,
      type_identifiant_pp: p.idType,
      identifiant_pp: p.identifier,
      code_civilite: p.codeCivilite,
      deactivated_at: null,
    })
    .onConflict((oc) => oc.column('national_id').doUpdateSet({
      type_identifiant_pp: p.idType,
      identifiant_pp: p.identifier,
      code_civilite: p.codeCivilite,
      deactivated_at: null,
      // Written by hand: the next import must compare the file with this record afresh.
      content_hash: null,
      updated_at: sql`now()`,
    }))
    .execute();
  // No cascading foreign keys (migrations/0101): children go explicitly.
  await trx.deleteFrom('directory_activity').where('national_id', '=', p.nationalId).execute();
  await trx.deleteFrom('directory_exercice').where('national_id', '=', p.nationalId).execute();
  const exercices = p.exercices.map((e, i) => exerciceRow(p.nationalId, i, e));
  if (exercices.length) await trx.insertInto('directory_exercice').values(exercices as never).execute();
  const activities = p.exercices.flatMap((e, i) => e.activities.map((a, j) => activityRow(p.nationalId, i, j, a)));
  if (activities.length) await trx.insertInto('directory_activity').values(activities as never).execute();
}

/** Marks every activity of a professional ended: they can no longer log in. */
export async function endActivities(db: Db, nationalId: string, at = new Date()): Promise<void> {
  await db.updateTable('directory_activity').set({ ended_at: at }).where('national_id', '=', nationalId).where('ended_at', 'is', null).execute();
}

/** Marks a professional absent from the directory (soft delete). */
export async function deactivateProfessional(db: Db, nationalId: string, at = new Date()): Promise<void> {
  await db.updateTable('directory_professional').set({ deactivated_at: at }).where('national_id', '=', nationalId).execute();
}
