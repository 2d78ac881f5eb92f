import xxhash from 'xxhash-wasm';

import { ACTIVITY_FIELDS, EXERCICE_FIELDS } from '../fields.js';
import type { HeaderInfo } from './extract-to-copy.js';
import { CopyBuffer } from './copy-sink.js';
import { HashSet64 } from './hash-set.js';
import { ImportError } from './errors.js';
import { putField, type LineIssue, type MalformedPolicy, type RawRow } from './row-parser.js';
import { UnknownCodeCounter, type UnknownCode } from './unknown-codes.js';
import { RowValidator } from './validate-row.js';

/**
 * Turns the rows of the extract, grouped by professional, into the mirror's records — the one
 * place where rows become professionals → exercices → activities → structures:
 *
 * - an exercice per (profession, catégorie), in order of first appearance; its savoir-faire pair
 *   is that of the first `S` (spécialité ordinale) row, else of the first row;
 * - activities de-duplicated on their 30 fields within the exercice (rows repeat once per
 *   savoir-faire), numbered by the line of their first row (file order);
 * - a structure described by the first row that names it;
 * - a content hash of the professional's claim columns in file order: equal hash ⇒ same record.
 *
 * Output is COPY text written straight into CopyBuffers (no object per field: 2 M rows × 40
 * fields). Which professionals get their full record written is the caller's choice (`isKnown`):
 * all of them for a first load, only the new or changed ones for a daily sync.
 */

export const EXERCICE_COLUMNS = EXERCICE_FIELDS.map((f) => f.column);
export const ACTIVITY_COLUMNS = ACTIVITY_FIELDS.map((f) => f.column);
export const STRUCTURE_COLUMNS = [
  'identifiant_technique_structure', 'raison_sociale_site', 'numero_siret_site', 'numero_siren_site',
  'numero_finess_site', 'numero_finess_etablissement_juridique', 'code_secteur_activite',
] as const;

/** COPY column lists of the outputs, in the order the normalizer writes them. */
export const PROFESSIONAL_OUT = ['national_id', 'type_identifiant_pp', 'identifiant_pp', 'code_civilite', 'content_hash'];
export const EXERCICE_OUT = ['national_id', 'ord', ...EXERCICE_COLUMNS];
export const ACTIVITY_OUT = ['national_id', 'exercice_ord', 'ord', ...ACTIVITY_COLUMNS];
export const STRUCTURE_OUT = [...STRUCTURE_COLUMNS];
export const CHANGE_OUT = ['national_id', 'import_id', 'change', 'changed_at', 'code_civilite'];

// Segment of one row in the scratch buffer: civilité, the 7 exercice fields, the 30 activity fields.
const SEGMENT_COLUMNS = ['code_civilite', ...EXERCICE_COLUMNS, ...ACTIVITY_COLUMNS];
const SEG_FIELDS = SEGMENT_COLUMNS.length;
const EX0 = 1; // first exercice field in the segment
const SF = EX0 + EXERCICE_COLUMNS.indexOf('code_type_savoir_faire');
const ACT0 = EX0 + EXERCICE_COLUMNS.length;
const KEY_END = EX0 + 2; // profession, catégorie: the exercice key
const STRUCTURE_SEG = STRUCTURE_COLUMNS.map((c) => ACT0 + ACTIVITY_COLUMNS.indexOf(c));
const STRUCTURE_ID = STRUCTURE_SEG[0]!;
const TAB = 0x09;
const LF = 0x0a;

export interface NormalizerOutputs {
  /** One line per professional of the file (PROFESSIONAL_OUT). */
  professional: CopyBuffer;
  exercice: CopyBuffer;
  activity: CopyBuffer;
  structure: CopyBuffer;
  /** First load only: the change log line of every professional (CHANGE_OUT). */
  change?: CopyBuffer;
}

export interface NormalizerOptions {
  header: HeaderInfo;
  malformed: MalformedPolicy;
  /** Counts and keeps examples of rows skipped as invalid (the parser's own counter). */
  skip: (issue: LineIssue) => void;
  /** True when the mirror already holds exactly this record (fingerprint = first 64 bits of the content hash): its rows are not written. */
  isKnown?: (lo: number, hi: number) => boolean;
  /** Change log lines for a first load. */
  changeLog?: { importId: number; at: string };
}

/** The file is not grouped by professional: a professional's rows reappear after another's. */
export class NotGroupedError extends Error {
  constructor(readonly nationalId: string, readonly line: number) {
    super(`rows of ${nationalId} are not contiguous (again at line ${line})`);
  }
}

