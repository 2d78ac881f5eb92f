/**
 * A small seeded PRNG (sfc32) so a generated extract is the same bytes for the same seed on every
 * machine. Each professional draws from its own stream, derived from (seed, index, purpose): the
 * "next day" file regenerates the same people and changes only those it picks.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...keys: (number | string)[]) {
    let h = 0x9e3779b9;
    for (const k of keys) {
      const s = String(k);
      for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b) ^ (h >>> 13);
      h = Math.imul(h ^ 0x2f, 0xc2b2ae35);
    }
    this.a = h ^ 0xdeadbeef;
    this.b = Math.imul(h, 0x27d4eb2d) ^ 0x165667b1;
    this.c = h ^ 0x7f4a7c15;
    this.d = 1;
    for (let i = 0; i < 12; i += 1) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i += 1) s += String(this.int(10));
    return s;
  }

  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(table: readonly (readonly [T, number])[]): T {
    const total = table.reduce((t, [, w]) => t + w, 0);
    let r = this.next() * total;
    for (const [v, w] of table) {
      r -= w;
      if (r < 0) return v;
    }
    return table[table.length - 1]![0];
  }
}
