import { describe, expect, test } from '@jest/globals';

import { EXTRACT_HEADERS, EXTRACT_HEADERS_2018, mapHeader, REQUIRED_HEADERS } from '../../../src/directory/import/columns.js';
import { ImportError } from '../../../src/directory/import/errors.js';

describe('extract header mapping (by name, never by position)', () => {
  test("today's 56 columns map to the 56 staging columns, trailing pipe dropped", () => {
    const m = mapHeader(`${EXTRACT_HEADERS.join('|')}|`);
    expect(m.fieldCount).toBe(56);
    expect(m.fileColumns[0]).toBe('type_identifiant_pp');
    expect(m.fileColumns[55]).toBe('libelle_genre_activite');
    expect(m.unknownHeaders).toEqual([]);
    expect(m.missingOptional).toEqual([]);
  });

  test('the 48 columns of 2018 load: secteur, section, rôle and genre become optional blanks', () => {
    const m = mapHeader(`${EXTRACT_HEADERS_2018.join('|')}|`);
    expect(m.fieldCount).toBe(48);
    expect(m.missingOptional).toEqual(expect.arrayContaining(['code_secteur_activite', 'code_section_tableau_pharmaciens', 'code_role', 'code_genre_activite']));
    expect(m.missingOptional).toHaveLength(8);
  });

  test('a shuffled header maps each position to its column; names are NFC-normalised and trimmed', () => {
    const shuffled = [...EXTRACT_HEADERS].reverse().map((h, i) => (i === 0 ? ` ${h.normalize('NFD')} ` : h));
    const m = mapHeader(shuffled.join('|'));
    expect(m.fileColumns[0]).toBe('libelle_genre_activite');
    expect(m.fileColumns[55]).toBe('type_identifiant_pp');
    expect(m.fieldCount).toBe(56);
  });

  test('an unknown extra column is kept as extra_<n> and reported', () => {
    const m = mapHeader(`${EXTRACT_HEADERS.join('|')}|Nouvelle colonne 2027|`);
    expect(m.unknownHeaders).toEqual(['Nouvelle colonne 2027']);
    expect(m.fileColumns[56]).toBe('extra_57');
  });

  test('a missing required column stops the import with its name', () => {
    const headers = EXTRACT_HEADERS.filter((h) => h !== 'Identifiant PP');
    expect(() => mapHeader(headers.join('|'))).toThrow(ImportError);
    try {
      mapHeader(headers.join('|'));
    } catch (err) {
      expect((err as ImportError).code).toBe('EXTRACT_HEADER_MISSING_COLUMN');
      expect((err as ImportError).field).toBe('Identifiant PP');
      expect((err as Error).message).toContain('"Identifiant PP"');
    }
    expect(REQUIRED_HEADERS).toContain('Identifiant PP');
  });

  test('a duplicated column is refused', () => {
    expect(() => mapHeader([...EXTRACT_HEADERS, 'Code rôle'].join('|'))).toThrow(/appears twice/);
  });
});
