import type { Readable } from 'node:stream';

import type { CopySink } from './copy-sink.js';
import type { HeaderInfo } from './extract-to-copy.js';
import { loadHasher, Normalizer, type NormalizerOptions, type NormalizerOutputs } from './normalizer.js';
import { ExtractRowParser, type MalformedPolicy } from './row-parser.js';

export interface NormalizeSinks {
  professional: CopySink;
  exercice: CopySink;
  activity: CopySink;
  structure: CopySink;
}

export interface NormalizeRun {
  parser: ExtractRowParser;
  normalizer: Normalizer;
}

export interface NormalizeInput {
  header: HeaderInfo;
  malformed: MalformedPolicy;
  /** The extract's bytes, or the sorted read-back of raw staging (numbered lines, no header). */
  open(): Promise<Readable>;
  numberedLines?: boolean;
}

/**
 * Streams an extract through the row parser and the normalizer into COPY sinks, with
 * backpressure: after each input chunk, it waits while any table's COPY is behind, so memory
 * stays bounded whatever the file size. On failure every sink is aborted.
 */
export async function normalizeInto(input: NormalizeInput, sinks: NormalizeSinks, options: Pick<NormalizerOptions, 'isKnown'>, onStart?: (run: NormalizeRun) => void): Promise<NormalizeRun> {
  const all = Object.values(sinks).filter((s): s is CopySink => !!s);
  try {
    const outputs: NormalizerOutputs = {
      professional: sinks.professional.out, exercice: sinks.exercice.out, activity: sinks.activity.out, structure: sinks.structure.out,
    };
    let parser: ExtractRowParser | undefined;
    const normalizer = new Normalizer({ header: input.header, malformed: input.malformed, skip: (issue) => parser!.skip(issue), ...options }, outputs, await loadHasher());
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
