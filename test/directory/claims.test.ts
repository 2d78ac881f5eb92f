import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { buildPscClaims, loadProfessional } from '../../src/directory/claims.js';
import { endActivities, saveProfessional } from '../../src/directory/repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { activity, medecin } from '../helpers/fixtures.js';
import { sample, shapeOf } from '../helpers/samples.js';

const UUID = '550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd';
let t: TestDatabase;

beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.drop(); });

describe('PSC claims from the mirror', () => {
  test('the médecin of the published sample gets exactly the published userinfo values', async () => {
    await saveProfessional(t.database.db, medecin());
    const p = await loadProfessional(t.database.db, '899700427885');
    expect(p).toBeDefined();
    const claims = buildPscClaims(p!, 'CARD', UUID);
    const published = sample('userinfo-medecin.json');
    // The 2023 capture predates codeGenreActivite being filled and the top-level Nov 2023 keys.
    const { codeCivilite: _c, codeGenreActivite: _g, ...comparable } = claims;
    expect(comparable).toEqual(published);
  });

  test('shape matches the multi-activity sample key by key (same keys, same types)', async () => {
    const p = medecin('899700000011');
    p.exercices[0]!.activities.push(activity({ codeModeExercice: 'S', raisonSocialeSite: 'CONSEIL DES ORDRES', numeroSiretSite: '00000000016972' }));
    await saveProfessional(t.database.db, p);
    const claims = buildPscClaims((await loadProfessional(t.database.db, p.nationalId))!, 'CARD', UUID);
    const published = sample('userinfo-multi-activity.json');
    const { email_verified: _e, ...publishedShape } = published;
    const { authMode: _a, codeCivilite: _c, codeGenreActivite: _g, ...ours } = claims;
    expect(shapeOf(ours)).toEqual(shapeOf(publishedShape));
    expect((claims.SubjectRefPro as { exercices: { activities: unknown[] }[] }).exercices[0]!.activities).toHaveLength(3);
  });

  test('every SubjectRefPro leaf is a string, never null', async () => {
    const claims = buildPscClaims((await loadProfessional(t.database.db, '899700427885'))!, 'MOBILE', UUID);
    const leaves: unknown[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      else leaves.push(v);
    };
    walk(claims.SubjectRefPro);
    expect(leaves.length).toBeGreaterThan(30);
    expect(leaves.every((l) => typeof l === 'string')).toBe(true);
  });

  test('a professional whose activities have all ended is not found', async () => {
    await saveProfessional(t.database.db, medecin('899700000029'));
    await endActivities(t.database.db, '899700000029');
    expect(await loadProfessional(t.database.db, '899700000029')).toBeUndefined();
  });

  test('an unknown national id is not found', async () => {
    expect(await loadProfessional(t.database.db, '800000000000')).toBeUndefined();
  });
});
