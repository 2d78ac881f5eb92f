import { IDENTITY_FIELDS, ACTIVITY_FIELDS } from '../fields.js';
import { sameBytes, type RawRow } from './row-parser.js';

/**
 * Identifier checks of one extract row, on its bytes (annuaire-extract.md §5): national id =
 * type digit + identifier; an RPPS (type 8) is 11 digits, an ADELI (type 0) 9 digits or capital
 * letters; a FINESS is 9 digits or capital letters (Corsica's 2A/2B) when present. Luhn keys are
 * not enforced: the extract is the authority on its own identifiers.
 */

export interface InvalidField {
  /** Header of the offending column (what the operator sees in the file). */
  header: string;
  value: string;
}

const headerOf = (column: string) => [...IDENTITY_FIELDS, ...ACTIVITY_FIELDS].find((f) => f.column === column)!.header;

export class RowValidator {
  private readonly nationalId: number;
  private readonly type: number;
  private readonly identifier: number;
  private readonly finess: { index: number; header: string }[];

  constructor(fileColumns: readonly string[]) {
    const at = (c: string) => fileColumns.indexOf(c);
    this.nationalId = at('identification_nationale_pp');
    this.type = at('type_identifiant_pp');
    this.identifier = at('identifiant_pp');
    this.finess = ['numero_finess_site', 'numero_finess_etablissement_juridique']
      .map((c) => ({ index: at(c), header: headerOf(c) })).filter((f) => f.index >= 0);
  }

  /** The first invalid field of the row (in the order of the rules above), or undefined. */
  check(row: RawRow): InvalidField | undefined {
    // Runs on every row: offsets read inline, strings made only for an error.
    const { buf, starts } = row;
    const ns = starts[this.nationalId]!;
    const ne = starts[this.nationalId + 1]! - 1;
    const ts = starts[this.type]!;
    const te = starts[this.type + 1]! - 1;
    const is = starts[this.identifier]!;
    const ie = starts[this.identifier + 1]! - 1;
    const text = (s: number, e: number) => buf.toString('utf8', s, e);
    if (ne === ns) return { header: headerOf('identification_nationale_pp'), value: '' };
    const type = te - ts === 1 ? buf[ts] : -1;
    if (type !== 0x30 && type !== 0x38) return { header: headerOf('type_identifiant_pp'), value: text(ts, te) };
    if (type === 0x38 ? !isOf(buf, is, ie, 11, false) : !isOf(buf, is, ie, 9, true)) return { header: headerOf('identifiant_pp'), value: text(is, ie) };
    // national id = type digit + identifier, byte for byte
    if (ne - ns !== 1 + ie - is || buf[ns] !== type || !sameBytes(buf, is, ie, ns + 1, ne)) {
      return { header: headerOf('identification_nationale_pp'), value: text(ns, ne) };
    }
    for (const f of this.finess) {
      const fs = starts[f.index]!;
      const fe = starts[f.index + 1]! - 1;
      if (fe > fs && !isOf(buf, fs, fe, 9, true)) return { header: f.header, value: text(fs, fe) };
    }
    return undefined;
  }
}

/** `length` bytes, each a digit (or a capital letter when `letters`). */
function isOf(buf: Buffer, s: number, e: number, length: number, letters: boolean): boolean {
  if (e - s !== length) return false;
  for (let k = s; k < e; k += 1) {
    const c = buf[k]!;
    if (!((c >= 0x30 && c <= 0x39) || (letters && c >= 0x41 && c <= 0x5a))) return false;
  }
  return true;
}
