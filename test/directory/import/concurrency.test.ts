import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { sql } from 'kysely';

import { loadProfessional } from '../../../src/directory/claims.js';
import type { Database } from '../../../src/db/database.js';
import { generateProfessional } from '../../../src/directory/generator/professionals.js';
import { writeExtract } from '../../../src/directory/generator/write-extract.js';
import { importExtract } from '../../../src/directory/import/importer.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../helpers/database.js';
import { scratchDir } from './helpers.js';

const SEED = 'concurrency';
const N = 3000;
let t: TestDatabase;
let reader: Database;
const scratch = scratchDir();

beforeAll(async () => {
  t = await createTestDatabase();
  reader = await t.reopen();
}, 120_000);
afterAll(async () => {
  await t.drop();
  scratch.cleanup();
});

describeWithPostgres('token issuance during an import (readers on another pool)', () => {
  test('during a first load (built beside, swapped in) readers see no professional or the whole record', async () => {
    const other = await createTestDatabase();
    const otherReader = await other.reopen();
    try {
      const file = scratch.file('PS_LibreAcces_Personne_activite_202611190800.txt', '');
      await writeExtract(file, { professionals: N, seed: 'first-load' });
      const watched = Array.from({ length: 40 }, (_, i) => generateProfessional('first-load', i * 70).nationalId);
      const seen: { id: string; value: string }[] = [];
      const seenCounts: number[] = [];
      let done = false;
      const importing = importExtract(other.database, file).finally(() => { done = true; });
      const readers = Promise.all([0, 1].map(async (k) => {
        let i = k;
        while (!done) {
          const id = watched[i % watched.length]!;
          i += 2;
          seen.push({ id, value: JSON.stringify((await loadProfessional(otherReader.db, id)) ?? null) });
          if (i % 10 === 0) {
            const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM directory_activity WHERE ended_at IS NULL`.execute(otherReader.db);
            seenCounts.push(rows[0]!.n);
          }
        }
      }));
      const result = await importing;
      await readers;
      expect(result).toMatchObject({ status: 'applied', created: N });
      const after = new Map<string, string>();
      for (const id of watched) after.set(id, JSON.stringify(await loadProfessional(other.database.db, id)));
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM directory_activity WHERE ended_at IS NULL`.execute(other.database.db);
      expect(seen.length).toBeGreaterThan(20);
      for (const x of seen) expect(['null', after.get(x.id)]).toContain(x.value);
      for (const c of seenCounts) expect([0, rows[0]!.n]).toContain(c);
    } finally {
      await other.drop();
    }
  }, 120_000);

  test('every loadProfessional during a next-day import returns the old record or the new one, never a mix', async () => {
    const day0 = scratch.file('PS_LibreAcces_Personne_activite_202611200800.txt', '');
    await writeExtract(day0, { professionals: N, seed: SEED });
    await importExtract(t.database, day0);

    // 30 % touched: a tenth end, a tenth change, a tenth are new — forced past the 5 % guard.
    const day1 = scratch.file('PS_LibreAcces_Personne_activite_202611210800.txt', '');
    await writeExtract(day1, { professionals: N, seed: SEED, nextDay: { share: 0.3 } });
    const watched = [...Array.from({ length: 60 }, (_, i) => generateProfessional(SEED, i).nationalId), generateProfessional(SEED, N).nationalId];
    const before = new Map<string, string>();
    for (const id of watched) before.set(id, JSON.stringify((await loadProfessional(t.database.db, id)) ?? null));
    const counts = sql<{ p: number; a: number }>`SELECT (SELECT count(*) FROM directory_professional WHERE deactivated_at IS NULL)::int AS p,
                                                       (SELECT count(*) FROM directory_activity WHERE ended_at IS NULL)::int AS a`;
    const countsBefore = JSON.stringify((await counts.execute(reader.db)).rows[0]);

    const seen: { id: string; value: string }[] = [];
    const seenCounts: string[] = [];
    let done = false;
    const importing = importExtract(t.database, day1, { force: true }).finally(() => { done = true; });
    const readers = Promise.all([0, 1].map(async (k) => {
      let i = k;
      while (!done) {
        const id = watched[i % watched.length]!;
        i += 2;
        seen.push({ id, value: JSON.stringify((await loadProfessional(reader.db, id)) ?? null) });
        if (i % 10 === 0) seenCounts.push(JSON.stringify((await counts.execute(reader.db)).rows[0]));
      }
    }));
    const result = await importing;
    await readers;
    expect(result.status).toBe('applied');
    expect(result.updated + result.ended + result.created).toBeGreaterThan(N / 5);

    const after = new Map<string, string>();
    for (const id of watched) after.set(id, JSON.stringify((await loadProfessional(t.database.db, id)) ?? null));
    const countsAfter = JSON.stringify((await counts.execute(reader.db)).rows[0]);
    expect(seen.length).toBeGreaterThan(50);
    for (const s of seen) expect([before.get(s.id), after.get(s.id)]).toContain(s.value);
    for (const c of seenCounts) expect([countsBefore, countsAfter]).toContain(c);
    // The watched set really changed, so the check above had something to catch.
    expect(watched.filter((id) => before.get(id) !== after.get(id)).length).toBeGreaterThan(5);
  });
});