type Hasher = Awaited<ReturnType<typeof xxhash>>;
let hasher: Promise<Hasher> | undefined;
/** xxHash64 (WebAssembly): ~10× cheaper than md5 through node:crypto on 1.5 M small records. */
export const loadHasher = (): Promise<Hasher> => (hasher ??= xxhash());

export class Normalizer {
  professionals = 0;
  /** Rows refused by the identifier checks (skipped under policy `skip`). */
  invalidRows = 0;
  /** Professionals whose full record was written. */
  written = 0;
  readonly unknownCodes: UnknownCodeCounter;

  private readonly column: Int32Array; // segment field → file field (-1: absent from this file)
  private readonly identity: { nationalId: number; type: number; identifier: number };
  private readonly validator: RowValidator;
  private readonly seen = new HashSet64();
  private readonly structures = new HashSet64();
  private readonly scratch = new CopyBuffer();
  // Per row of the current group: start offset of each segment field, plus its end sentinel.
  private starts = new Int32Array(8 * (SEG_FIELDS + 1));
  private lines: number[] = [];
  private current = '';
  private civilite = '';

  constructor(private readonly options: NormalizerOptions, private readonly out: NormalizerOutputs, private readonly hash: Hasher) {
    const fileIndex = (c: string) => options.header.fileColumns.indexOf(c);
    this.column = Int32Array.from(SEGMENT_COLUMNS, fileIndex);
    this.identity = { nationalId: fileIndex('identification_nationale_pp'), type: fileIndex('type_identifiant_pp'), identifier: fileIndex('identifiant_pp') };
    this.unknownCodes = new UnknownCodeCounter(options.header.fileColumns);
    this.validator = new RowValidator(options.header.fileColumns);
  }

  /** One row of the file (see ExtractRowParser). */
  row(row: RawRow): void {
    const invalid = this.validator.check(row);
    if (invalid) {
      const message = `invalid value "${invalid.value}"`;
      if (this.options.malformed === 'stop') throw new ImportError('EXTRACT_INVALID_VALUE', message, { line: row.line, field: invalid.header });
      this.options.skip({ line: row.line, field: invalid.header, message });
      this.invalidRows += 1;
      return;
    }
    const { buf, starts } = row;
    const idField = this.identity.nationalId;
    const nationalId = buf.toString('latin1', starts[idField]!, starts[idField + 1]! - 1);
    if (nationalId !== this.current) {
      this.flush();
      this.begin(nationalId, row.line);
    }
    this.unknownCodes.count(row);
    this.append(row);
  }

  /** End of input: the last professional. */
  end(): void {
    this.flush();
  }

  private begin(nationalId: string, line: number): void {
    this.scratch.o = 0;
    this.scratch.ensure(nationalId.length + 1);
    this.scratch.ascii(nationalId);
    const h = this.hash.h64Raw(this.scratch.buf.subarray(0, this.scratch.o), 0n);
    if (!this.seen.add(Number(h & 0xffffffffn), Number(h >> 32n))) throw new NotGroupedError(nationalId, line);
    this.scratch.byte(LF);
    this.current = nationalId;
    this.civilite = '';
    this.lines.length = 0;
  }

  /** The row's claim fields, COPY-escaped, as one segment of the scratch buffer. */
  private append(row: RawRow): void {
    const { buf, starts, special } = row;
    const k = this.lines.length;
    if ((k + 1) * (SEG_FIELDS + 1) > this.starts.length) {
      const bigger = new Int32Array(this.starts.length * 2);
      bigger.set(this.starts);
      this.starts = bigger;
    }
    const s = this.scratch;
    s.ensure((starts[this.options.header.fieldCount]! - starts[0]!) * 2 + SEG_FIELDS + 64);
    const base = k * (SEG_FIELDS + 1);
    for (let f = 0; f < SEG_FIELDS; f += 1) {
      this.starts[base + f] = s.o;
      const c = this.column[f]!;
      if (c >= 0) s.o = putField(s.buf, s.o, buf, starts[c]!, starts[c + 1]! - 1, special);
      s.byte(f === SEG_FIELDS - 1 ? LF : TAB);
    }
    this.starts[base + SEG_FIELDS] = s.o;
    this.lines.push(row.line);
    // One civilité per person; the smallest code should rows ever disagree (deterministic).
    const civ = s.buf.toString('latin1', this.starts[base]!, this.starts[base + 1]! - 1);
    if (k === 0 || civ < this.civilite) this.civilite = civ;
  }

  private field(row: number, f: number): [number, number] {
    const base = row * (SEG_FIELDS + 1);
    return [this.starts[base + f]!, this.starts[base + f + 1]! - 1];
  }

