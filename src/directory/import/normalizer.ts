import xxhash from 'xxhash-wasm';

import { ACTIVITY_FIELDS, EXERCICE_FIELDS } from '../fields.js';
import type { HeaderInfo } from './extract-to-copy.js';
import { CopyBuffer } from './copy-sink.js';
import { HASH64, hashBytes64, HashSet64 } from './hash-set.js';
import { ImportError } from './errors.js';
import { putField, sameBytes, type LineIssue, type MalformedPolicy, type RawRow } from './row-parser.js';
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
}

export interface NormalizerOptions {
  header: HeaderInfo;
  malformed: MalformedPolicy;
  /** Counts and keeps examples of rows skipped as invalid (the parser's own counter). */
  skip: (issue: LineIssue) => void;
  /** True when the mirror already holds exactly this record (fingerprint = first 64 bits of the content hash): its rows are not written. */
  isKnown?: (lo: number, hi: number) => boolean;
  /** Who remembers the professionals and structures already seen (default: this normalizer, in two hash sets). */
  keys?: NormalizerKeys;
}

/**
 * The memory of a whole file: professionals seen (a professional's rows must be contiguous) and
 * structures already written (the first row naming a site describes it). A normalizer working on
 * one part of the file on a worker thread hands these keys to the thread that sees all parts.
 */
export interface NormalizerKeys {
  /** A professional starts (exact 64-bit key of the national id): false if seen before — the file is not grouped. */
  professional(lo: number, hi: number): boolean;
  /** A written activity row names a structure (64-bit hash of its id): true to write the structure's line. */
  structure(lo: number, hi: number): boolean;
}

