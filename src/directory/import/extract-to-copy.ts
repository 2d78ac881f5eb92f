import { Transform, type TransformCallback } from 'node:stream';

import { splitFields, type HeaderMapping } from './columns.js';
import { ExtractRowParser, putField, type LineIssue, type MalformedPolicy, type RawRow } from './row-parser.js';

export type { LineIssue, MalformedPolicy } from './row-parser.js';

export interface ExtractToCopyOptions {
  malformed: MalformedPolicy;
  /** How many skipped lines to keep as examples in the report. */
  keepIssues?: number;
}

export type HeaderInfo = HeaderMapping & { headers: string[]; trailingPipe: boolean };

/**
 * Turns the bytes of a `PS_LibreAcces_Personne_activite` file into PostgreSQL COPY text rows
 * `line_no \t field1 \t … \t fieldN` of the raw staging table. Only an extract whose rows are not
 * grouped by professional goes through raw staging (PostgreSQL then sorts it, see importer.ts);
 * the parsing rules are those of ExtractRowParser.
 */
export class ExtractToCopy extends Transform {
  private readonly parser: ExtractRowParser;
  private out: Buffer[] = [];

  constructor(header: HeaderInfo, options: ExtractToCopyOptions) {
    super({ readableHighWaterMark: 1 << 16, writableHighWaterMark: 1 << 16 });
    this.parser = new ExtractRowParser({ headers: header.headers, trailingPipe: header.trailingPipe, ...options }, (row) => this.out.push(copyLine(row, header.fieldCount)));
  }

  get rows(): number { return this.parser.rows; }
  get skipped(): number { return this.parser.skipped; }
  get bytesIn(): number { return this.parser.bytesIn; }
  get issues(): LineIssue[] { return this.parser.issues; }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.parser.push(chunk);
      done(null, this.pending());
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.parser.end();
      done(null, this.pending());
    } catch (err) {
      done(err as Error);
    }
  }

  private pending(): Buffer | undefined {
    if (!this.out.length) return undefined;
    const b = Buffer.concat(this.out);
    this.out = [];
    return b;
  }
}

function copyLine(row: RawRow, fieldCount: number): Buffer {
  const { buf, starts } = row;
  const size = (starts[fieldCount]! - starts[0]!) * 2 + 24;
  const out = Buffer.allocUnsafe(size);
  let o = out.write(String(row.line), 0, 'latin1');
  for (let f = 0; f < fieldCount; f += 1) {
    out[o++] = 0x09;
    o = putField(out, o, buf, starts[f]!, starts[f + 1]! - 1, row.special);
  }
  out[o++] = 0x0a;
  return out.subarray(0, o);
}

/** The header line of an extract, as mapped plus what the line parser needs. */
export function headerInfo(mapping: HeaderMapping, headerLine: string): HeaderInfo {
  return { ...mapping, headers: splitFields(headerLine).map((h) => h.normalize('NFC').trim()), trailingPipe: headerLine.replace(/\r$/, '').endsWith('|') };
}