  private flush(): void {
    if (!this.lines.length) return;
    const s = this.scratch;
    const content = s.buf.subarray(0, s.o);
    const h1 = this.hash.h64Raw(content, 0n);
    const h2 = this.hash.h64Raw(content, 0x5053434fn);
    const contentHash = h1.toString(16).padStart(16, '0') + h2.toString(16).padStart(16, '0');
    const id = this.current;
    const type = id.slice(0, 1);
    const out = this.out;
    this.professionals += 1;
    out.professional.ensure(id.length * 2 + this.civilite.length + 48);
    out.professional.ascii(`${id}\t${type}\t${id.slice(1)}\t${this.civilite}\t${contentHash}\n`);
    if (out.change) {
      out.change.ensure(id.length + this.civilite.length + 64);
      out.change.ascii(`${id}\t${this.options.changeLog!.importId}\tcreated\t${this.options.changeLog!.at}\t${this.civilite}\n`);
    }
    if (this.options.isKnown?.(Number(h1 & 0xffffffffn), Number(h1 >> 32n))) return;
    this.written += 1;
    this.writeRecord(id);
  }

  private writeRecord(id: string): void {
    const s = this.scratch.buf;
    const rows = this.lines.length;
    const keys: string[] = [];
    const exerciceOf = new Int32Array(rows);
    const firstRow: number[] = [];
    const sfRow: number[] = [];
    for (let r = 0; r < rows; r += 1) {
      const [ks] = this.field(r, EX0);
      const [, ke] = this.field(r, KEY_END - 1);
      const key = s.toString('latin1', ks, ke);
      let e = keys.indexOf(key);
      if (e === -1) {
        e = keys.push(key) - 1;
        firstRow.push(r);
        sfRow.push(-1);
      }
      exerciceOf[r] = e;
      const [ts, te] = this.field(r, SF);
      if (sfRow[e] === -1 && te - ts === 1 && s[ts] === 0x53 /* S */) sfRow[e] = r;
    }
    const ex = this.out.exercice;
    for (let e = 0; e < keys.length; e += 1) {
      const first = firstRow[e]!;
      const sf = sfRow[e] === -1 ? first : sfRow[e]!;
      const [a] = this.field(first, EX0);
      const [b] = this.field(first, SF);
      const [c] = this.field(sf, SF);
      const [d] = this.field(sf, ACT0);
      ex.ensure(id.length + 16 + (b - a) + (d - c));
      ex.ascii(`${id}\t${e}\t`);
      ex.bytes(s, a, b);
      ex.bytes(s, c, d - 1);
      ex.byte(LF);
    }
    const act = this.out.activity;
    for (let r = 0; r < rows; r += 1) {
      const [as] = this.field(r, ACT0);
      const end = this.starts[r * (SEG_FIELDS + 1) + SEG_FIELDS]!; // just past the row's LF
      if (this.repeatsEarlierActivity(r, exerciceOf, as, end)) continue;
      act.ensure(id.length + 32 + (end - as));
      act.ascii(`${id}\t${exerciceOf[r]}\t${this.lines[r]}\t`);
      act.bytes(s, as, end);
      this.writeStructure(r);
    }
  }

  /** Same 30 activity fields as an earlier row of the same exercice (a savoir-faire repeat). */
  private repeatsEarlierActivity(r: number, exerciceOf: Int32Array, as: number, end: number): boolean {
    const s = this.scratch.buf;
    for (let q = 0; q < r; q += 1) {
      if (exerciceOf[q] !== exerciceOf[r]) continue;
      const [qs] = this.field(q, ACT0);
      const qe = this.starts[q * (SEG_FIELDS + 1) + SEG_FIELDS]!;
      if (s.compare(s, as, end, qs, qe) === 0) return true;
    }
    return false;
  }

  private writeStructure(r: number): void {
    const s = this.scratch.buf;
    const [is, ie] = this.field(r, STRUCTURE_ID);
    if (ie === is) return;
    // 1.2 M structures in a national extract: their ids' hashes, not the ids, are remembered
    // (~20 MB instead of ~100); a 64-bit collision (about never) would leave one site out of
    // directory_structure, while its activities still carry all its fields.
    const h = this.hash.h64Raw(s.subarray(is, ie), 0n);
    if (!this.structures.add(Number(h & 0xffffffffn), Number(h >> 32n))) return;
    const st = this.out.structure;
    st.ensure(512);
    for (let i = 0; i < STRUCTURE_SEG.length; i += 1) {
      const [fs, fe] = this.field(r, STRUCTURE_SEG[i]!);
      st.ensure(fe - fs + 2);
      st.bytes(s, fs, fe);
      st.byte(i === STRUCTURE_SEG.length - 1 ? LF : TAB);
    }
  }
}

export type { UnknownCode };
