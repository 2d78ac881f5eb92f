import type { ActivityClaimKey, ExerciceClaimKey } from './fields.js';

/**
 * A professional as the mirror holds them, in PSC vocabulary: what the claims are built from,
 * and what the directory writers (importer, seed, tests) put in.
 */
export type ActivityRecord = Record<ActivityClaimKey, string>;

export type ExerciceRecord = Record<ExerciceClaimKey, string> & {
  activities: ActivityRecord[];
};

export interface ProfessionalRecord {
  /** IDNPS: type prefix + identifier (`8` + RPPS, `0` + ADELI). */
  nationalId: string;
  /** TRE_G08 type of identifier: `8` RPPS, `0` ADELI. */
  idType: string;
  /** RPPS (11 digits) or ADELI (9 digits). */
  identifier: string;
  codeCivilite: string;
  exercices: ExerciceRecord[];
}
