import type { ActivityRecord, ExerciceRecord, ProfessionalRecord } from '../../src/directory/professional.js';
import { ACTIVITY_FIELDS } from '../../src/directory/fields.js';

const emptyActivity = (): ActivityRecord =>
  Object.fromEntries(ACTIVITY_FIELDS.map((f) => [f.claim, ''])) as ActivityRecord;

export function activity(fields: Partial<ActivityRecord> = {}): ActivityRecord {
  return { ...emptyActivity(), ...fields };
}

/** The médecin of ../shared/reference/samples/userinfo-medecin.json, as the mirror holds him. */
export function medecin(nationalId = '899700427885'): ProfessionalRecord {
  const exercice: ExerciceRecord = {
    codeProfession: '10', codeCategorieProfessionnelle: 'C', codeCiviliteDexercice: 'DR',
    nomDexercice: 'DOC0042788', prenomDexercice: 'KIT', codeTypeSavoirFaire: 'S', codeSavoirFaire: 'SM26',
    activities: [
      activity({
        codeModeExercice: 'L', codeSecteurDactivite: 'SA07', identifiantTechniqueDeLaStructure: 'R102671',
        raisonSocialeSite: 'CABINET M DOC0042788', complementDestinataire: 'CABINET M DOC', numeroVoie: '1',
        codeTypeDeVoie: 'R', libelleVoie: 'NOIR', bureauCedex: '75009 PARIS', codePostal: '75009', codePays: '99000',
        ancienIdentifiantDeLaStructure: '499700427885006', autoriteDenregistrement: 'CNOM/CNOM/CNOM',
      }),
      activity({
        codeModeExercice: 'S', codeSecteurDactivite: 'SA01', numeroFinessSite: '0B0193488',
        numeroFinessetablissementJuridique: '1B0064166', identifiantTechniqueDeLaStructure: 'F0B0193488',
        raisonSocialeSite: 'HOPITAL GENERIQUE  FIN VARI', numeroVoie: '10', codeTypeDeVoie: 'R', libelleVoie: 'DE PARIS',
        bureauCedex: 'PARIS', codePostal: '75009', ancienIdentifiantDeLaStructure: '10B0193488',
        autoriteDenregistrement: 'CNOM/CNOM/ARS',
      }),
    ],
  };
  return { nationalId, idType: '8', identifier: nationalId.slice(1), codeCivilite: 'M', exercices: [exercice] };
}
