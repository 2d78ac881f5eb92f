/**
 * The one place where a PSC claim key, a mirror column and an extract header meet.
 * The claims builder and the importer both read these lists, so a field is spelled once.
 * Spellings follow ../shared/reference/psc-contract.md §10.4 exactly (case-sensitive).
 */

export interface FieldMapping {
  /** Key in `SubjectRefPro` (PSC spelling). */
  readonly claim: string;
  /** Column in the mirror tables (staging name of the public extract). */
  readonly column: string;
  /** Header of the public extract `PS_LibreAcces_Personne_activite`. */
  readonly header: string;
}

export const EXERCICE_FIELDS = [
  { claim: 'codeProfession', column: 'code_profession', header: 'Code profession' },
  { claim: 'codeCategorieProfessionnelle', column: 'code_categorie_professionnelle', header: 'Code catégorie professionnelle' },
  { claim: 'codeCiviliteDexercice', column: 'code_civilite_exercice', header: "Code civilité d'exercice" },
  { claim: 'nomDexercice', column: 'nom_exercice', header: "Nom d'exercice" },
  { claim: 'prenomDexercice', column: 'prenom_exercice', header: "Prénom d'exercice" },
  { claim: 'codeTypeSavoirFaire', column: 'code_type_savoir_faire', header: 'Code type savoir-faire' },
  { claim: 'codeSavoirFaire', column: 'code_savoir_faire', header: 'Code savoir-faire' },
] as const satisfies readonly FieldMapping[];

export const ACTIVITY_FIELDS = [
  { claim: 'codeModeExercice', column: 'code_mode_exercice', header: 'Code mode exercice' },
  { claim: 'codeSecteurDactivite', column: 'code_secteur_activite', header: "Code secteur d'activité" },
  { claim: 'codeSectionPharmacien', column: 'code_section_tableau_pharmaciens', header: 'Code section tableau pharmaciens' },
  { claim: 'codeRole', column: 'code_role', header: 'Code rôle' },
  { claim: 'codeGenreActivite', column: 'code_genre_activite', header: 'Code genre activité' },
  { claim: 'numeroSiretSite', column: 'numero_siret_site', header: 'Numéro SIRET site' },
  { claim: 'numeroSirenSite', column: 'numero_siren_site', header: 'Numéro SIREN site' },
  { claim: 'numeroFinessSite', column: 'numero_finess_site', header: 'Numéro FINESS site' },
  { claim: 'numeroFinessetablissementJuridique', column: 'numero_finess_etablissement_juridique', header: 'Numéro FINESS établissement juridique' },
  { claim: 'identifiantTechniqueDeLaStructure', column: 'identifiant_technique_structure', header: 'Identifiant technique de la structure' },
  { claim: 'raisonSocialeSite', column: 'raison_sociale_site', header: 'Raison sociale site' },
  { claim: 'enseigneCommercialeSite', column: 'enseigne_commerciale_site', header: 'Enseigne commerciale site' },
  { claim: 'complementDestinataire', column: 'complement_destinataire', header: 'Complément destinataire (coord. structure)' },
  { claim: 'complementPointGeographique', column: 'complement_point_geographique', header: 'Complément point géographique (coord. structure)' },
  { claim: 'numeroVoie', column: 'numero_voie', header: 'Numéro Voie (coord. structure)' },
  { claim: 'indiceRepetitionVoie', column: 'indice_repetition_voie', header: 'Indice répétition voie (coord. structure)' },
  { claim: 'codeTypeDeVoie', column: 'code_type_voie', header: 'Code type de voie (coord. structure)' },
  { claim: 'libelleVoie', column: 'libelle_voie', header: 'Libellé Voie (coord. structure)' },
  { claim: 'mentionDistribution', column: 'mention_distribution', header: 'Mention distribution (coord. structure)' },
  { claim: 'bureauCedex', column: 'bureau_cedex', header: 'Bureau cedex (coord. structure)' },
  { claim: 'codePostal', column: 'code_postal', header: 'Code postal (coord. structure)' },
  { claim: 'codeCommune', column: 'code_commune', header: 'Code commune (coord. structure)' },
  { claim: 'codePays', column: 'code_pays', header: 'Code pays (coord. structure)' },
  { claim: 'telephone', column: 'telephone', header: 'Téléphone (coord. structure)' },
  { claim: 'telephone2', column: 'telephone_2', header: 'Téléphone 2 (coord. structure)' },
  { claim: 'telecopie', column: 'telecopie', header: 'Télécopie (coord. structure)' },
  { claim: 'adresseEMail', column: 'adresse_email', header: 'Adresse e-mail (coord. structure)' },
  { claim: 'codeDepartement', column: 'code_departement', header: 'Code Département (structure)' },
  { claim: 'ancienIdentifiantDeLaStructure', column: 'ancien_identifiant_structure', header: 'Ancien identifiant de la structure' },
  { claim: 'autoriteDenregistrement', column: 'autorite_enregistrement', header: "Autorité d'enregistrement" },
] as const satisfies readonly FieldMapping[];

export type ExerciceColumn = (typeof EXERCICE_FIELDS)[number]['column'];
export type ActivityColumn = (typeof ACTIVITY_FIELDS)[number]['column'];
export type ExerciceClaimKey = (typeof EXERCICE_FIELDS)[number]['claim'];
export type ActivityClaimKey = (typeof ACTIVITY_FIELDS)[number]['claim'];

/**
 * Identity columns of the extract: one value per professional (taken from their first row).
 * `claim` names the `ProfessionalRecord` property they fill.
 */
export const IDENTITY_FIELDS = [
  { claim: 'idType', column: 'type_identifiant_pp', header: "Type d'identifiant PP" },
  { claim: 'identifier', column: 'identifiant_pp', header: 'Identifiant PP' },
  { claim: 'nationalId', column: 'identification_nationale_pp', header: 'Identification nationale PP' },
  { claim: 'codeCivilite', column: 'code_civilite', header: 'Code civilité' },
] as const satisfies readonly FieldMapping[];

/** Label columns of the extract: loaded into staging, not kept in the mirror (the code tables hold labels). */
export const LABEL_COLUMNS = [
  { column: 'libelle_civilite_exercice', header: "Libellé civilité d'exercice" },
  { column: 'libelle_civilite', header: 'Libellé civilité' },
  { column: 'libelle_profession', header: 'Libellé profession' },
  { column: 'libelle_categorie_professionnelle', header: 'Libellé catégorie professionnelle' },
  { column: 'libelle_type_savoir_faire', header: 'Libellé type savoir-faire' },
  { column: 'libelle_savoir_faire', header: 'Libellé savoir-faire' },
  { column: 'libelle_mode_exercice', header: 'Libellé mode exercice' },
  { column: 'libelle_type_voie', header: 'Libellé type de voie (coord. structure)' },
  { column: 'libelle_commune', header: 'Libellé commune (coord. structure)' },
  { column: 'libelle_pays', header: 'Libellé pays (coord. structure)' },
  { column: 'libelle_departement', header: 'Libellé Département (structure)' },
  { column: 'libelle_secteur_activite', header: "Libellé secteur d'activité" },
  { column: 'libelle_section_tableau_pharmaciens', header: 'Libellé section tableau pharmaciens' },
  { column: 'libelle_role', header: 'Libellé rôle' },
  { column: 'libelle_genre_activite', header: 'Libellé genre activité' },
] as const satisfies readonly Omit<FieldMapping, 'claim'>[];
