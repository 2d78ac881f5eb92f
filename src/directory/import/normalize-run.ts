import type { Readable } from 'node:stream';

import type { CopySink } from './copy-sink.js';
import type { HeaderInfo } from './extract-to-copy.js';
import type { HashSet64 } from './hash-set.js';
import { normalizeInParallel } from './normalize-parallel.js';
import { loadHasher, Normalizer, type NormalizerOutputs } from './normalizer.js';
import { ExtractRowParser, type LineIssue, type MalformedPolicy } from './row-parser.js';
import type { UnknownCode } from './unknown-codes.js';

export interface NormalizeSinks {
  professional: CopySink;
  exercice: CopySink;
  activity: CopySink;
  structure: CopySink;
}

/** What the importer reads of a run: counts, examples of skipped lines, unknown codes. */
export interface NormalizeRun {
  parser: {
    rows: number;
    skipped: number;
    bytesIn: number;
    issues: LineIssue[];
    /** Lines skipped before this run (raw staging of an ungrouped file), counted with its own. */
    addSkipped(count: number, issues: readonly LineIssue[]): void;
  };
  normalizer: {
    professionals: number;
    invalidRows: number;
    written: number;
    unknownCodes: { report(): UnknownCode[] };
  };
}

export interface NormalizeInput {
  header: HeaderInfo;
  malformed: MalformedPolicy;
  /** The extract's bytes, or the sorted read-back of raw staging (numbered lines, no header). */
  open(): Promise<Readable>;
  numberedLines?: boolean;
  /** Worker threads that normalize parts of the file (normalize-parallel.ts); 0: all on this thread. */
  workers?: number;
}

export interface NormalizeOptions {
  /** Daily sync: the fingerprints of the mirror's records (see Normalizer's isKnown). */
  known?: HashSet64;
}

/**
 * Streams an extract through the row parser and the normalizer into COPY sinks, with
 * backpressure: after each input chunk, it waits while any table's COPY is behind, so memory
 * stays bounded whatever the file size. On failure every sink is aborted.
 */
export async function normalizeInto(input: NormalizeInput, sinks: NormalizeSinks, options: NormalizeOptions, onStart?: (run: NormalizeRun) => void): Promise<NormalizeRun> {
  if (input.workers) return normalizeInParallel(input, sinks, options.known, input.workers, onStart);
  const all = Object.values(sinks);
  const known = options.known;
  try {
    const outputs: NormalizerOutputs = {
      professional: sinks.professional.out, exercice: sinks.exercice.out, activity: sinks.activity.out, structure: sinks.structure.out,
    };
    let parser: ExtractRowParser | undefined;
    const normalizer = new Normalizer({
      header: input.header, malformed: input.malformed, skip: (issue) => parser!.skip(issue),
      ...(known ? { isKnown: (lo: number, hi: number) => known.has(lo, hi) } : {}),
    }, outputs, await loadHasher());
    parser = new ExtractRowParser({ headers: input.header.headers, trailingPipe: input.header.trailingPipe, malformed: input.malformed, numberedLines: input.numberedLines }, (row) => normalizer.row(row));
    onStart?.({ parser, normalizer });
    const stream = await input.open();
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        parser.push(chunk);
        for (const sink of all) await sink.flush();
      }
    } finally {
      stream.destroy();
    }
    parser.end();
    normalizer.end();
    for (const sink of all) await sink.flush();
    await Promise.all(all.map((s) => s.finish()));
    return { parser, normalizer };
  } catch (err) {
    await Promise.all(all.map((s) => s.abort()));
    throw err;
  }
}
