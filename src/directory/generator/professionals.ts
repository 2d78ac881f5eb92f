import { labelOf } from '../nomenclatures.js';
import { testAdeli, testFiness, testRpps, testSiren, testSiret } from './identifiers.js';
import { Random } from './random.js';
import { FIRST_NAMES, HOSPITAL_NAMES, PLACES, STREET_TYPES, STREETS, SURNAMES } from './vocabulary.js';

/**
 * One generated professional as extract rows (staging column → value). A pure function of
 * (seed, index, version): the same person comes out of every run, and version 'changed' is the
 * same person with a modified record (the "next day" file).
 */
export type ExtractRow = Record<string, string>;

export interface GeneratedProfessional {
  nationalId: string;
  kind: ProfileKind;
  rows: ExtractRow[];
}

export type ProfileKind = 'medecin' | 'pharmacien' | 'infirmier' | 'kine' | 'dentiste' | 'sage-femme' | 'rpps-plus' | 'adeli' | 'autre';

const KINDS: readonly (readonly [ProfileKind, number])[] = [
  ['medecin', 22], ['infirmier', 26], ['kine', 9], ['pharmacien', 7], ['dentiste', 4], ['sage-femme', 2],
  ['rpps-plus', 12], ['adeli', 8], ['autre', 10],
];

const SPECIALTIES = [
  ['SM26', 'Qualifié en Médecine Générale'], ['SM53', 'Spécialiste en Médecine Générale'], ['SM04', 'Cardiologie et maladies vasculaires'],
  ['SM42', 'Psychiatrie'], ['SM40', 'Pédiatrie'], ['SM02', 'Anesthésie-réanimation'], ['SM19', 'Gynécologie-obstétrique'], ['SM54', 'Radio-diagnostic'],
] as const;
const OTHER_SAVOIR_FAIRE = [
  ['CAPA', 'CAPA05', 'Médecine d\'urgence'], ['C', 'CMG01', 'Médecine du sport'], ['DEC', 'DEC12', 'Allergologie'],
  ['FQ', 'FQ01', 'Médecine thermale'], ['OP', 'OP03', 'Acupuncture'], ['SST', 'FST07', 'Médecine scolaire'],
] as const;
const AUTRES = ['91', '92', '80', '28', '26', '98', '95', '96', '94'];
const ADELI_PROFESSIONS = ['93', '71', '72', '73'];
const RPPS_PLUS_ROLES = ['313', '314', '315', '317', '326', '328', '331', '332', '359', '360', '371', '372'];
const RPPS_PLUS_GENRES = ['GENR08', 'GENR09', 'GENR10', 'GENR11', 'GENR12', 'GENR13'];
const AUTHORITY: Record<string, string> = {
  '10': 'CNOM/CNOM/CNOM', '21': 'CNOP/CNOP/CNOP', '40': 'CNOCD/CNOCD/CNOCD', '50': 'CNOSF/CNOSF/CNOSF',
  '60': 'ONI/ONI/ONI', '70': 'CNOMK/CNOMK/CNOMK', '80': 'CNOPP/CNOPP/CNOPP', '99': 'ENREG/ENREG/ENREG',
};

const label = (system: string, code: string) => (code ? labelOf(system, code) : '');

interface Identity {
  idType: string;
  identifier: string;
  civ: 'M' | 'MME';
  nom: string;
  prenom: string;
}

