import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Count = number | null;

/** One import run (migrations/0101_directory_import.sql). */
export interface DirectoryImportTable {
  id: Generated<number>;
  file_name: string;
  checksum: string;
  status: 'running' | 'applied' | 'unchanged' | 'refused' | 'failed' | 'interrupted';
  step: Generated<string>;
  forced: Generated<boolean>;
  started_at: Generated<Date>;
  applied_at: Timestamp | null;
  finished_at: Timestamp | null;
  duration_ms: number | null;
  rows_read: Count;
  rows_skipped: Count;
  professionals: Count;
  created: Count;
  updated: Count;
  ended: Count;
  unchanged: Count;
  error_code: string | null;
  error_message: string | null;
  report: ColumnType<unknown, string | null, string | null> | null;
}

export interface DirectoryProfessionalChangeTable {
  national_id: string;
  import_id: number;
  change: 'created' | 'updated' | 'ended' | 'reactivated';
  changed_at: Timestamp;
  code_civilite: Generated<string>;
}

export interface DirectoryNomenclatureTable {
  system: string;
  code: string;
  label: Generated<string>;
  deprecated: Generated<string>;
}
