import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { CODE_SYSTEMS_OF_COLUMN, labelOf, loadNomenclatures, readNomenclatures } from '../../src/directory/nomenclatures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.drop(); });

describe('shipped code tables', () => {
  test('every system a column refers to is shipped, with the codes claims and validation need', () => {
    const systems = new Set(readNomenclatures().map((n) => n.system));
    for (const s of Object.values(CODE_SYSTEMS_OF_COLUMN).flat()) expect(systems).toContain(s);
    expect(labelOf('TRE_G15-ProfessionSante', '10')).toBe('Médecin');
    expect(labelOf('TRE_R291-AutreProfession', '99')).toMatch(/caractérisé par rôle/);
    expect(labelOf('TRE_R85-RolePriseCharge', '313')).toBe('Aide-soignant');
    expect(labelOf('TRE_R21-Fonction', 'FON-03')).toBe("Titulaire d'officine");
    expect(labelOf('TRE_R96-AutreFonctionSanitaire', '407')).toBe('Tatoueur');
    for (const g of ['GENR08', 'GENR09', 'GENR10', 'GENR11', 'GENR12', 'GENR13']) expect(labelOf('TRE_R22-GenreActivite', g)).not.toBe('');
    expect(labelOf('TRE_R02-SecteurActivite', 'SA07')).toBe('Cabinet individuel');
    expect(labelOf('TRE_G05-SousSectionTableauCNOP', 'DA')).toBe('Pharmacien adjoint');
    expect(labelOf('TRE_R06-SectionTableauCNOP', 'A')).toBe("Pharmacien titulaire d'officine");
    expect(labelOf('TRE_G08-TypeIdentifiantPersonne', '8')).toBe('N° RPPS');
    expect(readNomenclatures().find((n) => n.system === 'TRE_R85-RolePriseCharge')!.codes).toHaveLength(80);
    expect(readNomenclatures().find((n) => n.system === 'TRE_R02-SecteurActivite')!.codes).toHaveLength(69);
  });

  test('loadNomenclatures fills directory_nomenclature, idempotently', async () => {
    const n = await loadNomenclatures(t.database.db);
    expect(n).toBeGreaterThan(300);
    expect(await loadNomenclatures(t.database.db)).toBe(n);
    const rows = await t.database.db.selectFrom('directory_nomenclature').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(n);
  });
});
