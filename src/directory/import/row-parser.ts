import { isUtf8 } from 'node:buffer';

import { ImportError } from './errors.js';

/** What to do with a line that does not have the header's number of fields. */
export type MalformedPolicy = 'skip' | 'stop';

export interface LineIssue {
  line: number;
  field?: string;
  message: string;
}

/**
 * One data line of the extract, without copying it: field `i` is
 * `buf[starts[i], starts[i + 1] - 1)` (each field ends one byte before the next one starts, where
 * its pipe is). `starts` is reused for the next row: read it during the callback only.
 */
export interface RawRow {
  buf: Buffer;
  starts: Int32Array;
  /** Line number in the file (the header is line 1). */
  line: number;
  /** The line holds a backslash, a tab or a stray CR: fields need escaping for COPY. */
  special: boolean;
}

export interface RowParserOptions {
  /** Header names in file order (field names of error messages) and whether it ends with `|`. */
  headers: string[];
  trailingPipe: boolean;
  malformed: MalformedPolicy;
  /** The input has no header line and every line starts with its original line number and a pipe (read-back of a sorted staging table). */
  numberedLines?: boolean;
  keepIssues?: number;
}

const PIPE = 0x7c;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Skipped lines kept as examples in the report. */
export const ISSUE_SAMPLES = 20;

/**
 * Splits the bytes of a `PS_LibreAcces_Personne_activite` file into rows, chunk by chunk, in
 * bounded memory, and hands each row to `onRow` as byte offsets into the block.
 *
 * The extract has no quoting and no escapes, so a field is everything between two pipes. The
 * work is done on bytes, not strings: `|`, tab, CR, LF and `\` are ASCII and never occur inside a
 * UTF-8 multi-byte sequence, so one pass over each line finds the pipes — several times faster
 * than string splitting, and far faster than readline or a CSV parser on 800 MB. UTF-8 is
 * validated strictly per block of whole lines (`isUtf8`), a BOM is dropped, CRLF and LF are both
 * accepted, the trailing `|` is dropped, and a last line cut off mid-way is refused.
 */
export class ExtractRowParser {
  /** Physical lines seen, the header included. */
  linesRead = 0;
  /** Data rows handed to onRow. */
  rows = 0;
  /** Lines skipped (malformed, with policy `skip`). */
  skipped = 0;
  /** Bytes of input consumed (progress). */
  bytesIn = 0;
  readonly issues: LineIssue[] = [];

  private leftover: Buffer = Buffer.alloc(0);
  private atStart = true;
  private headerSeen: boolean;
  private readonly fieldCount: number;
  private readonly starts: Int32Array;
  private readonly row: RawRow;

  constructor(private readonly options: RowParserOptions, private readonly onRow: (row: RawRow) => void) {
    this.fieldCount = options.headers.length;
    this.headerSeen = !!options.numberedLines;
    // One more slot for the leading line number of numbered lines.
    this.starts = new Int32Array(this.fieldCount + 2);
    this.row = { buf: Buffer.alloc(0), starts: this.starts, line: 0, special: false };
  }

  /**
   * The input continues with a part of the file that starts on a line boundary, after
   * `linesBefore` lines of the file (the header included): parts read on worker threads.
   */
  startPart(linesBefore: number): void {
    if (this.leftover.length) throw new Error('a part must start on a line boundary');
    if (linesBefore > 0) {
      this.atStart = false;
      this.headerSeen = true;
    }
    this.linesRead = linesBefore;
  }

  /** Feeds a chunk; rows of every whole line in it are handed over before it returns. */
  push(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    let buf = this.leftover.length ? Buffer.concat([this.leftover, chunk]) : chunk;
    if (this.atStart) {
      if (buf.length < BOM.length) {
        this.leftover = Buffer.from(buf);
        return;
      }
      if (buf.subarray(0, BOM.length).equals(BOM)) buf = buf.subarray(BOM.length);
      this.atStart = false;
    }
    const lastNewline = buf.lastIndexOf(LF);
    if (lastNewline === -1) {
      this.leftover = Buffer.from(buf);
      return;
    }
    this.leftover = Buffer.from(buf.subarray(lastNewline + 1));
    this.parseBlock(buf.subarray(0, lastNewline + 1));
  }

  /** End of input: the last line (without its newline) must be complete. */
  end(): void {
    let rest = this.leftover;
    this.leftover = Buffer.alloc(0);
    if (this.atStart && rest.subarray(0, BOM.length).equals(BOM)) rest = rest.subarray(BOM.length);
    const end = rest.length && rest[rest.length - 1] === CR ? rest.length - 1 : rest.length;
    if (end === 0) {
      if (!this.headerSeen) throw new ImportError('EXTRACT_EMPTY', 'the file has no header line');
      return;
    }
    // A last line without its newline is where a cut-off download shows: it must be complete.
    if (this.headerSeen) {
      const line = rest.subarray(0, end);
      const pipes = countByte(line, PIPE);
      const trailing = line[line.length - 1] === PIPE;
      const expected = this.fieldCount - 1;
      if (trailing !== this.options.trailingPipe || pipes !== (trailing ? expected + 1 : expected)) {
        throw new ImportError('EXTRACT_TRUNCATED', `the file ends in the middle of a line (${pipes + 1} fields)`, { line: this.linesRead + 1 });
      }
    }
    this.parseBlock(Buffer.concat([rest, Buffer.from([LF])]));
  }

