import { Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { loadProfessional } from '../../../src/directory/claims.js';
import { generateProfessional } from '../../../src/directory/generator/professionals.js';
import { extractText, writeExtract } from '../../../src/directory/generator/write-extract.js';
import { EXTRACT_HEADERS, mapHeader } from '../../../src/directory/import/columns.js';
import { CopyBuffer, type CopySink } from '../../../src/directory/import/copy-sink.js';
import { ImportError } from '../../../src/directory/import/errors.js';
import { headerInfo } from '../../../src/directory/import/extract-to-copy.js';
import { importExtract } from '../../../src/directory/import/importer.js';
import { normalizeInto, type NormalizeRun } from '../../../src/directory/import/normalize-run.js';
import { NotGroupedError } from '../../../src/directory/import/normalizer.js';
import type { MalformedPolicy } from '../../../src/directory/import/row-parser.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { scratchDir } from './helpers.js';

/**
 * The reader on worker threads must write exactly what the one-thread reader writes: same COPY
 * lines in the same order, same counts, skipped lines and unknown codes, same errors at the same
 * lines. The file is fed in small pieces so that it is cut into many parts.
 */

interface Outcome {
  tables: Record<string, string>;
  run: { rows: number; skipped: number; issues: unknown[]; professionals: number; invalidRows: number; written: number; unknownCodes: unknown[] };
}

function capture(): { sink: CopySink; text(): string } {
  const chunks: Buffer[] = [];
  const out = new CopyBuffer();
  const drain = () => { chunks.push(out.take()); };
  return {
    sink: { out, flush: async () => drain(), finish: async () => drain(), abort: async () => {} },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

async function normalize(text: string | Buffer, workers: number, malformed: MalformedPolicy = 'skip', piece = 997): Promise<Outcome> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const firstLine = bytes.toString('utf8', 0, bytes.indexOf(0x0a)).replace(/^\uFEFF/, '').replace(/\r$/, '');
  const header = headerInfo(mapHeader(firstLine), firstLine);
  const sinks = { professional: capture(), exercice: capture(), activity: capture(), structure: capture() };
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) pieces.push(bytes.subarray(i, i + piece));
  const run: NormalizeRun = await normalizeInto(
    { header, malformed, workers, open: async () => Readable.from(pieces) },
    { professional: sinks.professional.sink, exercice: sinks.exercice.sink, activity: sinks.activity.sink, structure: sinks.structure.sink },
    {},
  );
  return {
    tables: Object.fromEntries(Object.entries(sinks).map(([k, v]) => [k, v.text()])),
    run: {
      rows: run.parser.rows, skipped: run.parser.skipped, issues: [...run.parser.issues].sort((a, b) => a.line - b.line),
      professionals: run.normalizer.professionals, invalidRows: run.normalizer.invalidRows, written: run.normalizer.written,
      unknownCodes: run.normalizer.unknownCodes.report(),
    },
  };
}

const failureOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error);

describe('the reader on worker threads writes what the one-thread reader writes', () => {
  const text = extractText({ professionals: 150, seed: 'parallel' });

  test('a generated extract, cut into many parts: same COPY lines in the same order, same counts', async () => {
    const one = await normalize(text, 0);
    expect(one.run.professionals).toBe(150);
    expect(one.tables.structure!.length).toBeGreaterThan(0);
    for (const workers of [1, 2, 3]) expect(await normalize(text, workers)).toEqual(one);
    // Parts of a single line's size and parts bigger than the file.
    expect(await normalize(text, 2, 'skip', 200)).toEqual(one);
    expect(await normalize(text, 2, 'skip', 1 << 22)).toEqual(one);
  });

  test('BOM, CRLF, no trailing pipe; malformed lines, invalid identifiers and unknown codes skipped or counted alike', async () => {
    const variant = extractText({ professionals: 80, seed: 'parallel-variant', bom: true, lineEnding: 'CRLF', trailingPipe: false });
    expect(await normalize(variant, 2)).toEqual(await normalize(variant, 0));

    const lines = extractText({ professionals: 120, seed: 'parallel-bad' }).split('\n');
    const mode = EXTRACT_HEADERS.indexOf('Code mode exercice');
    lines[40] = 'a|line|with|too|few|fields|';
    const f = lines[90]!.split('|');
    f[1] = `${f[1]}X`; // identifier no longer matches the national id
    lines[90] = f.join('|');
    const g = lines[150]!.split('|');
    g[mode] = 'Z';
    lines[150] = g.join('|');
    const bad = lines.join('\n');
    const one = await normalize(bad, 0);
    expect(one.run.skipped).toBe(2);
    expect(one.run.invalidRows).toBe(1);
    expect(one.run.unknownCodes).toContainEqual({ column: 'code_mode_exercice', code: 'Z', rows: 1 });
    expect(await normalize(bad, 3, 'skip', 333)).toEqual(one);
  });

  test('errors: the same code at the same line — malformed line (policy stop), cut last line, rows not grouped', async () => {
    const lines = text.split('\n');
    const stopAt = [...lines];
    stopAt[200] = 'short|line|';
    for (const workers of [0, 2]) {
      const err = await failureOf(normalize(stopAt.join('\n'), workers, 'stop'));
      expect(err).toBeInstanceOf(ImportError);
      expect(err).toMatchObject({ code: 'EXTRACT_MALFORMED_LINE', line: 201 });
    }

    const truncated = text.slice(0, text.length - 20);
    for (const workers of [0, 2]) expect(await failureOf(normalize(truncated, workers))).toMatchObject({ code: 'EXTRACT_TRUNCATED' });

    // The first row of a professional with several rows moved far down: met again in another part.
    const idOf = (k: number) => lines[k]!.split('|')[2]!;
    const k = lines.findIndex((_, i) => i > 0 && i + 1 < lines.length && idOf(i) === idOf(i + 1));
    const id = idOf(k);
    const moved = [...lines.slice(0, k), ...lines.slice(k + 1, 300), lines[k]!, ...lines.slice(300)];
    const errors = await Promise.all([0, 2].map((w) => failureOf(normalize(moved.join('\n'), w))));
    for (const err of errors) expect(err).toBeInstanceOf(NotGroupedError);
    expect((errors[1] as NotGroupedError).nationalId).toBe(id);
    expect((errors[1] as NotGroupedError).line).toBe((errors[0] as NotGroupedError).line);
  });
});

