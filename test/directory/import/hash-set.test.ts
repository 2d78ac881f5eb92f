import { describe, expect, test } from '@jest/globals';

import { HASH64, hashBytes64, HashSet64 } from '../../../src/directory/import/hash-set.js';

describe('HashSet64', () => {
  test('adds, finds and refuses duplicates across growth', () => {
    const set = new HashSet64(4);
    let added = 0;
    for (let i = 0; i < 50_000; i += 1) if (set.add(i * 2654435761 >>> 0, i)) added += 1;
    expect(added).toBe(50_000);
    expect(set.size).toBe(50_000);
    let found = 0;
    for (let i = 0; i < 50_000; i += 1) if (set.has(i * 2654435761 >>> 0, i)) found += 1;
    expect(found).toBe(50_000);
    expect(set.add(7 * 2654435761 >>> 0, 7)).toBe(false);
    expect(set.has(1, 50_001)).toBe(false);
  });

  test('hashBytes64: a byte range is added once, whatever buffer holds it; 200 000 site ids never collide', () => {
    const set = new HashSet64();
    const addBytes = (buf: Buffer, s: number, e: number) => {
      hashBytes64(buf, s, e);
      return set.add(HASH64[0]!, HASH64[1]!);
    };
    const a = Buffer.from('xxR10100000123456yy');
    const b = Buffer.from('R10100000123456');
    expect(addBytes(a, 2, 17)).toBe(true);
    expect(addBytes(b, 0, b.length)).toBe(false);
    expect(addBytes(b, 0, b.length - 1)).toBe(true); // a prefix is another key
    let added = 0;
    for (let i = 0; i < 200_000; i += 1) {
      const id = Buffer.from(`R1${String(i).padStart(13, "0")}`);
      if (addBytes(id, 0, id.length)) added += 1;
    }
    expect(added).toBe(200_000);
  });

  test('the all-zero hash is a member like any other', () => {
    const set = new HashSet64();
    expect(set.has(0, 0)).toBe(false);
    expect(set.add(0, 0)).toBe(true);
    expect(set.has(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
  });
});
