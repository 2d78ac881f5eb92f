import { ACTIVITY_FIELDS, EXERCICE_FIELDS, IDENTITY_FIELDS, LABEL_COLUMNS } from '../fields.js';
import { ImportError } from './errors.js';

/**
 * The columns of `PS_LibreAcces_Personne_activite`, in today's file order (annuaire-extract.md §2.1),
 * and the mapping of a file's header line onto staging columns, by name.
 */

/** The 56 headers of the current extract, in order. Files of 2018 had the first 48. */
export const EXTRACT_HEADERS = [
  "Type d'identifiant PP", 'Identifiant PP', 'Identification nationale PP',
  "Code civilité d'exercice", "Libellé civilité d'exercice", 'Code civilité', 'Libellé civilité',
  "Nom d'exercice", "Prénom d'exercice", 'Code profession', 'Libellé profession',
  'Code catégorie professionnelle', 'Libellé catégorie professionnelle',
  'Code type savoir-faire', 'Libellé type savoir-faire', 'Code savoir-faire', 'Libellé savoir-faire',
  'Code mode exercice', 'Libellé mode exercice', 'Numéro SIRET site', 'Numéro SIREN site',
  'Numéro FINESS site', 'Numéro FINESS établissement juridique', 'Identifiant technique de la structure',
  'Raison sociale site', 'Enseigne commerciale site', 'Complément destinataire (coord. structure)',
  'Complément point géographique (coord. structure)', 'Numéro Voie (coord. structure)',
  'Indice répétition voie (coord. structure)', 'Code type de voie (coord. structure)',
  'Libellé type de voie (coord. structure)', 'Libellé Voie (coord. structure)',
  'Mention distribution (coord. structure)', 'Bureau cedex (coord. structure)',
  'Code postal (coord. structure)', 'Code commune (coord. structure)', 'Libellé commune (coord. structure)',
  'Code pays (coord. structure)', 'Libellé pays (coord. structure)', 'Téléphone (coord. structure)',
  'Téléphone 2 (coord. structure)', 'Télécopie (coord. structure)', 'Adresse e-mail (coord. structure)',
  'Code Département (structure)', 'Libellé Département (structure)', 'Ancien identifiant de la structure',
  "Autorité d'enregistrement", "Code secteur d'activité", "Libellé secteur d'activité",
  'Code section tableau pharmaciens', 'Libellé section tableau pharmaciens', 'Code rôle', 'Libellé rôle',
  'Code genre activité', 'Libellé genre activité',
] as const;

/** The headers of the 48-column files of 2018 (everything before `Code secteur d'activité`). */
export const EXTRACT_HEADERS_2018 = EXTRACT_HEADERS.slice(0, 48);

const ALL_FIELDS: readonly { column: string; header: string }[] = [
  ...IDENTITY_FIELDS, ...EXERCICE_FIELDS, ...ACTIVITY_FIELDS, ...LABEL_COLUMNS,
];

/** header (NFC) → staging column */
export const COLUMN_OF_HEADER: ReadonlyMap<string, string> = new Map(ALL_FIELDS.map((f) => [f.header.normalize('NFC'), f.column]));

/** Every staging column we know, in extract order. */
export const STAGING_COLUMNS: readonly string[] = EXTRACT_HEADERS.map((h) => COLUMN_OF_HEADER.get(h)!);

/**
 * Columns without which no claim can be built. The four added after 2018 (secteur, section,
 * rôle, genre) and the labels may be absent: they load as ''.
 */
export const REQUIRED_HEADERS: readonly string[] = [...IDENTITY_FIELDS, ...EXERCICE_FIELDS, ...ACTIVITY_FIELDS]
  .map((f) => f.header)
  .filter((h) => (EXTRACT_HEADERS_2018 as readonly string[]).includes(h));

export interface HeaderMapping {
  /** Staging column of each field of a line, in file order (unknown headers → `extra_<n>`). */
  fileColumns: string[];
  /** Number of fields on a line (without the trailing empty one). */
  fieldCount: number;
  /** Headers we do not know, kept in staging as `extra_<n>` and reported. */
  unknownHeaders: string[];
  /** Known optional columns the file lacks: loaded as ''. */
  missingOptional: string[];
}

/** Splits a header line, dropping the trailing empty field of the trailing `|`. */
export function splitFields(line: string): string[] {
  const fields = line.split('|');
  if (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return fields;
}

/**
 * Maps a header line onto staging columns by name (NFC-normalised, trimmed, exact), so files of any
 * year load whatever their column order. Throws EXTRACT_HEADER_MISSING_COLUMN naming the column.
 */
export function mapHeader(headerLine: string): HeaderMapping {
  const names = splitFields(headerLine).map((h) => h.normalize('NFC').trim());
  const seen = new Set<string>();
  const fileColumns: string[] = [];
  const unknownHeaders: string[] = [];
  names.forEach((name, i) => {
    if (seen.has(name)) throw new ImportError('EXTRACT_HEADER_DUPLICATE', `column "${name}" appears twice in the header`, { field: name, line: 1 });
    seen.add(name);
    const column = COLUMN_OF_HEADER.get(name);
    if (column) fileColumns.push(column);
    else {
      unknownHeaders.push(name);
      fileColumns.push(`extra_${i + 1}`);
    }
  });
  const missing = REQUIRED_HEADERS.filter((h) => !seen.has(h));
  if (missing.length) {
    throw new ImportError('EXTRACT_HEADER_MISSING_COLUMN',
      `required column "${missing[0]}" is missing from the header${missing.length > 1 ? ` (and ${missing.length - 1} more: ${missing.slice(1).join(', ')})` : ''}`,
      { field: missing[0], line: 1 });
  }
  const missingOptional = STAGING_COLUMNS.filter((c) => !fileColumns.includes(c));
  return { fileColumns, fieldCount: names.length, unknownHeaders, missingOptional };
}
