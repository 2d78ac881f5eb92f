import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { buildPscClaims, loadProfessional } from '../../src/directory/claims.js';
import { seedDemoDirectory } from '../../src/directory/seed-demo.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { sample } from '../helpers/samples.js';

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.drop(); });

describe('seedDemoDirectory (runs through the real importer, PGlite or PostgreSQL)', () => {
  test('seeds the named demo people, whose claims are PSC-shaped, and is idempotent', async () => {
    const people = await seedDemoDirectory(t.database, { professionals: 30 });
    expect(people.map((p) => p.nationalId).slice(0, 4)).toEqual(['899700427885', expect.stringMatching(/^8997\d{8}$/), expect.stringMatching(/^8997\d{8}$/), expect.stringMatching(/^0\d{9}$/)]);
    for (const p of people) {
      expect(p.description.length).toBeGreaterThan(10);
      expect(await loadProfessional(t.database.db, p.nationalId)).toBeDefined();
    }
    const medecin = buildPscClaims((await loadProfessional(t.database.db, '899700427885'))!, 'CARD', '550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd');
    const { codeCivilite: _c, codeGenreActivite: _g, ...comparable } = medecin;
    expect(comparable).toEqual(sample('userinfo-medecin.json'));
    const aide = (await loadProfessional(t.database.db, people[1]!.nationalId))!;
    expect(aide.exercices[0]).toMatchObject({ codeProfession: '99' });
    expect(aide.exercices[0]!.activities[0]).toMatchObject({ codeRole: '313', codeGenreActivite: 'GENR11', raisonSocialeSite: 'EHPAD LES "GLYCINES"' });
    const adeli = (await loadProfessional(t.database.db, people[3]!.nationalId))!;
    expect(buildPscClaims(adeli, 'MOBILE', '550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd').otherIds).toEqual([{ identifiant: people[3]!.nationalId, origine: 'ADELI', qualite: 1 }]);

    expect(await seedDemoDirectory(t.database, { professionals: 30 })).toEqual(people);
    const runs = await t.database.db.selectFrom('directory_import').select('status').orderBy('id').execute();
    expect(runs.map((r) => r.status)).toEqual(['applied', 'unchanged']);
  });
});