describe('imports with worker threads (PostgreSQL or PGlite)', () => {
  const scratch = scratchDir();
  let one: TestDatabase;
  let many: TestDatabase;
  beforeAll(async () => { [one, many] = await Promise.all([createTestDatabase(), createTestDatabase()]); });
  afterAll(async () => {
    await Promise.all([one.drop(), many.drop()]);
    scratch.cleanup();
  });

  test('a first load and a next-day sync read with workers give the mirror the one-thread reader gives', async () => {
    const N = 300;
    const day0 = scratch.file('PS_LibreAcces_Personne_activite_202612030800.txt', '');
    const day1 = scratch.file('PS_LibreAcces_Personne_activite_202612040800.txt', '');
    await writeExtract(day0, { professionals: N, seed: 'parallel-import' });
    const stats = await writeExtract(day1, { professionals: N, seed: 'parallel-import', nextDay: { share: 0.09 } });
    const parallel = { workers: 2, parallelFromBytes: 0, maxDisappearShare: 0.1 };
    const a0 = await importExtract(one.database, day0, { workers: 0 });
    const b0 = await importExtract(many.database, day0, parallel);
    expect(b0).toMatchObject({ status: 'applied', created: N, rows: a0.rows });
    // The sync's workers look the mirror's fingerprints up in shared memory: only changes are written.
    const a1 = await importExtract(one.database, day1, { workers: 0, maxDisappearShare: 0.1 });
    const b1 = await importExtract(many.database, day1, parallel);
    expect(b1).toMatchObject({ status: 'applied', created: stats.created, updated: stats.updated, ended: stats.ended });
    expect({ ...b1, importId: 0, durationMs: 0, timings: {} }).toEqual({ ...a1, importId: 0, durationMs: 0, timings: {} });
    const ids = Array.from({ length: N + 20 }, (_, i) => generateProfessional('parallel-import', i).nationalId);
    for (const id of ids) expect(await loadProfessional(many.database.db, id)).toEqual(await loadProfessional(one.database.db, id));

    // The same data with its rows out of order: PostgreSQL sorts it, the workers read the sorted
    // read-back (numbered lines) — and find every record unchanged.
    // Pairs of professionals have their rows interleaved, each one's rows keeping their order.
    const [head, ...rows] = (await import('node:fs')).readFileSync(day1, 'utf8').split('\n');
    const groups: string[][] = [];
    for (const row of rows.filter(Boolean)) {
      const last = groups[groups.length - 1];
      if (last && last[0]!.split('|')[2] === row.split('|')[2]) last.push(row);
      else groups.push([row]);
    }
    const interleaved: string[] = [];
    for (let g = 0; g < groups.length; g += 2) {
      const [a, b = []] = [groups[g]!, groups[g + 1]];
      for (let k = 0; k < Math.max(a.length, b.length); k += 1) interleaved.push(...[a[k], b[k]].filter((x): x is string => !!x));
    }
    const scrambled = [head, ...interleaved].join('\n');
    const r = await importExtract(many.database, scratch.file('scrambled.txt', `${scrambled}\n`), parallel);
    expect(r).toMatchObject({ status: 'applied', created: 0, updated: 0, ended: 0, unchanged: b1.unchanged + b1.created + b1.updated });
    expect(r.timings['not grouped, sorted by PostgreSQL']).toBe(1);
  });
});
