import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Database } from '../db/database.js';
import { ACTIVITY_FIELDS } from './fields.js';
import { rowsOfRecord } from './generator/from-record.js';
import { testAdeli, testFiness, testRpps } from './generator/identifiers.js';
import { generateProfessional } from './generator/professionals.js';
import { writeExtract } from './generator/write-extract.js';
import { importExtract } from './import/importer.js';
import type { ActivityRecord, ExerciceRecord, ProfessionalRecord } from './professional.js';

const DEMO_SEED = 'openpsc-demo';

export interface DemoProfessional {
  nationalId: string;
  description: string;
}

/** An activity with every PSC field, "" where not given. */
export const activity = (fields: Partial<ActivityRecord> = {}): ActivityRecord =>
  ({ ...Object.fromEntries(ACTIVITY_FIELDS.map((f) => [f.claim, ''])), ...fields }) as ActivityRecord;

const exercice = (fields: Omit<ExerciceRecord, 'activities'>, activities: ActivityRecord[]): ExerciceRecord => ({ ...fields, activities });

/** The médecin of ../shared/reference/samples/userinfo-medecin.json, with his two activities. */
export function sampleMedecin(nationalId = '899700427885'): ProfessionalRecord {
  return {
    nationalId, idType: nationalId[0]!, identifier: nationalId.slice(1), codeCivilite: 'M',
    exercices: [exercice({
      codeProfession: '10', codeCategorieProfessionnelle: 'C', codeCiviliteDexercice: 'DR', nomDexercice: 'DOC0042788',
      prenomDexercice: 'KIT', codeTypeSavoirFaire: 'S', codeSavoirFaire: 'SM26',
    }, [
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
        bureauCedex: 'PARIS', codePostal: '75009', ancienIdentifiantDeLaStructure: '10B0193488', autoriteDenregistrement: 'CNOM/CNOM/ARS',
      }),
    ])],
  };
}

function person(idType: '8' | '0', identifier: string, codeCivilite: string, e: Omit<ExerciceRecord, 'activities'>, activities: ActivityRecord[]): ProfessionalRecord {
  return { nationalId: idType + identifier, idType, identifier, codeCivilite, exercices: [exercice(e, activities)] };
}

/** The named demo people, in file order (the generated population follows). */
export function demoProfessionals(): { record: ProfessionalRecord; description: string }[] {
  const ehpad = testFiness('75', 300_001);
  const officine = testFiness('69', 100_001);
  return [
    { record: sampleMedecin(), description: 'Médecin généraliste (SM26), cabinet libéral + hôpital — the PSC sample userinfo' },
    {
      record: person('8', testRpps(9_999_001), 'MME', {
        codeProfession: '99', codeCategorieProfessionnelle: 'C', codeCiviliteDexercice: '', nomDexercice: "N'DIAYE",
        prenomDexercice: 'Aïcha', codeTypeSavoirFaire: '', codeSavoirFaire: '',
      }, [activity({
        codeModeExercice: 'S', codeSecteurDactivite: 'SA17', codeRole: '313', codeGenreActivite: 'GENR11',
        numeroFinessSite: ehpad, numeroFinessetablissementJuridique: testFiness('75', 700_001), identifiantTechniqueDeLaStructure: `F${ehpad}`,
        raisonSocialeSite: 'EHPAD LES "GLYCINES"', numeroVoie: '12', codeTypeDeVoie: 'R', libelleVoie: 'DES LILAS', bureauCedex: '75013 PARIS',
        codePostal: '75013', codeCommune: '75113', codeDepartement: '75', ancienIdentifiantDeLaStructure: `1${ehpad}`, autoriteDenregistrement: 'ENREG/ENREG/ENREG',
      })]),
      description: 'Aide-soignante RPPS+ (profession 99, rôle 313, GENR11) in an EHPAD',
    },
    {
      record: person('8', testRpps(9_999_002), 'M', {
        codeProfession: '21', codeCategorieProfessionnelle: 'C', codeCiviliteDexercice: 'DR', nomDexercice: 'LEFÈVRE',
        prenomDexercice: 'Benoît', codeTypeSavoirFaire: '', codeSavoirFaire: '',
      }, [activity({
        codeModeExercice: 'L', codeSecteurDactivite: 'SA33', codeSectionPharmacien: 'A', codeRole: 'FON-03', codeGenreActivite: 'GENR01',
        numeroFinessSite: officine, identifiantTechniqueDeLaStructure: `F${officine}`, raisonSocialeSite: 'PHARMACIE DE LA RÉPUBLIQUE',
        numeroVoie: '3', codeTypeDeVoie: 'PL', libelleVoie: 'DE LA RÉPUBLIQUE', bureauCedex: '69003 LYON', codePostal: '69003',
        codeCommune: '69383', codeDepartement: '69', ancienIdentifiantDeLaStructure: `1${officine}`, autoriteDenregistrement: 'CNOP/CNOP/CNOP',
      })]),
      description: "Pharmacien titulaire d'officine (section A, FON-03)",
    },
    {
      record: person('0', testAdeli('13', '93', 1), 'MME', {
        codeProfession: '93', codeCategorieProfessionnelle: 'C', codeCiviliteDexercice: '', nomDexercice: 'HÉLIAS',
        prenomDexercice: 'Gaëlle', codeTypeSavoirFaire: '', codeSavoirFaire: '',
      }, [activity({
        codeModeExercice: 'L', codeSecteurDactivite: 'SA07', codeGenreActivite: 'GENR01', identifiantTechniqueDeLaStructure: 'R10000000130931',
        raisonSocialeSite: 'CABINET MME HÉLIAS', numeroVoie: '8', codeTypeDeVoie: 'BD', libelleVoie: 'GAMBETTA', bureauCedex: '13005 MARSEILLE',
        codePostal: '13005', codeCommune: '13205', codeDepartement: '13', autoriteDenregistrement: 'ARS/ARS/ARS',
      })]),
      description: 'Psychologue with an ADELI number only (identifier type 0)',
    },
  ];
}

/**
 * Seeds the mirror of a fresh machine through the real importer: the named demo people plus a
 * small generated population (deterministic). Re-running it is a no-op (same file checksum).
 * @example
 *   const people = await seedDemoDirectory(database, { professionals: 200 });
 *   // → [{ nationalId: '899700427885', description: 'Médecin généraliste …' }, …]
 */
export async function seedDemoDirectory(database: Database, options: { professionals?: number } = {}): Promise<DemoProfessional[]> {
  const named = demoProfessionals();
  const dir = await mkdtemp(path.join(tmpdir(), 'openpsc-demo-'));
  const file = path.join(dir, 'PS_LibreAcces_Personne_activite_202601010000.txt');
  try {
    const count = options.professionals ?? 200;
    await writeExtract(file, { seed: DEMO_SEED, professionals: count, leading: named.map((n) => rowsOfRecord(n.record)) });
    await importExtract(database, file, { force: true });
    return [
      ...named.map((n) => ({ nationalId: n.record.nationalId, description: n.description })),
      ...(count ? [{ nationalId: generateProfessional(DEMO_SEED, 0).nationalId, description: `first of ${count} generated professionals (RPPS test range 997…)` }] : []),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
