import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { loadProfessional } from '../../../src/directory/claims.js';
import { generateProfessional } from '../../../src/directory/generator/professionals.js';
import { extractText } from '../../../src/directory/generator/write-extract.js';
import { importExtract } from '../../../src/directory/import/importer.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { scratchDir } from './helpers.js';

// The normalizer reads a professional's rows as one run. An extract where they are scattered
// goes through raw staging and a sort by PostgreSQL first: the mirror must come out the same.
const SEED = 'ungrouped';
const N = 90;
const ids = Array.from({ length: N + 10 }, (_, i) => generateProfessional(SEED, i).nationalId);
const scratch = scratchDir();
let grouped: TestDatabase;
let scattered: TestDatabase;

beforeAll(async () => {
  grouped = await createTestDatabase();
  scattered = await createTestDatabase();
});
afterAll(async () => {
  await grouped.drop();
  await scattered.drop();
  scratch.cleanup();
});

/** Same lines, header first, data lines in a deterministic scrambled order. */
function scramble(text: string): string {
  const [header, ...lines] = text.trimEnd().split('\n');
  const order = lines.map((line, i) => ({ line, key: (i * 7919) % 1009 }));
  order.sort((a, b) => a.key - b.key);
  return `${header}\n${order.map((x) => x.line).join('\n')}\n`;
}

// File order decides which row is "first" (exercice and activity order): compared as sets here,
// since scrambling the lines changes that order by design.
const bySerialization = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const records = async (t: TestDatabase) => (await Promise.all(ids.map((id) => loadProfessional(t.database.db, id))))
  .map((p) => p && { ...p, exercices: bySerialization(p.exercices.map((e) => ({ ...e, activities: bySerialization(e.activities) }))) });

test('a file whose rows are not grouped by professional loads the same mirror, first load then daily sync', async () => {
  const day0 = extractText({ professionals: N, seed: SEED });
  const a = await importExtract(grouped.database, scratch.file('g0.txt', day0));
  const b = await importExtract(scattered.database, scratch.file('s0.txt', scramble(day0)));
  expect(a.timings['not grouped, sorted by PostgreSQL']).toBeUndefined();
  expect(b.timings['not grouped, sorted by PostgreSQL']).toBeDefined();
  expect(b).toMatchObject({ rows: a.rows, professionals: N, created: N });
  expect(await records(scattered)).toEqual(await records(grouped));

  const day1 = extractText({ professionals: N, seed: SEED, nextDay: { share: 0.2 } });
  const c = await importExtract(grouped.database, scratch.file('g1.txt', day1), { force: true });
  const d = await importExtract(scattered.database, scratch.file('s1.txt', scramble(day1)), { force: true });
  expect(d.timings['not grouped, sorted by PostgreSQL']).toBeDefined();
  expect({ created: d.created, ended: d.ended }).toEqual({ created: c.created, ended: c.ended });
  // Scrambling again reorders some professionals' own rows, which is a change of their record.
  expect(d.updated).toBeGreaterThanOrEqual(c.updated);
  expect(c.updated + c.created + c.ended).toBeGreaterThan(0);
  expect(await records(scattered)).toEqual(await records(grouped));
});

test('a malformed line of a scattered file is reported with its own line number', async () => {
  const lines = scramble(extractText({ professionals: 20, seed: 'ungrouped-bad' })).split('\n');
  lines[4] = 'too|few|fields';
  const r = await importExtract(scattered.database, scratch.file('s-bad.txt', lines.join('\n')), { malformed: 'skip', maxSkippedShare: 0.5, force: true });
  expect(r.skipped).toBe(1);
  expect(r.report.skippedLines).toEqual([expect.objectContaining({ line: 5 })]);
});
