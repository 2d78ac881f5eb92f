import { describe, expect, test } from '@jest/globals';

import { luhnValid, testAdeli, testFiness, testRpps, testSiren, testSiret } from '../../../src/directory/generator/identifiers.js';
import { extractText } from '../../../src/directory/generator/write-extract.js';
import { EXTRACT_HEADERS, EXTRACT_HEADERS_2018 } from '../../../src/directory/import/columns.js';

const H = (name: string) => EXTRACT_HEADERS.indexOf(name as (typeof EXTRACT_HEADERS)[number]);
const rowsOf = (text: string) => text.split('\n').slice(1).filter(Boolean).map((l) => l.split('|'));

describe('synthetic extract generator', () => {
  const text = extractText({ professionals: 800, seed: 42 });
  const rows = rowsOf(text);

  test('is deterministic from its seed', () => {
    expect(extractText({ professionals: 800, seed: 42 })).toBe(text);
    expect(extractText({ professionals: 800, seed: 43 })).not.toBe(text);
  });

  test('writes the exact public format: 56 named columns, pipes, trailing pipe on every line', () => {
    const lines = text.split('\n').filter(Boolean);
    expect(lines[0]).toBe(`${EXTRACT_HEADERS.join('|')}|`);
    for (const l of lines) expect(l.split('|')).toHaveLength(57);
    expect(text.endsWith('|\n')).toBe(true);
  });

  test('RPPS numbers pass Luhn and live in the 997 test range; national id = type + identifier', () => {
    for (const r of rows) {
      expect(r[H('Identification nationale PP')]).toBe(r[H("Type d'identifiant PP")]! + r[H('Identifiant PP')]!);
      if (r[0] === '8') {
        expect(r[1]).toMatch(/^997\d{8}$/);
        expect(luhnValid(r[1]!)).toBe(true);
      } else {
        expect(r[0]).toBe('0');
        expect(r[1]).toMatch(/^\d{9}$/);
      }
    }
    expect([testRpps(1), testAdeli('75', '93', 1), testFiness('2A', 5), testSiren(9), testSiret(testSiren(9), 1)].every(luhnValid)).toBe(true);
  });

  test('has the variety of the real file', () => {
    const col = (name: string) => rows.map((r) => r[H(name)]!);
    const per = new Map<string, string[][]>();
    for (const r of rows) per.set(r[2]!, [...(per.get(r[2]!) ?? []), r]);
    // several activities per professional, and médecins with several savoir-faire rows per activity
    expect([...per.values()].some((rs) => new Set(rs.map((r) => r[H('Identifiant technique de la structure')])).size > 1)).toBe(true);
    expect([...per.values()].some((rs) => rs[0]![H('Code profession')] === '10' && new Set(rs.map((r) => r[H('Code savoir-faire')])).size > 1)).toBe(true);
    // pharmaciens with sections; RPPS+ (99) with R85 roles and GENR08–13; ADELI rows
    expect(rows.some((r) => r[H('Code profession')] === '21' && r[H('Code section tableau pharmaciens')] !== '')).toBe(true);
    const plus = rows.filter((r) => r[H('Code profession')] === '99');
    expect(plus.length).toBeGreaterThan(10);
    for (const r of plus) {
      expect(Number(r[H('Code rôle')])).toBeGreaterThanOrEqual(300);
      expect(r[H('Code genre activité')]).toMatch(/^GENR(0[89]|1[0-3])$/);
    }
    expect(new Set(plus.map((r) => r[H('Code genre activité')]))).toEqual(new Set(['GENR08', 'GENR09', 'GENR10', 'GENR11', 'GENR12', 'GENR13']));
    expect(col("Type d'identifiant PP")).toContain('0');
    // empty SIRET mostly, some filled; quotes and accents in values
    const sirets = col('Numéro SIRET site');
    expect(sirets.filter((s) => s === '').length).toBeGreaterThan(sirets.length / 2);
    expect(sirets.some((s) => /^\d{14}$/.test(s))).toBe(true);
    expect(text).toContain('"');
    expect(text).toMatch(/[éèêëïîôûçæœÉ]/);
  });

  test('variants: CRLF, BOM, the 48 columns of 2018', () => {
    const crlf = extractText({ professionals: 5, seed: 1, lineEnding: 'CRLF', bom: true });
    expect(crlf.startsWith('\uFEFF')).toBe(true);
    expect(crlf.split('\r\n').length).toBe(crlf.split('\n').length);
    const old = extractText({ professionals: 5, seed: 1, headers: EXTRACT_HEADERS_2018 });
    expect(old.split('\n')[1]!.split('|')).toHaveLength(49);
  });

  test('"next day" ends, changes and adds the requested share of professionals', () => {
    const ids = (t: string) => new Set(rowsOf(t).map((r) => r[2]!));
    const day0 = ids(text);
    const day1Text = extractText({ professionals: 800, seed: 42, nextDay: { share: 0.3 } });
    const day1 = ids(day1Text);
    const ended = [...day0].filter((id) => !day1.has(id)).length;
    const added = [...day1].filter((id) => !day0.has(id)).length;
    expect(added).toBe(80);
    expect(ended).toBeGreaterThan(50);
    expect(ended).toBeLessThan(110);
  });
});