/** Both sets in this thread: the whole file goes through one normalizer. */
export function localKeys(): NormalizerKeys {
  const seen = new HashSet64();
  // 1.2 M structures in a national extract: their ids' hashes, not the ids, are remembered
  // (~20 MB instead of ~100); a 64-bit collision (about never) would leave one site out of
  // directory_structure, while its activities still carry all its fields.
  const structures = new HashSet64();
  return { professional: (lo, hi) => seen.add(lo, hi), structure: (lo, hi) => structures.add(lo, hi) };
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
  private readonly keys: NormalizerKeys;
  private readonly scratch = new CopyBuffer();
  // Per row of the current group: start offset of each segment field, plus its end sentinel.
  private starts = new Int32Array(8 * (SEG_FIELDS + 1));
  private lines: number[] = [];
  /** Length of the current professional's national id (its bytes start the scratch buffer); 0: none yet. */
  private idLength = 0;
  /** Segment base (index into `starts`) of the row whose civilité is kept. */
  private civiliteAt = -1;
  // Per professional, reused: exercice of each row, and per exercice its first row and its savoir-faire row.
  private exerciceOf = new Int32Array(8);
  private firstRow = new Int32Array(8);
  private sfRow = new Int32Array(8);

  constructor(private readonly options: NormalizerOptions, private readonly out: NormalizerOutputs, private readonly hash: Hasher) {
    const fileIndex = (c: string) => options.header.fileColumns.indexOf(c);
    this.column = Int32Array.from(SEGMENT_COLUMNS, fileIndex);
    this.identity = { nationalId: fileIndex('identification_nationale_pp'), type: fileIndex('type_identifiant_pp'), identifier: fileIndex('identifiant_pp') };
    this.unknownCodes = new UnknownCodeCounter(options.header.fileColumns);
    this.validator = new RowValidator(options.header.fileColumns);
    this.keys = options.keys ?? localKeys();
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
    const is = starts[idField]!;
    const ie = starts[idField + 1]! - 1;
    if (!this.isCurrent(buf, is, ie)) {
      this.flush();
      this.begin(buf, is, ie, row.line);
    }
    this.unknownCodes.count(row);
    this.append(row);
  }

  /** End of input: the last professional. */
  end(): void {
    this.flush();
    // A part of the file ends with a whole professional: the next part starts afresh.
    this.idLength = 0;
    this.lines.length = 0;
  }

  /** The row belongs to the professional being gathered (their id starts the scratch buffer). */
  private isCurrent(buf: Buffer, is: number, ie: number): boolean {
    const n = ie - is;
    if (n !== this.idLength) return false;
    const s = this.scratch.buf;
    for (let k = 0; k < n; k += 1) if (s[k] !== buf[is + k]) return false;
    return true;
  }

  private begin(buf: Buffer, is: number, ie: number, line: number): void {
    // Valid national ids (the validator ran) pack exactly into 64 bits: no hash, no collision.
    const [lo, hi] = packNationalId(buf, is, ie);
    if (!this.keys.professional(lo, hi)) throw new NotGroupedError(buf.toString('latin1', is, ie), line);
    const s = this.scratch;
    s.o = 0;
    s.ensure(ie - is + 1);
    s.bytes(buf, is, ie);
    this.idLength = ie - is;
    s.byte(LF);
    this.civiliteAt = -1;
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
    if (k === 0 || this.civiliteBefore(base)) this.civiliteAt = base;
  }

  /** The civilité of the row segment at `base` sorts before the one kept so far (byte order). */
  private civiliteBefore(base: number): boolean {
    const b = this.scratch.buf;
    const keep = this.civiliteAt;
    return b.compare(b, this.starts[base]!, this.starts[base + 1]! - 1, this.starts[keep]!, this.starts[keep + 1]! - 1) < 0;
  }

  /** Start of segment field `f` of row `row` in the scratch buffer. */
  private fieldStart(row: number, f: number): number {
    return this.starts[row * (SEG_FIELDS + 1) + f]!;
  }

  /** End (exclusive, before its tab or LF) of segment field `f` of row `row`. */
  private fieldEnd(row: number, f: number): number {
    return this.starts[row * (SEG_FIELDS + 1) + f + 1]! - 1;
  }

  private flush(): void {
    if (!this.lines.length) return;
    const s = this.scratch;
    const content = s.buf.subarray(0, s.o);
    const h1 = this.hash.h64Raw(content, 0n);
    const h2 = this.hash.h64Raw(content, 0x5053434fn);
    const lo1 = Number(h1 & 0xffffffffn);
    const hi1 = Number(h1 >> 32n);
    const idLength = this.idLength;
    const [cs, ce] = [this.starts[this.civiliteAt]!, this.starts[this.civiliteAt + 1]! - 1];
    const out = this.out;
    this.professionals += 1;
    // national_id, type, identifier, code_civilite, content_hash (32 hex digits)
    const p = out.professional;
    p.ensure(idLength * 2 + (ce - cs) + 40);
    p.bytes(s.buf, 0, idLength);
    p.byte(TAB);
    p.byte(s.buf[0]!);
    p.byte(TAB);
    p.bytes(s.buf, 1, idLength);
    p.byte(TAB);
    p.bytes(s.buf, cs, ce);
    p.byte(TAB);
    p.hex32(hi1);
    p.hex32(lo1);
    p.hex32(Number(h2 >> 32n));
    p.hex32(Number(h2 & 0xffffffffn));
    p.byte(LF);
    if (this.options.isKnown?.(lo1, hi1)) return;
    this.written += 1;
    this.writeRecord();
  }

  private writeRecord(): void {
    const s = this.scratch.buf;
    const rows = this.lines.length;
    if (this.exerciceOf.length < rows) {
      this.exerciceOf = new Int32Array(rows * 2);
      this.firstRow = new Int32Array(rows * 2);
      this.sfRow = new Int32Array(rows * 2);
    }
    const { exerciceOf, firstRow, sfRow } = this;
    // Exercices: one per (profession, catégorie) key, in order of first row.
    let exercices = 0;
    for (let r = 0; r < rows; r += 1) {
      const ks = this.fieldStart(r, EX0);
      const ke = this.fieldEnd(r, KEY_END - 1);
      let e = 0;
      for (; e < exercices; e += 1) {
        const fs = this.fieldStart(firstRow[e]!, EX0);
        const fe = this.fieldEnd(firstRow[e]!, KEY_END - 1);
        if (sameBytes(s, ks, ke, fs, fe)) break;
      }
      if (e === exercices) {
        firstRow[e] = r;
        sfRow[e] = -1;
        exercices += 1;
      }
      exerciceOf[r] = e;
      const ts = this.fieldStart(r, SF);
      const te = this.fieldEnd(r, SF);
      if (sfRow[e] === -1 && te - ts === 1 && s[ts] === 0x53 /* S */) sfRow[e] = r;
    }
    const idLength = this.idLength;
    const ex = this.out.exercice;
    for (let e = 0; e < exercices; e += 1) {
      const first = firstRow[e]!;
      const sf = sfRow[e] === -1 ? first : sfRow[e]!;
      const a = this.fieldStart(first, EX0);
      const b = this.fieldStart(first, SF);
      const c = this.fieldStart(sf, SF);
      const d = this.fieldStart(sf, ACT0);
      ex.ensure(idLength + 16 + (b - a) + (d - c));
      ex.bytes(s, 0, idLength);
      ex.byte(TAB);
      ex.decimal(e);
      ex.byte(TAB);
      ex.bytes(s, a, b);
      ex.bytes(s, c, d - 1);
      ex.byte(LF);
    }
    const act = this.out.activity;
    for (let r = 0; r < rows; r += 1) {
      const as = this.fieldStart(r, ACT0);
      const end = this.starts[r * (SEG_FIELDS + 1) + SEG_FIELDS]!; // just past the row's LF
      if (this.repeatsEarlierActivity(r, exerciceOf, as, end)) continue;
      act.ensure(idLength + 32 + (end - as));
      act.bytes(s, 0, idLength);
      act.byte(TAB);
      act.decimal(exerciceOf[r]!);
      act.byte(TAB);
      act.decimal(this.lines[r]!);
      act.byte(TAB);
      act.bytes(s, as, end);
      this.writeStructure(r);
    }
  }

  /** Same 30 activity fields as an earlier row of the same exercice (a savoir-faire repeat). */
  private repeatsEarlierActivity(r: number, exerciceOf: Int32Array, as: number, end: number): boolean {
    const s = this.scratch.buf;
    for (let q = 0; q < r; q += 1) {
      if (exerciceOf[q] !== exerciceOf[r]) continue;
      const qs = this.fieldStart(q, ACT0);
      const qe = this.starts[q * (SEG_FIELDS + 1) + SEG_FIELDS]!;
      if (qe - qs === end - as && s.compare(s, as, end, qs, qe) === 0) return true;
    }
    return false;
  }

  private writeStructure(r: number): void {
    const s = this.scratch.buf;
    const is = this.fieldStart(r, STRUCTURE_ID);
    const ie = this.fieldEnd(r, STRUCTURE_ID);
    if (ie === is) return;
    hashBytes64(s, is, ie);
    if (!this.keys.structure(HASH64[0]!, HASH64[1]!)) return;
    const st = this.out.structure;
    st.ensure(512);
    for (let i = 0; i < STRUCTURE_SEG.length; i += 1) {
      const f = STRUCTURE_SEG[i]!;
      const fs = this.fieldStart(r, f);
      const fe = this.fieldEnd(r, f);
      st.ensure(fe - fs + 2);
      st.bytes(s, fs, fe);
      st.byte(i === STRUCTURE_SEG.length - 1 ? LF : TAB);
    }
  }
}

/**
 * A valid national id as an exact 64-bit key (two uint32 halves): `8` + 11 digits (< 2^37) or `0`
 * + 9 digits or capitals read in base 36 (< 2^47), the type as a high tag bit — never (0, 0).
 */
export function packNationalId(buf: Buffer, s: number, e: number): [number, number] {
  const rpps = buf[s] === 0x38;
  const radix = rpps ? 10 : 36;
  let v = 0;
  for (let k = s + 1; k < e; k += 1) {
    const c = buf[k]!;
    v = v * radix + (c <= 0x39 ? c - 0x30 : c - 0x41 + 10);
  }
  const tag = rpps ? 1 << 30 : 1 << 29;
  return [v % 0x100000000, (Math.floor(v / 0x100000000) | tag) >>> 0];
}

/** The national id of a key made by packNationalId (messages only). */
export function unpackNationalId(lo: number, hi: number): string {
  const rpps = (hi & (1 << 30)) !== 0;
  const v = (hi & ~((1 << 30) | (1 << 29))) * 0x100000000 + lo;
  return rpps ? `8${String(v).padStart(11, '0')}` : `0${v.toString(36).toUpperCase().padStart(9, '0')}`;
}

export type { UnknownCode };
