import { sql, type Kysely } from 'kysely';

import type { Schema } from '../db/schema.js';
import { ACTIVITY_FIELDS, EXERCICE_FIELDS } from './fields.js';
import type { ProfessionalRecord } from './professional.js';
import { exercicesJson } from './record-sql.js';

/** OIDs PSC appends to codes (psc-contract.md §10.2): copied verbatim. */
export const ROLE_OID = '1.2.250.1.213.1.1.5.5';
export const SECTEUR_OID = '1.2.250.1.71.4.2.4';

/** Constant PSC fields, as in every capture. */
export const PSC_CONSTANTS = {
  PSI_Locale: '1.2.250.1.213.1.3.1.1',
  Palier_Authentification: 'APPPRIP3^1.2.250.1.213.1.5.1.1.1',
  Acces_Regulation_Medicale: 'FAUX',
  Mode_Acces_Raison: '',
  UITVersion: '1.0',
} as const;

/** TRE_G08 identifier type → `otherIds[].origine` (ansforge/psc-ps-api). */
const ORIGINE: Record<string, string> = {
  '0': 'ADELI', '1': 'CAB_ADELI', '3': 'FINESS', '4': 'SIREN', '5': 'SIRET', '6': 'CAB_RPPS', '8': 'RPPS',
};

export type AuthMode = 'CARD' | 'MOBILE';

/** The PSC claims of scope `scope_all` that go into the ID token too (psc-contract.md §9). */
export const ID_TOKEN_CLAIMS = ['SubjectNameID', 'preferred_username', 'given_name', 'family_name'] as const;

/** Every PSC claim released by scope `scope_all`. */
export const SCOPE_ALL_CLAIMS = [
  'SubjectNameID', 'preferred_username', 'given_name', 'family_name', 'SubjectRefPro', 'SubjectRole',
  'SubjectOrganization', 'SubjectOrganizationID', 'Secteur_Activite', 'otherIds', 'authMode',
  'codeCivilite', 'codeGenreActivite', ...Object.keys(PSC_CONSTANTS),
] as const;

/** The professional with at least one current activity, or undefined. */
export async function loadProfessional(db: Kysely<Schema>, nationalId: string): Promise<ProfessionalRecord | undefined> {
  // One round trip: the professional, their exercices and their current activities as JSON.
  const { rows } = await sql<ProfessionalRecord>`
    SELECT p.national_id AS "nationalId", p.type_identifiant_pp AS "idType", p.identifiant_pp AS "identifier",
           p.code_civilite AS "codeCivilite", x.exercices
    FROM directory_professional p
    ${exercicesJson(sql`a.ended_at IS NULL`)}
    WHERE p.national_id = ${nationalId} AND p.deactivated_at IS NULL AND x.exercices IS NOT NULL`.execute(db);
  return rows[0];
}

export function subjectOf(subjectUuid: string, nationalId: string): string {
  return `f:${subjectUuid}:${nationalId}`;
}

/** The national id inside a PSC `sub` (`f:<uuid>:<idNat>`), or undefined. */
export function nationalIdOf(sub: string): string | undefined {
  const m = /^f:[0-9a-f-]{36}:(.+)$/i.exec(sub);
  return m?.[1];
}

/**
 * The claims PSC releases for scope `scope_all`, shaped as PSC shapes them: every SubjectRefPro
 * leaf a string, `""` never null, arrays never null (psc-contract.md §10).
 */
export function buildPscClaims(p: ProfessionalRecord, authMode: AuthMode, subjectUuid: string): Record<string, unknown> {
  const first = p.exercices[0];
  const firstActivity = p.exercices.flatMap((e) => e.activities)[0];
  const roles = [...new Set(p.exercices.map((e) => `${e.codeProfession}^${ROLE_OID}`))];
  return {
    sub: subjectOf(subjectUuid, p.nationalId),
    SubjectNameID: p.nationalId,
    preferred_username: p.nationalId,
    given_name: first?.prenomDexercice ?? '',
    family_name: first?.nomDexercice ?? '',
    SubjectOrganization: firstActivity?.raisonSocialeSite ?? '',
    SubjectOrganizationID: firstActivity?.identifiantTechniqueDeLaStructure ?? '',
    SubjectRole: roles,
    Secteur_Activite: firstActivity?.codeSecteurDactivite ? `${firstActivity.codeSecteurDactivite}^${SECTEUR_OID}` : '',
    ...PSC_CONSTANTS,
    authMode,
    otherIds: [{ identifiant: p.nationalId, origine: ORIGINE[p.idType] ?? 'RPPS', qualite: 1 }],
    codeCivilite: p.codeCivilite,
    codeGenreActivite: firstActivity?.codeGenreActivite ?? '',
    SubjectRefPro: {
      codeCivilite: p.codeCivilite,
      exercices: p.exercices.map((e) => ({
        ...Object.fromEntries(EXERCICE_FIELDS.map((f) => [f.claim, e[f.claim] ?? ''])),
        activities: e.activities.map((a) => Object.fromEntries(ACTIVITY_FIELDS.map((f) => [f.claim, a[f.claim] ?? '']))),
      })),
    },
  };
}