/** A professional's base rows; `changed` alters them the way a daily update would. */
export function generateProfessional(seed: number | string, index: number, version: 'base' | 'changed' = 'base'): GeneratedProfessional {
  const r = new Random(seed, index, 'person');
  const kind = r.weighted(KINDS);
  const civ = r.chance(0.55) ? 'MME' : 'M';
  const identity: Identity = {
    idType: kind === 'adeli' ? '0' : '8',
    identifier: kind === 'adeli' ? adeliOf(index) : testRpps(index),
    civ,
    nom: r.pick(SURNAMES) + (r.chance(0.08) ? `-${r.pick(SURNAMES)}` : ''),
    prenom: r.pick(FIRST_NAMES),
  };
  const exercices = exercicesOf(kind, r);
  const activities = 1 + r.weighted([[0, 70], [1, 22], [2, 8]] as const);
  const rows: ExtractRow[] = [];
  exercices.forEach((ex, e) => {
    for (let a = 0; a < (e === 0 ? activities : 1); a += 1) {
      const act = activityOf(kind, ex.profession, identity, index, e * 10 + a, r);
      if (version === 'changed' && e === 0 && a === 0) act.telephone = `09${new Random(seed, index, 'phone').digits(8)}`;
      for (const sf of ex.savoirFaire) rows.push({ ...identityColumns(identity), ...ex.columns, ...sf, ...act });
    }
  });
  if (version === 'changed' && new Random(seed, index, 'extra').chance(0.3)) {
    const ex = exercices[0]!;
    const act = activityOf(kind, ex.profession, identity, index, 99, new Random(seed, index, 'extra-site'));
    for (const sf of ex.savoirFaire) rows.push({ ...identityColumns(identity), ...ex.columns, ...sf, ...act });
  }
  return { nationalId: identity.idType + identity.identifier, kind, rows };
}

function adeliOf(index: number): string {
  // Unique per index up to 97 million: département (97, then 96… per million) + 6-digit sequence + Luhn digit (9 digits).
  const departement = String(97 - Math.floor(index / 1e6)).padStart(2, '0');
  return testAdeli(departement, String(Math.floor(index / 1e4) % 100).padStart(2, '0'), index % 1e4);
}

function identityColumns(p: Identity): ExtractRow {
  return {
    type_identifiant_pp: p.idType, identifiant_pp: p.identifier, identification_nationale_pp: p.idType + p.identifier,
    code_civilite: p.civ, libelle_civilite: p.civ === 'M' ? 'Monsieur' : 'Madame',
    nom_exercice: p.nom, prenom_exercice: p.prenom,
  };
}

interface GeneratedExercice {
  profession: string;
  columns: ExtractRow;
  savoirFaire: ExtractRow[];
}

function exercicesOf(kind: ProfileKind, r: Random): GeneratedExercice[] {
  const profession = {
    medecin: '10', pharmacien: '21', infirmier: '60', kine: '70', dentiste: '40', 'sage-femme': '50', 'rpps-plus': '99',
    adeli: r.pick(ADELI_PROFESSIONS), autre: r.pick(AUTRES),
  }[kind];
  const first = exerciceOf(profession, kind, r);
  // A few kinés are also registered as infirmiers: two exercices, one person.
  if (kind === 'kine' && r.chance(0.03)) return [first, exerciceOf('60', 'infirmier', r)];
  return [first];
}

function exerciceOf(profession: string, kind: ProfileKind, r: Random): GeneratedExercice {
  const doctor = ['10', '40'].includes(profession) || (profession === '21' && r.chance(0.5));
  const categorie = kind === 'medecin' && r.chance(0.04) ? 'E' : kind === 'infirmier' && r.chance(0.1) ? 'M' : 'C';
  const professionSystem = profession === '99' ? 'TRE_R291-AutreProfession' : ['71', '72', '73', '93'].includes(profession) ? 'TRE_R95-UsagerTitre' : 'TRE_G15-ProfessionSante';
  const columns: ExtractRow = {
    code_civilite_exercice: doctor ? 'DR' : '', libelle_civilite_exercice: doctor ? 'Docteur' : '',
    code_profession: profession, libelle_profession: label(professionSystem, profession),
    code_categorie_professionnelle: categorie, libelle_categorie_professionnelle: label('TRE_R09-CategorieProfessionnelle', categorie),
  };
  const savoirFaire: ExtractRow[] = [];
  if (kind === 'medecin') {
    // The real file repeats each activity once per savoir-faire; the 'S' one is not always first.
    const [code, lib] = r.pick(SPECIALTIES);
    const extras = r.weighted([[0, 55], [1, 30], [2, 15]] as const);
    const sfs = [sf('S', code, lib)];
    for (let i = 0; i < extras; i += 1) {
      const [t, c, l] = r.pick(OTHER_SAVOIR_FAIRE);
      if (!sfs.some((s) => s.code_savoir_faire === c)) sfs.push(sf(t, c, l));
    }
    if (sfs.length > 1 && r.chance(0.3)) sfs.push(sfs.shift()!);
    savoirFaire.push(...sfs);
  } else if (kind === 'dentiste' && r.chance(0.2)) {
    savoirFaire.push(sf('S', 'SCD01', 'Orthopédie dento-faciale'));
  } else {
    savoirFaire.push(sf('', '', ''));
  }
  return { profession, columns, savoirFaire };
}

