-- The Annuaire Santé mirror, as read by the claims builder (src/directory/claims.ts).
-- Column names are the staging names of the public extract (see docs/directory.md).
-- Codes are text, always: they keep their leading zeros and letters ("0B0193488", "10").

CREATE TABLE directory_professional (
  national_id          text        PRIMARY KEY,   -- Identification nationale PP (IDNPS)
  type_identifiant_pp  text        NOT NULL,      -- TRE_G08: 8 RPPS, 0 ADELI
  identifiant_pp       text        NOT NULL,      -- RPPS (11 digits) or ADELI (9)
  code_civilite        text        NOT NULL DEFAULT '',
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  deactivated_at       timestamptz               -- absent from the latest extract
);

-- One exercice per profession: (code_profession, code_categorie_professionnelle).
CREATE TABLE directory_exercice (
  national_id                    text NOT NULL REFERENCES directory_professional ON DELETE CASCADE,
  ord                            integer NOT NULL,   -- file order: "first" exercice = lowest ord
  code_profession                text NOT NULL DEFAULT '',
  code_categorie_professionnelle text NOT NULL DEFAULT '',
  code_civilite_exercice         text NOT NULL DEFAULT '',
  nom_exercice                   text NOT NULL DEFAULT '',
  prenom_exercice                text NOT NULL DEFAULT '',
  code_type_savoir_faire         text NOT NULL DEFAULT '',
  code_savoir_faire              text NOT NULL DEFAULT '',
  PRIMARY KEY (national_id, ord)
);

-- One activity (situation d'exercice) per work site, with the 30 fields PSC publishes.
CREATE TABLE directory_activity (
  national_id                           text NOT NULL,
  exercice_ord                          integer NOT NULL,
  ord                                   integer NOT NULL,
  code_mode_exercice                    text NOT NULL DEFAULT '',
  code_secteur_activite                 text NOT NULL DEFAULT '',
  code_section_tableau_pharmaciens      text NOT NULL DEFAULT '',
  code_role                             text NOT NULL DEFAULT '',
  code_genre_activite                   text NOT NULL DEFAULT '',
  numero_siret_site                     text NOT NULL DEFAULT '',
  numero_siren_site                     text NOT NULL DEFAULT '',
  numero_finess_site                    text NOT NULL DEFAULT '',
  numero_finess_etablissement_juridique text NOT NULL DEFAULT '',
  identifiant_technique_structure       text NOT NULL DEFAULT '',
  raison_sociale_site                   text NOT NULL DEFAULT '',
  enseigne_commerciale_site             text NOT NULL DEFAULT '',
  complement_destinataire               text NOT NULL DEFAULT '',
  complement_point_geographique         text NOT NULL DEFAULT '',
  numero_voie                           text NOT NULL DEFAULT '',
  indice_repetition_voie                text NOT NULL DEFAULT '',
  code_type_voie                        text NOT NULL DEFAULT '',
  libelle_voie                          text NOT NULL DEFAULT '',
  mention_distribution                  text NOT NULL DEFAULT '',
  bureau_cedex                          text NOT NULL DEFAULT '',
  code_postal                           text NOT NULL DEFAULT '',
  code_commune                          text NOT NULL DEFAULT '',
  code_pays                             text NOT NULL DEFAULT '',
  telephone                             text NOT NULL DEFAULT '',
  telephone_2                           text NOT NULL DEFAULT '',
  telecopie                             text NOT NULL DEFAULT '',
  adresse_email                         text NOT NULL DEFAULT '',
  code_departement                      text NOT NULL DEFAULT '',
  ancien_identifiant_structure          text NOT NULL DEFAULT '',
  autorite_enregistrement               text NOT NULL DEFAULT '',
  ended_at                              timestamptz,
  PRIMARY KEY (national_id, exercice_ord, ord),
  FOREIGN KEY (national_id, exercice_ord) REFERENCES directory_exercice ON DELETE CASCADE
);
CREATE INDEX directory_activity_structure ON directory_activity (identifiant_technique_structure)
  WHERE identifiant_technique_structure <> '';

-- Structures (sites) known from the activities, keyed by their technical id.
CREATE TABLE directory_structure (
  identifiant_technique_structure       text PRIMARY KEY,
  raison_sociale_site                   text NOT NULL DEFAULT '',
  numero_siret_site                     text NOT NULL DEFAULT '',
  numero_siren_site                     text NOT NULL DEFAULT '',
  numero_finess_site                    text NOT NULL DEFAULT '',
  numero_finess_etablissement_juridique text NOT NULL DEFAULT '',
  code_secteur_activite                 text NOT NULL DEFAULT '',
  updated_at                            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_structure_finess ON directory_structure (numero_finess_site) WHERE numero_finess_site <> '';
