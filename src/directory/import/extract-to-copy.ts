import { Transform, type TransformCallback } from 'node:stream';

import { splitFields, type HeaderMapping } from './columns.js';
import { ImportError } from './errors.js';

/** What to do with a line that does not have the header's number of fields. */
export type MalformedPolicy = 'skip' | 'stop';

export interface LineIssue {
  line: number;
  field?: string;
  message: string;
}

export interface ExtractToCopyOptions {
  malformed: MalformedPolicy;
  /** How many skipped lines to keep as examples in the report. */
  keepIssues?: number;
}

const ISSUE_SAMPLES = 20;

/**
 * Turns the bytes of a `PS_LibreAcces_Personne_activite` file into PostgreSQL COPY text rows
 * `line_no \t field1 \t … \t fieldN`, chunk by chunk, in bounded memory.
 *
 * The extract has no quoting and no escapes, so a field is everything between two pipes: we only
 * escape what COPY's text format treats specially (`\`, tab, CR) and turn pipes into tabs. That
 * keeps the per-line work to a few native string calls — readline and a CSV parser are far slower
 * on 800 MB. UTF-8 is decoded strictly (an invalid byte stops the import), a BOM is dropped, CRLF
 * and LF are both accepted, the trailing `|` is dropped.
 */
export class ExtractToCopy extends Transform {
  /** Physical lines seen, the header included. */
  linesRead = 0;
  /** Data rows written to COPY. */
  rows = 0;
  /** Lines skipped (malformed, with policy `skip`). */
  skipped = 0;
  /** Bytes of input consumed (progress). */
  bytesIn = 0;
  readonly issues: LineIssue[] = [];

  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private leftover = '';
  private headerSeen = false;
  private readonly pipes: number;
  private readonly headerHasTrailingPipe: boolean;

  constructor(private readonly header: HeaderMapping & { headers: string[]; trailingPipe: boolean }, private readonly options: ExtractToCopyOptions) {
    super({ readableHighWaterMark: 1 << 16, writableHighWaterMark: 1 << 16 });
    this.pipes = header.fieldCount - 1;
    this.headerHasTrailingPipe = header.trailingPipe;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytesIn += chunk.length;
    let text: string;
    try {
      text = this.leftover + this.decoder.decode(chunk, { stream: true });
    } catch {
      done(new ImportError('EXTRACT_INVALID_UTF8', 'invalid UTF-8 byte sequence', { line: this.linesRead + 1 }));
      return;
    }
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline === -1) {
      this.leftover = text;
      done();
      return;
    }
    this.leftover = text.slice(lastNewline + 1);
    try {
      const out = this.convert(text.slice(0, lastNewline));
      done(null, out.length ? Buffer.from(out, 'utf8') : undefined);
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      const rest = this.leftover + this.decoder.decode();
      this.leftover = '';
      if (rest.replace(/\r$/, '') === '') {
        if (!this.headerSeen) throw new ImportError('EXTRACT_EMPTY', 'the file has no header line');
        done();
        return;
      }
      // A last line without its newline is where a cut-off download shows: it must be complete.
      const line = rest.replace(/\r$/, '');
      if (this.headerSeen && (line.endsWith('|') !== this.headerHasTrailingPipe || this.countPipes(line) !== this.expectedPipes(line))) {
        throw new ImportError('EXTRACT_TRUNCATED', `the file ends in the middle of a line (${this.countPipes(line) + 1} fields)`, { line: this.linesRead + 1 });
      }
      const out = this.convert(rest);
      done(null, out.length ? Buffer.from(out, 'utf8') : undefined);
    } catch (err) {
      done(err instanceof TypeError ? new ImportError('EXTRACT_INVALID_UTF8', 'the file ends inside a UTF-8 sequence', { line: this.linesRead + 1 }) : err as Error);
    }
  }

  private expectedPipes(line: string): number {
    return line.endsWith('|') ? this.pipes + 1 : this.pipes;
  }

  private countPipes(line: string): number {
    let n = 0;
    for (let i = line.indexOf('|'); i !== -1; i = line.indexOf('|', i + 1)) n += 1;
    return n;
  }

  /** Complete lines (no final newline) → COPY text. */
  private convert(block: string): string {
    let escaped = block;
    if (escaped.includes('\\')) escaped = escaped.replaceAll('\\', '\\\\');
    if (escaped.includes('\t')) escaped = escaped.replaceAll('\t', '\\t');
    const lines = escaped.split('\n');
    let out = '';
    for (let line of lines) {
      this.linesRead += 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (!this.headerSeen) {
        // The header was mapped before the COPY started; here we only step over it.
        this.headerSeen = true;
        continue;
      }
      if (line === '') continue;
      if (line.includes('\r')) line = line.replaceAll('\r', '\\r');
      const pipes = this.countPipes(line);
      if (pipes === this.pipes + 1 && line.endsWith('|')) line = line.slice(0, -1);
      else if (pipes !== this.pipes) {
        this.malformed(pipes + 1);
        continue;
      }
      out += `${this.linesRead}\t${line.replaceAll('|', '\t')}\n`;
      this.rows += 1;
    }
    return out;
  }

  private malformed(found: number): void {
    const expected = this.header.fieldCount;
    const field = found < expected ? this.header.headers[found] : undefined;
    const message = found < expected
      ? `expected ${expected} fields, found ${found} (first missing: "${field}")`
      : `expected ${expected} fields, found ${found}`;
    if (this.options.malformed === 'stop') throw new ImportError('EXTRACT_MALFORMED_LINE', message, { line: this.linesRead, field });
    this.skipped += 1;
    if (this.issues.length < (this.options.keepIssues ?? ISSUE_SAMPLES)) this.issues.push({ line: this.linesRead, field, message });
  }
}

/** The header line of an extract, as mapped plus what the line converter needs. */
export function headerInfo(mapping: HeaderMapping, headerLine: string): HeaderMapping & { headers: string[]; trailingPipe: boolean } {
  return { ...mapping, headers: splitFields(headerLine).map((h) => h.normalize('NFC').trim()), trailingPipe: headerLine.replace(/\r$/, '').endsWith('|') };
}
