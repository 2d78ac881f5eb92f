import { describe, expect, test } from '@jest/globals';

import { CopyBuffer } from '../../../src/directory/import/copy-sink.js';
import { packNationalId } from '../../../src/directory/import/normalizer.js';

describe('packNationalId', () => {
  const key = (id: string) => packNationalId(Buffer.from(`|${id}|`), 1, 1 + id.length);

  test('is exact: RPPS and ADELI ids with the same characters, neighbours and extremes all differ', () => {
    const ids = ['899999999999', '800000000000', '800000000001', '810000000000', '0999999999', '0000000000', '0ZZZZZZZZZ', '0A00000000', '0100000000', '899700427885', '0999700427'];
    const keys = ids.map((id) => key(id).join(':'));
    expect(new Set(keys).size).toBe(ids.length);
    for (const [lo, hi] of ids.map(key)) {
      expect(Number.isInteger(lo) && lo >= 0 && lo < 2 ** 32).toBe(true);
      expect(Number.isInteger(hi) && hi > 0 && hi < 2 ** 32).toBe(true); // never (0, 0): HashSet64's empty slot
    }
  });

  test('RPPS digits read in base 10: 11 digits never lose precision', () => {
    const [lo, hi] = key('899999999999');
    expect((hi & ~(1 << 30)) * 2 ** 32 + lo).toBe(99_999_999_999);
  });
});

describe('CopyBuffer number writers', () => {
  test('decimal and hex32 write what String() and toString(16) would', () => {
    const out = new CopyBuffer();
    const numbers = [0, 7, 9, 10, 99, 100, 101, 999, 1000, 123456, 2303954, 999999999, 1000000000, 4294967295];
    for (const n of numbers) {
      out.ensure(16);
      out.decimal(n);
      out.byte(0x20);
    }
    for (const n of [0, 1, 0xdeadbeef, 0xffffffff, 0x0000abcd]) {
      out.ensure(16);
      out.hex32(n);
      out.byte(0x20);
    }
    expect(out.take().toString('latin1')).toBe(`${numbers.join(' ')} 00000000 00000001 deadbeef ffffffff 0000abcd `);
  });
});
