import type { ColumnType, Generated } from 'kysely';

import type { ActivityColumn, ExerciceColumn } from './fields.js';
import type { DirectoryImportTable, DirectoryNomenclatureTable, DirectoryProfessionalChangeTable } from './import/tables.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface DirectoryProfessionalTable {
  national_id: string;
  type_identifiant_pp: string;
  identifiant_pp: string;
  code_civilite: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  deactivated_at: Timestamp | null;
  /** md5 of the professional's extract rows; null when written by saveProfessional. */
  content_hash: string | null;
  /** The import that created the professional (its "created" history entry); null when written otherwise. */
  created_import_id: Generated<number | null>;
}

export type DirectoryExerciceTable = {
  national_id: string;
  ord: number;
} & { [K in ExerciceColumn]: Generated<string> };

export type DirectoryActivityTable = {
  national_id: string;
  exercice_ord: number;
  ord: number;
  ended_at: Timestamp | null;
  started_at: Generated<Date>;
} & { [K in ActivityColumn]: Generated<string> };

export interface DirectoryStructureTable {
  identifiant_technique_structure: string;
  raison_sociale_site: Generated<string>;
  numero_siret_site: Generated<string>;
  numero_siren_site: Generated<string>;
  numero_finess_site: Generated<string>;
  numero_finess_etablissement_juridique: Generated<string>;
  code_secteur_activite: Generated<string>;
  updated_at: Generated<Date>;
}

export interface DirectoryTables {
  directory_professional: DirectoryProfessionalTable;
  directory_exercice: DirectoryExerciceTable;
  directory_activity: DirectoryActivityTable;
  directory_structure: DirectoryStructureTable;
  directory_import: DirectoryImportTable;
  directory_professional_change: DirectoryProfessionalChangeTable;
  directory_nomenclature: DirectoryNomenclatureTable;
}
