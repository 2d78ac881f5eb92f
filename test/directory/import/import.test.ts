import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { sql } from 'kysely';

import { loadProfessional } from '../../../src/directory/claims.js';
import { generateProfessional } from '../../../src/directory/generator/professionals.js';
import { extractText, fateOf, writeExtract } from '../../../src/directory/generator/write-extract.js';
import { professionalAt, professionalHistory } from '../../../src/directory/history.js';
import { EXTRACT_HEADERS, EXTRACT_HEADERS_2018 } from '../../../src/directory/import/columns.js';
import { ImportError } from '../../../src/directory/import/errors.js';
import { importExtract } from '../../../src/directory/import/importer.js';
import { directoryStatus } from '../../../src/directory/status.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { scratchDir, zipOf } from './helpers.js';

const SEED = 'import-test';
const N = 120;
let t: TestDatabase;
const scratch = scratchDir();

beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => {
  await t.drop();
  scratch.cleanup();
});

/** The ids of the base population, and how the next-day file treats each. */
const ids = Array.from({ length: N }, (_, i) => ({ i, id: generateProfessional(SEED, i).nationalId, fate: fateOf(SEED, i, 0.15) }));
const snapshot = async (nationalIds: string[]) => Promise.all(nationalIds.map((id) => loadProfessional(t.database.db, id)));
const failure = (p: Promise<unknown>) => p.then((r) => { throw new Error(`expected a failure, got ${JSON.stringify(r)}`); }, (e: unknown) => e as ImportError);