function sf(type: string, code: string, lib: string): ExtractRow {
  return { code_type_savoir_faire: type, libelle_type_savoir_faire: label('TRE_R04-TypeSavoirFaire', type), code_savoir_faire: code, libelle_savoir_faire: lib };
}

type Site = 'cabinet' | 'hopital' | 'societe' | 'officine' | 'ehpad';

function activityOf(kind: ProfileKind, profession: string, p: Identity, index: number, rang: number, r: Random): ExtractRow {
  const site: Site = kind === 'rpps-plus' ? 'ehpad'
    : kind === 'pharmacien' ? r.weighted([['officine', 75], ['hopital', 20], ['societe', 5]] as const)
    : kind === 'adeli' ? 'cabinet'
    : r.weighted([['cabinet', 60], ['hopital', 32], ['societe', 8]] as const);
  const place = r.pick(PLACES);
  const [typeVoie, libTypeVoie] = r.pick(STREET_TYPES);
  const a: ExtractRow = {
    numero_voie: String(1 + r.int(120)), indice_repetition_voie: r.chance(0.05) ? 'B' : '',
    code_type_voie: typeVoie, libelle_type_voie: libTypeVoie, libelle_voie: r.pick(STREETS),
    code_postal: place[0], bureau_cedex: `${place[0]} ${place[2].toUpperCase()}`, code_commune: place[1], libelle_commune: place[2],
    code_pays: '', libelle_pays: '', code_departement: place[3], libelle_departement: place[4],
    telephone: r.chance(0.6) ? `0${1 + r.int(5)}${r.digits(8)}` : '', telephone_2: '', telecopie: r.chance(0.1) ? `0${1 + r.int(5)}${r.digits(8)}` : '',
    adresse_email: r.chance(0.15) ? `secretariat.${index}@exemple-sante.fr` : '',
    autorite_enregistrement: AUTHORITY[profession] ?? 'ARS/ARS/ARS', complement_destinataire: '', complement_point_geographique: '',
    mention_distribution: '', enseigne_commerciale_site: '', numero_siret_site: '', numero_siren_site: '', numero_finess_site: '',
    numero_finess_etablissement_juridique: '', code_role: '', code_section_tableau_pharmaciens: '', code_genre_activite: 'GENR01',
  };
  const rangId = String(rang).padStart(3, '0');
  if (site === 'cabinet') {
    Object.assign(a, {
      code_mode_exercice: 'L', code_secteur_activite: r.weighted([['SA07', 70], ['SA08', 20], ['SA52', 10]] as const),
      identifiant_technique_structure: `R1${p.identifier.padStart(11, '0')}${rangId}`,
      raison_sociale_site: `CABINET ${p.civ === 'M' ? 'M' : 'MME'} ${p.nom}`, complement_destinataire: r.chance(0.3) ? `CABINET "${p.nom}"` : '',
      ancien_identifiant_structure: `4${p.identifier}${rangId}`, code_role: r.chance(0.15) ? 'FON-22' : 'FON-01',
    });
    if (a.code_role === 'FON-22') a.code_genre_activite = 'GENR02';
  } else if (site === 'societe') {
    const siren = testSiren(index * 7 + rang);
    const siret = testSiret(siren, 1 + (rang % 9));
    Object.assign(a, {
      code_mode_exercice: 'L', code_secteur_activite: 'SA09', numero_siret_site: siret, numero_siren_site: siren,
      identifiant_technique_structure: `C${siret}`, raison_sociale_site: `SELARL ${p.nom} ET ASSOCIÉS`, enseigne_commerciale_site: r.chance(0.5) ? `"${p.nom} SANTÉ"` : '',
      ancien_identifiant_structure: `3${siret}`, code_role: 'FON-02',
    });
  } else {
    // Shared sites: many professionals work in the same hospital, pharmacy or EHPAD.
    const pool = site === 'officine' ? 40_000 : site === 'ehpad' ? 8_000 : 3_000;
    const n = r.int(pool);
    const s = new Random('site', site, n);
    const sitePlace = s.pick(PLACES);
    const finess = testFiness(sitePlace[3], (site === 'officine' ? 100_000 : site === 'ehpad' ? 300_000 : 500_000) + n);
    const finessEj = testFiness(sitePlace[3], 700_000 + (n % 1_000));
    const name = site === 'officine' ? `PHARMACIE ${s.pick(STREETS)}` : `${s.pick(HOSPITAL_NAMES)} ${sitePlace[2].toUpperCase()}`;
    Object.assign(a, {
      code_mode_exercice: site === 'officine' && r.chance(0.6) ? 'L' : 'S',
      code_secteur_activite: site === 'officine' ? 'SA33' : site === 'ehpad' ? 'SA17' : s.pick(['SA01', 'SA03', 'SA04', 'SA05']),
      numero_finess_site: finess, numero_finess_etablissement_juridique: finessEj, identifiant_technique_structure: `F${finess}`,
      raison_sociale_site: name, ancien_identifiant_structure: `1${finess}`,
      code_postal: sitePlace[0], bureau_cedex: `${sitePlace[0]} ${sitePlace[2].toUpperCase()}`, code_commune: sitePlace[1], libelle_commune: sitePlace[2],
      code_departement: sitePlace[3], libelle_departement: sitePlace[4], libelle_voie: s.pick(STREETS), numero_voie: String(1 + s.int(200)),
      code_role: site === 'ehpad' ? r.pick(RPPS_PLUS_ROLES) : site === 'officine' ? r.pick(['FON-03', 'FON-05']) : r.pick(['FON-33', 'FON-05', '']),
      autorite_enregistrement: site === 'ehpad' ? 'ENREG/ENREG/ENREG' : `${(AUTHORITY[profession] ?? 'ARS/ARS/ARS').split('/').slice(0, 2).join('/')}/ARS`,
    });
    if (site === 'officine') a.code_mode_exercice = a.code_role === 'FON-03' ? 'L' : 'S';
    if (site === 'ehpad') a.code_genre_activite = r.pick(RPPS_PLUS_GENRES);
  }
  if (profession === '21') a.code_section_tableau_pharmaciens = site === 'officine' ? (a.code_role === 'FON-03' ? 'A' : r.pick(['D', 'DA'])) : site === 'hopital' ? 'H' : r.pick(['B', 'C', 'G']);
  a.libelle_mode_exercice = label('TRE_R23-ModeExercice', a.code_mode_exercice!);
  a.libelle_secteur_activite = label('TRE_R02-SecteurActivite', a.code_secteur_activite!);
  a.libelle_section_tableau_pharmaciens = label('TRE_R06-SectionTableauCNOP', a.code_section_tableau_pharmaciens!) || label('TRE_G05-SousSectionTableauCNOP', a.code_section_tableau_pharmaciens!);
  a.libelle_role = label('TRE_R21-Fonction', a.code_role!) || label('TRE_R85-RolePriseCharge', a.code_role!);
  a.libelle_genre_activite = label('TRE_R22-GenreActivite', a.code_genre_activite!);
  return a;
}
