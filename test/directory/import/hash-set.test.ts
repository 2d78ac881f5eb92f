import { describe, expect, test } from '@jest/globals';

import { HashSet64 } from '../../../src/directory/import/hash-set.js';

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

  test('the all-zero hash is a member like any other', () => {
    const set = new HashSet64();
    expect(set.has(0, 0)).toBe(false);
    expect(set.add(0, 0)).toBe(true);
    expect(set.has(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
  });
});