describe('importing generated extracts: counts, idempotence, next-day diff, history', () => {
  let day0: string;
  let appliedAt0: Date;

  test('a first import creates every professional of the file', async () => {
    day0 = scratch.file('PS_LibreAcces_Personne_activite_202611200800.txt', '');
    const stats = await writeExtract(day0, { professionals: N, seed: SEED });
    const r = await importExtract(t.database, day0);
    expect(r).toMatchObject({ status: 'applied', rows: stats.rows, skipped: 0, professionals: N, created: N, updated: 0, ended: 0 });
    const s = await directoryStatus(t.database.db);
    expect(s.professionals).toEqual({ active: N, deactivated: 0 });
    expect(s.lastImport).toMatchObject({ status: 'applied', fileName: 'PS_LibreAcces_Personne_activite_202611200800.txt', created: N });
    expect(s.structures).toBeGreaterThan(0);
    appliedAt0 = s.lastApplied!.appliedAt!;
    expect(r.report.unknownCodes).toEqual([]);
    // A first load builds the mirror beside the empty one and swaps it in: same indexes, same names, no work table left.
    expect(r.timings.swap).toBeGreaterThanOrEqual(0);
    const { rows } = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes
      WHERE tablename LIKE 'directory\_%' AND tablename IN ('directory_professional', 'directory_exercice', 'directory_activity', 'directory_structure') ORDER BY indexname`.execute(t.database.db);
    expect(rows.map((x) => x.indexname)).toEqual(['directory_activity_pkey', 'directory_exercice_pkey', 'directory_professional_pkey', 'directory_structure_pkey']);
    const leftovers = await sql<{ relname: string }>`SELECT relname FROM pg_class WHERE relname LIKE '%\_\_next' OR relname LIKE 'directory\_staging%'`.execute(t.database.db);
    expect(leftovers.rows).toEqual([]);
  });

  test('re-importing the same file is a no-op, recorded as such', async () => {
    const before = await snapshot(ids.map((x) => x.id));
    const r = await importExtract(t.database, day0);
    expect(r.status).toBe('unchanged');
    expect(await snapshot(ids.map((x) => x.id))).toEqual(before);
    const runs = await t.database.db.selectFrom('directory_import').select(['status']).orderBy('id').execute();
    expect(runs.map((x) => x.status)).toEqual(['applied', 'unchanged']);
  });

  test('the same data with BOM, CRLF and no trailing pipe changes nothing (content hash, not bytes)', async () => {
    const variant = scratch.file('variant.txt', extractText({ professionals: N, seed: SEED, bom: true, lineEnding: 'CRLF', trailingPipe: false }));
    const r = await importExtract(t.database, variant);
    expect(r).toMatchObject({ status: 'applied', created: 0, updated: 0, ended: 0, unchanged: N });
  });

  test('a next-day file: created / updated / ended counts match what the generator changed', async () => {
    const before = new Map((await snapshot(ids.map((x) => x.id))).map((p, k) => [ids[k]!.id, p]));
    const day1 = scratch.file('PS_LibreAcces_Personne_activite_202611210800.txt', '');
    const stats = await writeExtract(day1, { professionals: N, seed: SEED, nextDay: { share: 0.15 } });
    expect(stats.ended).toBeGreaterThan(0);
    expect(stats.updated).toBeGreaterThan(0);
    // 15 % touched → ~5 % end: above the default 5 % guard only by chance; allow 10 % here.
    const r = await importExtract(t.database, day1, { maxDisappearShare: 0.1 });
    expect(r).toMatchObject({ status: 'applied', created: stats.created, updated: stats.updated, ended: stats.ended });
    expect(r.unchanged).toBe(N - stats.updated - stats.ended);

    const ended = ids.find((x) => x.fate === 'ended')!;
    const changed = ids.find((x) => x.fate === 'changed')!;
    const same = ids.find((x) => x.fate === 'same')!;
    expect(await loadProfessional(t.database.db, ended.id)).toBeUndefined();
    expect(await loadProfessional(t.database.db, changed.id)).not.toEqual(before.get(changed.id));
    expect(await loadProfessional(t.database.db, same.id)).toEqual(before.get(same.id));

    // History: what the mirror said before this import, and the log of changes.
    const then = new Date(appliedAt0.getTime() + 1);
    expect(await professionalAt(t.database.db, ended.id, then)).toEqual(before.get(ended.id));
    expect(await professionalAt(t.database.db, changed.id, then)).toEqual(before.get(changed.id));
    expect(await professionalAt(t.database.db, changed.id, new Date())).toEqual(await loadProfessional(t.database.db, changed.id));
    expect(await professionalAt(t.database.db, ended.id, new Date())).toBeUndefined();
    expect(await professionalAt(t.database.db, same.id, new Date(appliedAt0.getTime() - 60_000))).toBeUndefined();
    expect((await professionalHistory(t.database.db, changed.id)).map((c) => c.change)).toEqual(['created', 'updated']);
    expect((await professionalHistory(t.database.db, ended.id)).map((c) => c.change)).toEqual(['created', 'ended']);
  });

  test('the mass-deletion guard refuses a file where too many professionals vanish, and changes nothing', async () => {
    const before = await directoryStatus(t.database.db);
    const sample = await snapshot(ids.slice(0, 30).map((x) => x.id));
    const half = scratch.file('half.txt', extractText({ professionals: Math.floor(N / 2), seed: SEED }));
    const err = await failure(importExtract(t.database, half, { maxRowChange: 0 }));
    expect(err).toBeInstanceOf(ImportError);
    expect(err.code).toBe('IMPORT_MASS_DELETION');
    expect(err.message).toMatch(/would disappear/);
    const after = await directoryStatus(t.database.db);
    expect(after.professionals).toEqual(before.professionals);
    expect(after.activities).toEqual(before.activities);
    expect(await snapshot(ids.slice(0, 30).map((x) => x.id))).toEqual(sample);
    expect(after.lastImport).toMatchObject({ status: 'refused', errorCode: 'IMPORT_MASS_DELETION' });
    // The row-count band (relative to the last applied import) catches the same file first by default.
    expect((await failure(importExtract(t.database, half))).code).toBe('IMPORT_ROW_COUNT_OUT_OF_BAND');
    // Forced, it goes through.
    const forced = await importExtract(t.database, half, { force: true });
    expect(forced.status).toBe('applied');
    expect(forced.ended).toBeGreaterThan(N / 3);
  });
});

describe('history of a professional created by a first load', () => {
  test('the first load writes no change-log line; the first change writes "created" with the civilité of creation, then "updated"', async () => {
    const h = await createTestDatabase();
    try {
      const n = 12;
      const text = extractText({ professionals: n, seed: 'civilite' });
      const lines = text.split('\n');
      const target = lines[1]!.split('|')[2]!;
      const civiliteBefore = lines[1]!.split('|')[5]!;
      const civiliteAfter = civiliteBefore === 'MME' ? 'M' : 'MME';
      const day1 = lines.map((l) => {
        const f = l.split('|');
        if (f[2] !== target) return l;
        f[5] = civiliteAfter;
        return f.join('|');
      }).join('\n');
      const first = await importExtract(h.database, scratch.file('PS_LibreAcces_Personne_activite_202612010800.txt', text));
      expect(first).toMatchObject({ status: 'applied', created: n });
      const logLines = await sql<{ n: number | string }>`SELECT count(*) AS n FROM directory_professional_change`.execute(h.database.db);
      expect(Number(logLines.rows[0]!.n)).toBe(0);
      const firstId = (await h.database.db.selectFrom('directory_import').select('id').where('status', '=', 'applied').executeTakeFirstOrThrow()).id;
      expect(await professionalHistory(h.database.db, target)).toEqual([
        { importId: Number(firstId), change: 'created', at: expect.any(Date), fileName: 'PS_LibreAcces_Personne_activite_202612010800.txt' },
      ]);
      const created = await loadProfessional(h.database.db, target);
      expect(created!.codeCivilite).toBe(civiliteBefore);
      const between = new Date();

      const second = await importExtract(h.database, scratch.file('PS_LibreAcces_Personne_activite_202612020800.txt', day1));
      expect(second).toMatchObject({ status: 'applied', created: 0, updated: 1, ended: 0 });
      expect((await loadProfessional(h.database.db, target))!.codeCivilite).toBe(civiliteAfter);
      expect(await professionalAt(h.database.db, target, between)).toEqual(created);
      const history = await professionalHistory(h.database.db, target);
      expect(history.map((c) => [c.change, c.importId])).toEqual([['created', Number(firstId)], ['updated', expect.any(Number)]]);
      // Written for real now, with the civilité of creation (not the new one).
      const rows = await h.database.db.selectFrom('directory_professional_change').select(['change', 'code_civilite']).where('national_id', '=', target).orderBy('changed_at').execute();
      expect(rows).toEqual([{ change: 'created', code_civilite: civiliteBefore }, { change: 'updated', code_civilite: civiliteAfter }]);
      // Unchanged professionals still need no line.
      const other = lines[lines.length - 2]!.split('|')[2]!;
      expect((await professionalHistory(h.database.db, other)).map((c) => c.change)).toEqual(['created']);
      const total = await sql<{ n: number | string }>`SELECT count(*) AS n FROM directory_professional_change`.execute(h.database.db);
      expect(Number(total.rows[0]!.n)).toBe(2);
    } finally {
      await h.drop();
    }
  });
});

describe('file variants and bad files', () => {
  let u: TestDatabase;
  beforeAll(async () => { u = await createTestDatabase(); });
  afterAll(async () => { await u.drop(); });
  const POP = 60;
  const all = Array.from({ length: POP }, (_, i) => generateProfessional('variants', i).nationalId);
  const load = () => Promise.all(all.map((id) => loadProfessional(u.database.db, id)));

  test('a 48-column file with shuffled columns loads the same records, minus the four newer columns', async () => {
    const full = scratch.file('v56.txt', extractText({ professionals: POP, seed: 'variants' }));
    await importExtract(u.database, full);
    const expected = (await load()).map((p) => p && {
      ...p,
      exercices: p.exercices.map((e) => ({
        ...e,
        activities: e.activities.map((a) => ({ ...a, codeSecteurDactivite: '', codeSectionPharmacien: '', codeRole: '', codeGenreActivite: '' })),
      })),
    });
    const shuffled = [...EXTRACT_HEADERS_2018].sort((a, b) => (a.length % 7) - (b.length % 7) || a.localeCompare(b));
    const old = scratch.file('v48.txt', extractText({ professionals: POP, seed: 'variants', headers: shuffled }));
    const r = await importExtract(u.database, old);
    expect(r.report.missingOptionalColumns).toContain('code_genre_activite');
    expect(r.ended).toBe(0);
    expect(await load()).toEqual(expected);
  });

  test('the zip as ANS publishes it is read directly', async () => {
    const text = extractText({ professionals: POP, seed: 'variants' });
    const zip = scratch.file('PS_LibreAcces_202611220800.zip', zipOf('PS_LibreAcces_Personne_activite_202611220800.txt', Buffer.from(text)));
    const r = await importExtract(u.database, zip);
    expect(r.fileName).toBe('PS_LibreAcces_202611220800.zip:PS_LibreAcces_Personne_activite_202611220800.txt');
    expect(r.professionals).toBe(POP);
    expect(r.rows).toBe(text.trimEnd().split('\n').length - 1);
  });

  test('a truncated file changes nothing and is recorded as failed', async () => {
    const before = await load();
    const text = extractText({ professionals: POP, seed: 'variants', nextDay: { share: 0.3 } });
    const cut = scratch.file('cut.txt', text.slice(0, text.length - 200));
    const err = await failure(importExtract(u.database, cut));
    expect(err.code).toBe('EXTRACT_TRUNCATED');
    expect(err.line).toBeGreaterThan(POP / 2);
    expect(await load()).toEqual(before);
    expect((await directoryStatus(u.database.db)).lastImport).toMatchObject({ status: 'failed', errorCode: 'EXTRACT_TRUNCATED' });
  });

  test('a wrong header changes nothing and names the missing column', async () => {
    const before = await load();
    const text = extractText({ professionals: POP, seed: 'variants', nextDay: { share: 0.3 } }).replace('Identification nationale PP', 'Identification nationale');
    const err = await failure(importExtract(u.database, scratch.file('header.txt', text)));
    expect(err.code).toBe('EXTRACT_HEADER_MISSING_COLUMN');
    expect(err.field).toBe('Identification nationale PP');
    expect(await load()).toEqual(before);
  });

  test('an invalid identifier stops with line and field, or is skipped and counted', async () => {
    const lines = extractText({ professionals: POP, seed: 'variants' }).split('\n');
    const bad = lines[5]!.split('|');
    bad[1] = '123'; // Identifiant PP: an RPPS must have 11 digits
    lines[5] = bad.join('|');
    const file = scratch.file('badid.txt', lines.join('\n'));
    const err = await failure(importExtract(u.database, file, { malformed: 'stop' }));
    expect(err).toMatchObject({ code: 'EXTRACT_INVALID_VALUE', line: 6, field: 'Identifiant PP' });
    const r = await importExtract(u.database, file, { malformed: 'skip', maxSkippedShare: 0.05 });
    expect(r.skipped).toBe(1);
    expect(r.report.skippedLines[0]).toMatchObject({ line: 6, field: 'Identifiant PP' });
    // Past the skipped-share ceiling the import stops even under "skip".
    const err2 = await failure(importExtract(u.database, file, { malformed: 'skip', maxSkippedShare: 0, reimport: true }));
    expect(err2.code).toBe('IMPORT_TOO_MANY_SKIPPED');
  });

  test('codes missing from the shipped code tables are counted and reported, not dropped', async () => {
    const lines = extractText({ professionals: POP, seed: 'variants' }).split('\n');
    const col = EXTRACT_HEADERS.indexOf('Code mode exercice');
    for (const k of [3, 4]) {
      const f = lines[k]!.split('|');
      f[col] = 'Z';
      lines[k] = f.join('|');
    }
    const r = await importExtract(u.database, scratch.file('codes.txt', lines.join('\n')));
    expect(r.report.unknownCodes).toContainEqual({ column: 'code_mode_exercice', code: 'Z', rows: 2 });
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM directory_activity WHERE code_mode_exercice = 'Z' AND ended_at IS NULL`.execute(u.database.db);
    expect(rows[0]!.n).toBeGreaterThanOrEqual(1);
  });

  test('an import interrupted mid-way (process killed) is marked so and simply re-run', async () => {
    // What a killed run leaves: its record still "running", half-filled work tables.
    await u.database.db.insertInto('directory_import').values({ file_name: 'killed.txt', checksum: 'x', status: 'running', step: 'staged' }).execute();
    await u.database.exec(`CREATE UNLOGGED TABLE IF NOT EXISTS directory_staging (line_no bigint); INSERT INTO directory_staging VALUES (1)`);
    const file = scratch.file('rerun.txt', extractText({ professionals: POP, seed: 'variants', nextDay: { share: 0.03 } }));
    const r = await importExtract(u.database, file, { force: true });
    expect(r.status).toBe('applied');
    const killed = await u.database.db.selectFrom('directory_import').select(['status']).where('file_name', '=', 'killed.txt').executeTakeFirstOrThrow();
    expect(killed.status).toBe('interrupted');
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'directory_staging%'`.execute(u.database.db);
    expect(rows[0]!.n).toBe(0);
  });
});
