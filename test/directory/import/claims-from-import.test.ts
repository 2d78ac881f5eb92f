import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { buildPscClaims, loadProfessional } from '../../../src/directory/claims.js';
import { rowsOfRecord } from '../../../src/directory/generator/from-record.js';
import { extractText } from '../../../src/directory/generator/write-extract.js';
import { importExtract } from '../../../src/directory/import/importer.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { activity, medecin } from '../../helpers/fixtures.js';
import { sample, shapeOf } from '../../helpers/samples.js';
import { scratchDir } from './helpers.js';

const UUID = '550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd';
let t: TestDatabase;
const scratch = scratchDir();

beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => {
  await t.drop();
  scratch.cleanup();
});

describe('PSC claims of professionals loaded from an extract file', () => {
  test('the sample médecin, written as the real file does (one row per activity × savoir-faire, the S row not first), gets exactly the published userinfo', async () => {
    const base = rowsOfRecord(medecin());
    // Each activity repeats for a second savoir-faire (a capacité) that comes BEFORE the spécialité.
    const rows = base.rows.flatMap((r) => [{ ...r, code_type_savoir_faire: 'CAPA', code_savoir_faire: 'CAPA05' }, r]);
    const file = scratch.file('medecin.txt', extractText({ professionals: 3, seed: 'claims', leading: [{ ...base, rows }] }));
    const r = await importExtract(t.database, file);
    expect(r.professionals).toBe(4);
    const p = await loadProfessional(t.database.db, '899700427885');
    expect(p).toEqual(medecin());
    const claims = buildPscClaims(p!, 'CARD', UUID);
    const { codeCivilite: _c, codeGenreActivite: _g, ...comparable } = claims;
    expect(comparable).toEqual(sample('userinfo-medecin.json'));
  });

  test('a three-activity professional has the shape of the multi-activity sample', async () => {
    const p = medecin('899700000011');
    p.exercices[0]!.activities.push(activity({ codeModeExercice: 'S', raisonSocialeSite: 'CONSEIL DES ORDRES', numeroSiretSite: '00000000016972' }));
    const file = scratch.file('multi.txt', extractText({ professionals: 3, seed: 'claims', leading: [rowsOfRecord(p)] }));
    await importExtract(t.database, file, { force: true });
    const loaded = await loadProfessional(t.database.db, p.nationalId);
    expect(loaded).toEqual(p);
    const claims = buildPscClaims(loaded!, 'CARD', UUID);
    const { email_verified: _e, ...published } = sample('userinfo-multi-activity.json');
    const { authMode, codeCivilite: _c, codeGenreActivite: _g, ...ours } = claims;
    expect(authMode).toBe('CARD');
    expect(shapeOf(ours)).toEqual(shapeOf(published));
    expect((claims.SubjectRefPro as { exercices: { activities: unknown[] }[] }).exercices[0]!.activities).toHaveLength(3);
  });

  test('two professions make two exercices in file order; repeated rows fold into one activity', async () => {
    const p = medecin('899700000029');
    const second = { ...p.exercices[0]!, codeProfession: '40', codeTypeSavoirFaire: '', codeSavoirFaire: '', activities: [p.exercices[0]!.activities[1]!] };
    p.exercices.push(second);
    const g = rowsOfRecord(p);
    const rows = [...g.rows, g.rows[0]!]; // an exact duplicate row
    await importExtract(t.database, scratch.file('two.txt', extractText({ professionals: 3, seed: 'claims', leading: [{ ...g, rows }] })), { force: true });
    const loaded = await loadProfessional(t.database.db, p.nationalId);
    expect(loaded).toEqual(p);
    expect(buildPscClaims(loaded!, 'MOBILE', UUID).SubjectRole).toEqual(['10^1.2.250.1.213.1.1.5.5', '40^1.2.250.1.213.1.1.5.5']);
  });
});