  /** Whole lines (the block ends with LF). */
  private parseBlock(block: Buffer): void {
    if (!isUtf8(block)) throw this.invalidUtf8(block);
    const starts = this.starts;
    const row = this.row;
    const numbered = !!this.options.numberedLines;
    const pipesWanted = this.fieldCount - 1 + (numbered ? 1 : 0);
    row.buf = block;
    // Backslash, tab and stray CR need COPY escaping; they are rare, so a block without any (the
    // norm) is split by the loop that only looks for pipes, one comparison per byte.
    const blockSpecial = block.indexOf(BACKSLASH) !== -1 || block.indexOf(TAB) !== -1 || hasStrayCr(block);
    let i = 0;
    while (i < block.length) {
      const newline = block.indexOf(LF, i);
      const start = i;
      i = newline + 1;
      this.linesRead += 1;
      const end = newline > start && block[newline - 1] === CR ? newline - 1 : newline;
      if (!this.headerSeen) {
        // The header was mapped before reading started; here we only step over it.
        this.headerSeen = true;
        continue;
      }
      if (end === start) continue;
      let pipes = 0;
      let special = false;
      starts[0] = start;
      if (blockSpecial) {
        for (let k = start; k < end; k += 1) {
          const c = block[k]!;
          if (c === PIPE) {
            pipes += 1;
            if (pipes <= pipesWanted + 1) starts[pipes] = k + 1;
          } else if (c === BACKSLASH || c === TAB || c === CR) {
            special = true;
          }
        }
      } else {
        const last = pipesWanted + 1;
        for (let k = start; k < end; k += 1) {
          if (block[k] === PIPE && ++pipes <= last) starts[pipes] = k + 1;
        }
      }
      if (pipes === pipesWanted + 1 && block[end - 1] === PIPE) {
        // trailing pipe: starts[fieldCount] already points just past it
      } else if (pipes === pipesWanted) {
        starts[pipes + 1] = end + 1;
      } else {
        this.malformed(pipes + 1 - (numbered ? 1 : 0));
        continue;
      }
      if (numbered) {
        row.line = parseDigits(block, start, starts[1]! - 1);
        starts.copyWithin(0, 1);
      } else {
        row.line = this.linesRead;
      }
      row.special = special;
      this.rows += 1;
      this.onRow(row);
    }
  }

  private invalidUtf8(block: Buffer): ImportError {
    let line = this.linesRead;
    for (let i = 0; i < block.length;) {
      const newline = block.indexOf(LF, i);
      line += 1;
      if (!isUtf8(block.subarray(i, newline))) break;
      i = newline + 1;
    }
    return new ImportError('EXTRACT_INVALID_UTF8', 'invalid UTF-8 byte sequence', { line });
  }

  private malformed(found: number): void {
    const expected = this.fieldCount;
    const field = found < expected ? this.options.headers[found] : undefined;
    const message = found < expected
      ? `expected ${expected} fields, found ${found} (first missing: "${field}")`
      : `expected ${expected} fields, found ${found}`;
    if (this.options.malformed === 'stop') throw new ImportError('EXTRACT_MALFORMED_LINE', message, { line: this.linesRead, field });
    this.skip({ line: this.linesRead, field, message });
  }

  /** Lines skipped before this parser ran (raw staging of an ungrouped file), counted with its own. */
  addSkipped(count: number, issues: readonly LineIssue[]): void {
    this.skipped += count;
    this.issues.push(...issues.slice(0, Math.max(0, (this.options.keepIssues ?? ISSUE_SAMPLES) - this.issues.length)));
  }

  /** Counts a skipped line (here or found invalid later) and keeps the first few as examples. */
  skip(issue: LineIssue): void {
    this.skipped += 1;
    if (this.issues.length < (this.options.keepIssues ?? ISSUE_SAMPLES)) this.issues.push(issue);
  }
}

/** A CR that does not end a line (a CRLF's CR is not part of any field). */
function hasStrayCr(block: Buffer): boolean {
  for (let i = block.indexOf(CR); i !== -1; i = block.indexOf(CR, i + 1)) {
    if (block[i + 1] !== LF) return true;
  }
  return false;
}

function countByte(buf: Buffer, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i !== -1; i = buf.indexOf(byte, i + 1)) n += 1;
  return n;
}

function parseDigits(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let k = start; k < end; k += 1) n = n * 10 + (buf[k]! - 0x30);
  return n;
}

/** `b[s1, e1)` and `b[s2, e2)` hold the same bytes (short ranges: no native call). */
export function sameBytes(b: Uint8Array, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let k = 0; k < e1 - s1; k += 1) if (b[s1 + k] !== b[s2 + k]) return false;
  return true;
}

/** Appends field bytes to `out` at `o` in COPY text form (`\`, tab, CR escaped when `special`); returns the new offset. */
export function putField(out: Buffer, o: number, src: Buffer, s: number, e: number, special: boolean): number {
  if (!special) {
    if (e - s > 48) return o + src.copy(out, o, s, e);
    for (let k = s; k < e; k += 1) out[o++] = src[k]!;
    return o;
  }
  for (let k = s; k < e; k += 1) {
    const c = src[k]!;
    if (c === BACKSLASH) {
      out[o++] = BACKSLASH;
      out[o++] = BACKSLASH;
    } else if (c === TAB) {
      out[o++] = BACKSLASH;
      out[o++] = 0x74; // t
    } else if (c === CR) {
      out[o++] = BACKSLASH;
      out[o++] = 0x72; // r
    } else {
      out[o++] = c;
    }
  }
  return o;
}
