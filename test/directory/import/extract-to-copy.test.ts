import { describe, expect, test } from '@jest/globals';

import { EXTRACT_HEADERS } from '../../../src/directory/import/columns.js';
import { ImportError } from '../../../src/directory/import/errors.js';
import { convert, line } from './helpers.js';

const HEADER = `${EXTRACT_HEADERS.join('|')}|`;
const row = (values: Record<string, string>) => line({ "Type d'identifiant PP": '8', 'Identifiant PP': '99700427885', 'Identification nationale PP': '899700427885', ...values });
const fieldsOf = (copyLine: string) => copyLine.split('\t');

describe('extract → COPY text conversion', () => {
  test('quotes are ordinary characters; accents survive; the trailing pipe is dropped; line numbers are kept', async () => {
    const text = `${HEADER}\n${row({ 'Complément destinataire (coord. structure)': 'CABINET "LES TILLEULS"', "Nom d'exercice": "D'ALEMBERT", "Prénom d'exercice": 'Hélène' })}\n`;
    const { out, converter } = await convert(Buffer.from(text));
    const [first, rest] = [out.split('\n')[0]!, out.split('\n').slice(1)];
    expect(rest).toEqual(['']);
    const f = fieldsOf(first);
    expect(f).toHaveLength(57); // line number + 56 fields
    expect(f[0]).toBe('2');
    expect(f[8]).toBe("D'ALEMBERT");
    expect(f[9]).toBe('Hélène');
    expect(f[27]).toBe('CABINET "LES TILLEULS"');
    expect(converter.rows).toBe(1);
  });

  test('BOM and CRLF are accepted; a file without trailing pipes too', async () => {
    const body = `${EXTRACT_HEADERS.join('|')}\r\n${line({ 'Identifiant PP': '1' }, EXTRACT_HEADERS, '')}\r\n`;
    const { out } = await convert(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    const f = fieldsOf(out.replace(/\n$/, ''));
    expect(f).toHaveLength(57);
    expect(f[2]).toBe('1');
    expect(out).not.toContain('\r');
  });

  test('backslash, tab and stray CR are escaped for COPY text format', async () => {
    const { out } = await convert(Buffer.from(`${HEADER}\n${row({ 'Raison sociale site': 'A\\B\tC\rD' })}\n`));
    expect(fieldsOf(out.replace(/\n$/, ''))[25]).toBe('A\\\\B\\tC\\rD');
  });

  test('a line with the wrong number of fields stops the import with its line number and first missing field', async () => {
    const short = EXTRACT_HEADERS.slice(0, 20).map(() => 'x').join('|');
    await expect(convert(Buffer.from(`${HEADER}\n${row({})}\n${short}\n${row({})}\n`))).rejects.toMatchObject({
      code: 'EXTRACT_MALFORMED_LINE', line: 3, field: EXTRACT_HEADERS[20],
    });
  });

  test('with policy "skip" the malformed line is counted and reported, the others go through', async () => {
    const { converter, out } = await convert(Buffer.from(`${HEADER}\n${row({})}\nnot|enough\n${row({})}\n`), { malformed: 'skip' });
    expect(converter.rows).toBe(2);
    expect(converter.skipped).toBe(1);
    expect(converter.issues[0]).toMatchObject({ line: 3, field: EXTRACT_HEADERS[2] });
    expect(out.split('\n').map((l) => l.split('\t')[0])).toEqual(['2', '4', '']);
  });

  test('a file cut in the middle of its last line is truncated, whatever the policy', async () => {
    const full = `${HEADER}\n${row({})}\n${row({})}`;
    const cut = full.slice(0, full.length - 30);
    await expect(convert(Buffer.from(cut), { malformed: 'skip' })).rejects.toMatchObject({ code: 'EXTRACT_TRUNCATED', line: 3 });
  });

  test('a last line without newline but complete is accepted', async () => {
    const { converter } = await convert(Buffer.from(`${HEADER}\n${row({})}\n${row({})}`));
    expect(converter.rows).toBe(2);
  });

  test('invalid UTF-8 stops the import with the line', async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\n${row({})}\n`), Buffer.from([0x41, 0xff, 0x42]), Buffer.from(`${row({})}\n`)]);
    const err = await convert(bytes, { malformed: 'skip' }, 4096).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).code).toBe('EXTRACT_INVALID_UTF8');
    expect((err as ImportError).line).toBe(3);
  });

  test('a multi-byte character split across chunks is decoded whole', async () => {
    const { out } = await convert(Buffer.from(`${HEADER}\n${row({ "Prénom d'exercice": 'Lætitia Œdipe' })}\n`), { malformed: 'stop' }, 3);
    expect(fieldsOf(out.replace(/\n$/, ''))[9]).toBe('Lætitia Œdipe');
  });
});
