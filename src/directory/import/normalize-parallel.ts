import { Worker } from 'node:worker_threads';

import { BlockCutter, countLines } from './block-cutter.js';
import { ImportError } from './errors.js';
import { HashSet64 } from './hash-set.js';
import type { NormalizeInput, NormalizeRun, NormalizeSinks } from './normalize-run.js';
import { NotGroupedError, unpackNationalId } from './normalizer.js';
import type { PartJob, PartResult, WorkerFailure, WorkerReply, WorkerRequest, WorkerSetup } from './normalize-worker.js';
import type { CopyBuffer } from './copy-sink.js';
import { ISSUE_SAMPLES, type LineIssue } from './row-parser.js';
import { mergeUnknownCodes, type UnknownCode } from './unknown-codes.js';

/**
 * The reader on several threads. Parsing, validating, hashing and writing COPY text is the
 * JavaScript work of an import (one core's worth for a 1 GB file); here the main thread only
 * reads the file, cuts it into parts of whole professionals (block-cutter.ts), and has worker
 * threads normalize the parts. Their results are taken back in file order, so the tables
 * receive exactly the lines one normalizer would have written:
 *
 * - each professional's key (exact 64-bit national id) goes into one set of the whole file: a
 *   professional met again in a later part means rows not grouped (NotGroupedError, as before);
 * - each structure line a part offers is written only if its id's hash is new to the whole file
 *   (the first row naming a site describes it, in file order);
 * - counts, skipped lines and unknown codes add up.
 *
 * At most two parts per worker are in flight and every result waits for the COPY streams that
 * are behind: memory stays bounded as in the one-thread reader.
 */

const IN_FLIGHT_PER_WORKER = 2;

