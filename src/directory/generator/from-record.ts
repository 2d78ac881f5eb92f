import { ACTIVITY_FIELDS, EXERCICE_FIELDS } from '../fields.js';
import type { ProfessionalRecord } from '../professional.js';
import type { ExtractRow, GeneratedProfessional } from './professionals.js';

/**
 * The extract rows that describe a given record (one row per activity, the exercice's savoir-faire
 * on each): the inverse of the importer, used by the demo seed and by tests that compare an
 * imported professional with a known PSC shape. `extraSavoirFaire` adds rows the importer must fold.
 */
export function rowsOfRecord(p: ProfessionalRecord, extraSavoirFaire: { type: string; code: string }[] = []): GeneratedProfessional {
  const rows: ExtractRow[] = [];
  for (const e of p.exercices) {
    const exercice: ExtractRow = Object.fromEntries(EXERCICE_FIELDS.map((f) => [f.column, e[f.claim]]));
    for (const a of e.activities) {
      const activity: ExtractRow = Object.fromEntries(ACTIVITY_FIELDS.map((f) => [f.column, a[f.claim]]));
      const base = {
        type_identifiant_pp: p.idType, identifiant_pp: p.identifier, identification_nationale_pp: p.nationalId,
        code_civilite: p.codeCivilite, ...exercice, ...activity,
      };
      rows.push(base);
      for (const sf of extraSavoirFaire) rows.push({ ...base, code_type_savoir_faire: sf.type, code_savoir_faire: sf.code });
    }
  }
  return { nationalId: p.nationalId, kind: 'autre', rows };
}
