import { parentPort, workerData } from 'node:worker_threads';

import { CopyBuffer } from './copy-sink.js';
import { ImportError } from './errors.js';
import type { HeaderInfo } from './extract-to-copy.js';
import { HashSet64, type HashSetSnapshot } from './hash-set.js';
import { loadHasher, Normalizer, NotGroupedError, type NormalizerKeys } from './normalizer.js';
import { ExtractRowParser, type LineIssue, type MalformedPolicy } from './row-parser.js';
import type { UnknownCode } from './unknown-codes.js';

/**
 * A worker thread of the parallel reader (normalize-parallel.ts): it normalizes the parts of the
 * file it is sent — whole professionals each — and hands back their COPY text, with the keys of
 * the professionals and structures it met, which the main thread checks against the whole file.
 */

export interface WorkerSetup {
  header: HeaderInfo;
  malformed: MalformedPolicy;
  numberedLines: boolean;
  /** Daily sync: the mirror's fingerprints, shared (not copied). */
  known?: HashSetSnapshot;
}

export interface PartJob {
  seq: number;
  bytes: Uint8Array;
  /** Lines of the file before this part (the header included). */
  linesBefore: number;
  /** The file's last part: it may end without a newline, and must not end mid-line. */
  last: boolean;
}

export interface PartResult {
  seq: number;
  professional: Uint8Array;
  exercice: Uint8Array;
  activity: Uint8Array;
  /** Candidate structure lines: line i is structure[starts[i], starts[i + 1] or the end). */
  structure: Uint8Array;
  structureStarts: Int32Array;
  /** (lo, hi) per candidate structure line. */
  structureKeys: Uint32Array;
  /** (lo, hi) of each professional of the part, in order, with the line where they start. */
  professionalKeys: Uint32Array;
  professionalLines: Int32Array;
  rows: number;
  skipped: number;
  invalidRows: number;
  professionals: number;
  written: number;
  issues: LineIssue[];
}

export type WorkerFailure =
  | { seq: number; kind: 'import'; code: ImportError['code']; message: string; line?: number; field?: string }
  | { seq: number; kind: 'notGrouped'; nationalId: string; line: number }
  | { seq: number; kind: 'internal'; message: string };

export type WorkerRequest = { job: PartJob } | { report: true };
export type WorkerReply = { result: PartResult } | { failure: WorkerFailure } | { report: UnknownCode[] };

/** A growable list of 32-bit values, handed over as an exact-size typed array. */
class List32 {
  private a = new Uint32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  take(): Uint32Array {
    const out = this.a.slice(0, this.n);
    this.n = 0;
    return out;
  }
}

async function main(): Promise<void> {
  const port = parentPort!;
  const setup = workerData as WorkerSetup;
  const known = setup.known ? HashSet64.view(setup.known) : undefined;
  const outputs = { professional: new CopyBuffer(), exercice: new CopyBuffer(), activity: new CopyBuffer(), structure: new CopyBuffer() };
  const professionalKeys = new List32();
  const professionalLines = new List32();
  const structureKeys = new List32();
  const structureStarts = new List32();
  let line = 0;
  const keys: NormalizerKeys = {
    professional(lo, hi) {
      professionalKeys.push(lo);
      professionalKeys.push(hi);
      professionalLines.push(line);
      return true;
    },
    structure(lo, hi) {
      structureKeys.push(lo);
      structureKeys.push(hi);
      structureStarts.push(outputs.structure.o);
      return true;
    },
  };
  let parser: ExtractRowParser | undefined;
  const normalizer = new Normalizer({
    header: setup.header, malformed: setup.malformed, skip: (issue) => parser!.skip(issue), keys,
    ...(known ? { isKnown: (lo: number, hi: number) => known.has(lo, hi) } : {}),
  }, outputs, await loadHasher());
  parser = new ExtractRowParser({ headers: setup.header.headers, trailingPipe: setup.header.trailingPipe, malformed: setup.malformed, numberedLines: setup.numberedLines }, (row) => {
    line = row.line;
    normalizer.row(row);
  });

  // A copy of its own (transferable, exact size); the CopyBuffer is reused for the next part.
  const take = (b: CopyBuffer) => {
    const out = new Uint8Array(b.o);
    out.set(b.buf.subarray(0, b.o));
    b.o = 0;
    return out;
  };
  const before = { rows: 0, skipped: 0, invalidRows: 0, professionals: 0, written: 0, issues: 0 };

  port.on('message', (request: WorkerRequest) => {
    if ('report' in request) {
      port.postMessage({ report: normalizer.unknownCodes.report() } satisfies WorkerReply);
      return;
    }
    const { seq, bytes, linesBefore, last } = request.job;
    try {
      parser!.startPart(linesBefore);
      parser!.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      if (last) parser!.end();
      normalizer.end();
      const p = parser!;
      const result: PartResult = {
        seq,
        professional: take(outputs.professional), exercice: take(outputs.exercice), activity: take(outputs.activity), structure: take(outputs.structure),
        structureStarts: new Int32Array(structureStarts.take().buffer), structureKeys: structureKeys.take(),
        professionalKeys: professionalKeys.take(), professionalLines: new Int32Array(professionalLines.take().buffer),
        rows: p.rows - before.rows, skipped: p.skipped - before.skipped, invalidRows: normalizer.invalidRows - before.invalidRows,
        professionals: normalizer.professionals - before.professionals, written: normalizer.written - before.written,
        issues: p.issues.slice(before.issues),
      };
      Object.assign(before, { rows: p.rows, skipped: p.skipped, invalidRows: normalizer.invalidRows, professionals: normalizer.professionals, written: normalizer.written, issues: p.issues.length });
      const transfer = [result.professional, result.exercice, result.activity, result.structure, result.structureStarts, result.structureKeys, result.professionalKeys, result.professionalLines].map((a) => a.buffer as ArrayBuffer);
      port.postMessage({ result } satisfies WorkerReply, transfer);
    } catch (err) {
      const failure: WorkerFailure = err instanceof ImportError
        ? { seq, kind: 'import', code: err.code, message: err.message, ...(err.line !== undefined ? { line: err.line } : {}), ...(err.field !== undefined ? { field: err.field } : {}) }
        : err instanceof NotGroupedError
          ? { seq, kind: 'notGrouped', nationalId: err.nationalId, line: err.line }
          : { seq, kind: 'internal', message: err instanceof Error ? err.stack ?? err.message : String(err) };
      port.postMessage({ failure } satisfies WorkerReply);
    }
  });
}

void main();
