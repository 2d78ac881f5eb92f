import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import { COLUMN_OF_HEADER, EXTRACT_HEADERS } from '../import/columns.js';
import { generateProfessional, type ExtractRow, type GeneratedProfessional } from './professionals.js';
import { Random } from './random.js';

/**
 * Writes synthetic `PS_LibreAcces_Personne_activite` files in the exact public format (pipes, no
 * quoting, trailing `|`, header by name), at any size, deterministic from a seed.
 */
export interface GenerateOptions {
  seed?: number | string;
  /** How many professionals of the base population (the "day 0" file). */
  professionals: number;
  /**
   * "Next day": of the base population, `share / 3` end, `share / 3` change (new phone number,
   * sometimes a new site), and `share / 3 × professionals` new ones appear. 0.01 = 1 % touched.
   */
  nextDay?: { share: number };
  /** Column order and set (default: today's 56). Use EXTRACT_HEADERS_2018 for a 48-column file. */
  headers?: readonly string[];
  lineEnding?: 'LF' | 'CRLF';
  bom?: boolean;
  trailingPipe?: boolean;
  /** Professionals written first, verbatim (the demo's named people). */
  leading?: readonly GeneratedProfessional[];
}

export interface GenerateStats {
  professionals: number;
  rows: number;
  bytes: number;
  /** Against the base population (next-day mode). */
  created: number;
  updated: number;
  ended: number;
}

type Fate = 'same' | 'changed' | 'ended';

export function fateOf(seed: number | string, index: number, share: number): Fate {
  const x = new Random(seed, index, 'fate').next();
  return x < share / 3 ? 'ended' : x < (2 * share) / 3 ? 'changed' : 'same';
}

/** The professionals of a file, in file order, with how each differs from day 0. */
export function* professionalsOf(options: GenerateOptions): Generator<{ p: GeneratedProfessional; fate: Fate | 'created' }> {
  const seed = options.seed ?? 1;
  for (const p of options.leading ?? []) yield { p, fate: 'same' };
  const share = options.nextDay?.share ?? 0;
  for (let i = 0; i < options.professionals; i += 1) {
    const fate = share ? fateOf(seed, i, share) : 'same';
    if (fate === 'ended') {
      yield { p: { nationalId: '', kind: 'autre', rows: [] }, fate };
      continue;
    }
    yield { p: generateProfessional(seed, i, fate === 'changed' ? 'changed' : 'base'), fate };
  }
  const added = Math.round((options.professionals * share) / 3);
  for (let i = 0; i < added; i += 1) yield { p: generateProfessional(seed, options.professionals + i), fate: 'created' };
}

/** The file's text, in chunks of whole lines (~1 MB), header first. */
export function* extractChunks(options: GenerateOptions, stats: GenerateStats = emptyStats()): Generator<string> {
  const headers = options.headers ?? EXTRACT_HEADERS;
  const columns = headers.map((h) => COLUMN_OF_HEADER.get(h.normalize('NFC')) ?? '');
  const eol = options.lineEnding === 'CRLF' ? '\r\n' : '\n';
  const tail = options.trailingPipe === false ? '' : '|';
  const line = (row: ExtractRow) => {
    let s = '';
    for (let i = 0; i < columns.length; i += 1) s += (i ? '|' : '') + (row[columns[i]!] ?? '');
    return s + tail + eol;
  };
  let chunk = (options.bom ? '\uFEFF' : '') + headers.join('|') + tail + eol;
  for (const { p, fate } of professionalsOf(options)) {
    if (fate === 'ended') {
      stats.ended += 1;
      continue;
    }
    if (fate === 'created') stats.created += 1;
    if (fate === 'changed') stats.updated += 1;
    stats.professionals += 1;
    for (const row of p.rows) {
      chunk += line(row);
      stats.rows += 1;
    }
    if (chunk.length > 1 << 20) {
      stats.bytes += Buffer.byteLength(chunk);
      yield chunk;
      chunk = '';
    }
  }
  stats.bytes += Buffer.byteLength(chunk);
  yield chunk;
}

function emptyStats(): GenerateStats {
  return { professionals: 0, rows: 0, bytes: 0, created: 0, updated: 0, ended: 0 };
}

/**
 * Writes a generated extract to `file`, streaming (constant memory at any size).
 * @example
 *   await writeExtract('/tmp/PS_LibreAcces_Personne_activite_202611220800.txt', { professionals: 500, seed: 7 });
 */
export async function writeExtract(file: string, options: GenerateOptions): Promise<GenerateStats> {
  const stats = emptyStats();
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  try {
    for (const chunk of extractChunks(options, stats)) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return stats;
}

/** A generated extract as one string: for tests of a few hundred rows only. */
export function extractText(options: GenerateOptions): string {
  return [...extractChunks(options)].join('');
}
