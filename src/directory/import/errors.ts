/**
 * Why an import stopped. Every code is stable (logs, `directory_import.error_code`, CLI exit text)
 * and documented in docs/directory.md. An import that throws one of these changed nothing.
 */
export type ImportErrorCode =
  | 'EXTRACT_NOT_FOUND'
  | 'EXTRACT_ZIP_NO_ENTRY'
  | 'EXTRACT_EMPTY'
  | 'EXTRACT_HEADER_DUPLICATE'
  | 'EXTRACT_HEADER_MISSING_COLUMN'
  | 'EXTRACT_INVALID_UTF8'
  | 'EXTRACT_MALFORMED_LINE'
  | 'EXTRACT_TRUNCATED'
  | 'EXTRACT_INVALID_VALUE'
  | 'IMPORT_TOO_MANY_SKIPPED'
  | 'IMPORT_ROW_COUNT_OUT_OF_BAND'
  | 'IMPORT_MASS_DELETION'
  | 'IMPORT_ALREADY_RUNNING'
  | 'IMPORT_CONFLICT'
  | 'IMPORT_SCHEMA';

/** Where in the file, when the error is about one line or one field. */
export interface ImportErrorLocation {
  line?: number;
  field?: string;
}

export class ImportError extends Error {
  override readonly name = 'ImportError';
  readonly line?: number;
  readonly field?: string;

  constructor(readonly code: ImportErrorCode, message: string, where: ImportErrorLocation = {}) {
    const at = [where.line !== undefined ? `line ${where.line}` : '', where.field ? `field "${where.field}"` : ''].filter(Boolean).join(', ');
    super(at ? `${at}: ${message}` : message);
    this.line = where.line;
    this.field = where.field;
  }
}

/** French wording for an operator console or an admin page. */
export const IMPORT_ERROR_MESSAGES_FR: Record<ImportErrorCode, string> = {
  EXTRACT_NOT_FOUND: 'Fichier d’extraction introuvable.',
  EXTRACT_ZIP_NO_ENTRY: 'L’archive ne contient pas de fichier PS_LibreAcces_Personne_activite.',
  EXTRACT_EMPTY: 'Le fichier d’extraction est vide.',
  EXTRACT_HEADER_DUPLICATE: 'Une colonne apparaît deux fois dans l’en-tête.',
  EXTRACT_HEADER_MISSING_COLUMN: 'Une colonne obligatoire manque dans l’en-tête.',
  EXTRACT_INVALID_UTF8: 'Le fichier n’est pas en UTF-8 valide.',
  EXTRACT_MALFORMED_LINE: 'Une ligne n’a pas le nombre de champs attendu.',
  EXTRACT_TRUNCATED: 'Le fichier est tronqué (dernière ligne incomplète).',
  EXTRACT_INVALID_VALUE: 'Une valeur d’identifiant est invalide.',
  IMPORT_TOO_MANY_SKIPPED: 'Trop de lignes invalides : import arrêté.',
  IMPORT_ROW_COUNT_OUT_OF_BAND: 'Le nombre de lignes sort de la plage autorisée : import arrêté.',
  IMPORT_MASS_DELETION: 'Trop de professionnels disparaîtraient : import arrêté (utiliser --force pour passer outre).',
  IMPORT_ALREADY_RUNNING: 'Un import de l’annuaire est déjà en cours.',
  IMPORT_CONFLICT: 'L’annuaire a été modifié pendant le premier chargement : rien n’a été changé, relancer l’import.',
  IMPORT_SCHEMA: 'Une clé étrangère référence les tables de l’annuaire : le premier chargement ne peut pas les remplacer.',
};
