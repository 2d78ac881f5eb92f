import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { sql, type Kysely } from 'kysely';

import { projectRoot } from '../config/settings.js';
import type { Schema } from '../db/schema.js';

/**
 * The code tables (TRE_…) used by claims and validation, shipped as JSON in `nomenclatures/` at the
 * project root and loaded into `directory_nomenclature`. Labels come from the ANS terminology IG
 * (see ../shared/reference/annuaire-extract.md §5/§7).
 */

export interface NomenclatureCode {
  code: string;
  label: string;
  deprecated?: string;
}

export interface Nomenclature {
  system: string;
  oid: string;
  codes: NomenclatureCode[];
}

export const nomenclaturesDir = path.join(projectRoot, 'nomenclatures');

/** Which code systems a column's codes may come from (the JDV value sets of the RASS). */
export const CODE_SYSTEMS_OF_COLUMN: Readonly<Record<string, readonly string[]>> = {
  type_identifiant_pp: ['TRE_G08-TypeIdentifiantPersonne'],
  code_profession: ['TRE_G15-ProfessionSante', 'TRE_R94-ProfessionSocial', 'TRE_R95-UsagerTitre', 'TRE_R291-AutreProfession'],
  code_categorie_professionnelle: ['TRE_R09-CategorieProfessionnelle'],
  code_type_savoir_faire: ['TRE_R04-TypeSavoirFaire'],
  code_mode_exercice: ['TRE_R23-ModeExercice'],
  code_secteur_activite: ['TRE_R02-SecteurActivite'],
  code_section_tableau_pharmaciens: ['TRE_R06-SectionTableauCNOP', 'TRE_G05-SousSectionTableauCNOP'],
  code_role: ['TRE_R21-Fonction', 'TRE_R85-RolePriseCharge', 'TRE_R96-AutreFonctionSanitaire'],
  code_genre_activite: ['TRE_R22-GenreActivite'],
};

let cached: Nomenclature[] | undefined;

/** Every shipped code table, read once from disk. */
export function readNomenclatures(dir = nomenclaturesDir): Nomenclature[] {
  if (dir === nomenclaturesDir && cached) return cached;
  const tables = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Nomenclature);
  if (dir === nomenclaturesDir) cached = tables;
  return tables;
}

/** The label of a code in a system, or '' (the generator and `directory show` use it). */
export function labelOf(system: string, code: string): string {
  return readNomenclatures().find((n) => n.system === system)?.codes.find((c) => c.code === code)?.label ?? '';
}

/**
 * Loads (upserts) the shipped code tables into `directory_nomenclature`; idempotent, so every
 * import runs it and a new release's tables take effect without a migration.
 * @example await loadNomenclatures(database.db) // → 350 (codes loaded)
 */
export async function loadNomenclatures(db: Kysely<Schema>): Promise<number> {
  const rows = readNomenclatures().flatMap((n) => n.codes.map((c) => ({ system: n.system, code: c.code, label: c.label, deprecated: c.deprecated ?? '' })));
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500) {
      await trx.insertInto('directory_nomenclature').values(rows.slice(i, i + 500))
        .onConflict((oc) => oc.columns(['system', 'code']).doUpdateSet({ label: sql`excluded.label`, deprecated: sql`excluded.deprecated` }))
        .execute();
    }
  });
  return rows.length;
}
