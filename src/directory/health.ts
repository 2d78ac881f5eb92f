import { sql, type Kysely } from 'kysely';

import type { Schema } from '../db/schema.js';

/** Readiness: the mirror holds at least one professional who can log in. */
export async function mirrorLoaded(db: Kysely<Schema>): Promise<true | string> {
  const row = await db.selectFrom('directory_professional').select('national_id').where('deactivated_at', 'is', null).limit(1).executeTakeFirst();
  return row ? true : 'the Annuaire Santé mirror is empty: run `openpsc directory import <file>`';
}

/** Seconds since the last applied import, undefined before the first one. */
export async function lastImportAgeSeconds(db: Kysely<Schema>): Promise<number | undefined> {
  const row = await db.selectFrom('directory_import').select(sql<Date | null>`max(applied_at)`.as('at')).where('status', '=', 'applied').executeTakeFirst();
  return row?.at ? Math.max(0, (Date.now() - new Date(row.at).getTime()) / 1000) : undefined;
}

export async function activeProfessionals(db: Kysely<Schema>): Promise<number> {
  const row = await db.selectFrom('directory_professional').select(sql<number>`count(*)`.as('n')).where('deactivated_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}