export async function normalizeInParallel(input: NormalizeInput, sinks: NormalizeSinks, known: HashSet64 | undefined, workerCount: number, onStart?: (run: NormalizeRun) => void): Promise<NormalizeRun> {
  const all = Object.values(sinks);
  const setup: WorkerSetup = { header: input.header, malformed: input.malformed, numberedLines: !!input.numberedLines, ...(known ? { known: known.snapshot } : {}) };
  const workers = Array.from({ length: workerCount }, () => new PartWorker(setup));
  const run = new ParallelRun();
  onStart?.(run);
  const seen = new HashSet64();
  const structures = new HashSet64();
  const cutter = new BlockCutter(input.header.fileColumns.indexOf('identification_nationale_pp') + (input.numberedLines ? 1 : 0));
  const queue: Promise<PartResult>[] = [];
  let seq = 0;
  let linesBefore = 0;

  const dispatch = (part: Uint8Array, last: boolean) => {
    const job: PartJob = { seq, bytes: part, linesBefore, last };
    queue.push(workers[seq % workers.length]!.run(job));
    seq += 1;
  };
  const takeOne = async () => {
    const r = await queue.shift()!;
    for (let i = 0, p = 0; i < r.professionalKeys.length; i += 2, p += 1) {
      const lo = r.professionalKeys[i]!;
      const hi = r.professionalKeys[i + 1]!;
      if (!seen.add(lo, hi)) throw new NotGroupedError(unpackNationalId(lo, hi), r.professionalLines[p]!);
    }
    append(sinks.professional.out, r.professional, 0, r.professional.length);
    append(sinks.exercice.out, r.exercice, 0, r.exercice.length);
    append(sinks.activity.out, r.activity, 0, r.activity.length);
    const starts = r.structureStarts;
    for (let i = 0; i < starts.length; i += 1) {
      if (!structures.add(r.structureKeys[2 * i]!, r.structureKeys[2 * i + 1]!)) continue;
      append(sinks.structure.out, r.structure, starts[i]!, i + 1 < starts.length ? starts[i + 1]! : r.structure.length);
    }
    run.add(r);
    for (const sink of all) await sink.flush();
  };

  try {
    const stream = await input.open();
    let pending = new Uint8Array(0);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        run.parser.bytesIn += chunk.length;
        // A buffer of its own for each part: it is transferred to the worker, not copied.
        const block = new Uint8Array(pending.length + chunk.length);
        block.set(pending);
        block.set(chunk, pending.length);
        const view = Buffer.from(block.buffer, 0, block.length);
        const cut = cutter.cut(view);
        if (cut < 0) {
          pending = block;
          continue;
        }
        pending = block.slice(cut);
        const lines = countLines(view, cut);
        while (queue.length >= workers.length * IN_FLIGHT_PER_WORKER) await takeOne();
        dispatch(block.subarray(0, cut), false);
        linesBefore += lines;
      }
    } finally {
      stream.destroy();
    }
    while (queue.length >= workers.length * IN_FLIGHT_PER_WORKER) await takeOne();
    dispatch(pending, true);
    while (queue.length) await takeOne();
    run.normalizer.addReports(await Promise.all(workers.map((w) => w.report())));
    for (const sink of all) await sink.flush();
    await Promise.all(all.map((s) => s.finish()));
    return run;
  } catch (err) {
    // Later parts may fail too once one has: only the first failure in file order counts.
    for (const pendingResult of queue) pendingResult.catch(() => {});
    await Promise.all(all.map((s) => s.abort()));
    throw err;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function append(out: CopyBuffer, bytes: Uint8Array, s: number, e: number): void {
  out.ensure(e - s);
  out.bytes(bytes, s, e);
}

/** The counts of the parts taken back so far, with the shape of the one-thread reader's. */
class ParallelRun implements NormalizeRun {
  readonly parser = {
    rows: 0,
    skipped: 0,
    bytesIn: 0,
    issues: [] as LineIssue[],
    addSkipped: (count: number, issues: readonly LineIssue[]) => {
      this.parser.skipped += count;
      this.keepIssues(issues);
    },
  };

  readonly normalizer = {
    professionals: 0,
    invalidRows: 0,
    written: 0,
    reports: [] as UnknownCode[][],
    addReports: (reports: UnknownCode[][]) => { this.normalizer.reports.push(...reports); },
    unknownCodes: { report: () => mergeUnknownCodes(this.normalizer.reports) },
  };

  add(r: PartResult): void {
    this.parser.rows += r.rows;
    this.parser.skipped += r.skipped;
    this.keepIssues(r.issues);
    this.normalizer.professionals += r.professionals;
    this.normalizer.invalidRows += r.invalidRows;
    this.normalizer.written += r.written;
  }

  private keepIssues(issues: readonly LineIssue[]): void {
    this.parser.issues.push(...issues.slice(0, Math.max(0, ISSUE_SAMPLES - this.parser.issues.length)));
  }
}


/** One worker thread and the parts it was given, answered in the order they were sent. */
class PartWorker {
  private readonly worker: Worker;
  private readonly waiting: { resolve(value: never): void; reject(err: Error): void }[] = [];
  private failed: Error | undefined;

  constructor(setup: WorkerSetup) {
    const fromSource = import.meta.url.endsWith('.ts');
    // Running from the TypeScript sources (tests), the worker loads them through tsx.
    this.worker = new Worker(new URL(fromSource ? './normalize-worker.ts' : './normalize-worker.js', import.meta.url), {
      workerData: setup,
      // A worker's garbage is short-lived part buffers: a small young generation keeps ~30 MB of
      // RSS per worker off the import (measured) for ~4 % more CPU.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}),
    });
    this.worker.on('message', (reply: WorkerReply) => {
      const w = this.waiting.shift();
      if (!w) return;
      if ('failure' in reply) w.reject(errorOf(reply.failure));
      else if ('result' in reply) w.resolve(reply.result as never);
      else w.resolve(reply.report as never);
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`import worker stopped (exit code ${code})`)));
  }

  run(job: PartJob): Promise<PartResult> {
    return this.ask({ job }, [job.bytes.buffer as ArrayBuffer]);
  }

  report(): Promise<UnknownCode[]> {
    return this.ask({ report: true }, []);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private ask<T>(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (value: never) => void, reject });
      this.worker.postMessage(request, transfer);
    });
  }
}

function errorOf(f: WorkerFailure): Error {
  if (f.kind === 'notGrouped') return new NotGroupedError(f.nationalId, f.line);
  if (f.kind === 'internal') return new Error(`import worker: ${f.message}`);
  const err = new ImportError(f.code, '', { ...(f.line !== undefined ? { line: f.line } : {}), ...(f.field !== undefined ? { field: f.field } : {}) });
  err.message = f.message;
  return err;
}
