/**
 * A set of 64-bit hashes (two uint32 halves) in flat typed arrays: 1.5 M professionals take
 * 16–32 MB here, against ~150 MB for a Set of strings — the import must stay under 300 MB.
 * Open addressing, linear probing; (0, 0) marks an empty slot, so a hash equal to it is stored
 * as (0, 1) — a one-in-2^64 merge that only ever makes two keys look alike, which callers
 * tolerate (see where it is used).
 */
export class HashSet64 {
  private lo: Uint32Array;
  private hi: Uint32Array;
  private mask: number;
  size = 0;

  /** `shared`: the slots live in SharedArrayBuffers, so worker threads can read the set (see `view`). */
  constructor(capacity = 1 << 16, private readonly shared = false) {
    let slots = 1 << 10;
    while (slots < capacity * 2) slots *= 2;
    this.lo = this.slots(slots);
    this.hi = this.slots(slots);
    this.mask = slots - 1;
  }

  /** What a worker thread needs to read this set without copying it (a shared set only). */
  get snapshot(): HashSetSnapshot {
    if (!this.shared) throw new Error('only a shared HashSet64 can be viewed from another thread');
    return { lo: this.lo, hi: this.hi, size: this.size };
  }

  /** A read-only view of a shared set, in a worker thread. */
  static view(snapshot: HashSetSnapshot): HashSet64 {
    const set = new HashSet64(1);
    set.lo = snapshot.lo;
    set.hi = snapshot.hi;
    set.mask = snapshot.lo.length - 1;
    set.size = snapshot.size;
    return set;
  }

  private slots(n: number): Uint32Array {
    return this.shared ? new Uint32Array(new SharedArrayBuffer(n * 4)) : new Uint32Array(n);
  }

  /** Adds the hash; false if it was already there. */
  add(lo: number, hi: number): boolean {
    if (lo === 0 && hi === 0) hi = 1;
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    let i = slotOf(lo, hi) & this.mask;
    for (;;) {
      const l = this.lo[i]!;
      const h = this.hi[i]!;
      if (l === 0 && h === 0) {
        this.lo[i] = lo;
        this.hi[i] = hi;
        this.size += 1;
        return true;
      }
      if (l === lo && h === hi) return false;
      i = (i + 1) & this.mask;
    }
  }

  has(lo: number, hi: number): boolean {
    if (lo === 0 && hi === 0) hi = 1;
    let i = slotOf(lo, hi) & this.mask;
    for (;;) {
      const l = this.lo[i]!;
      const h = this.hi[i]!;
      if (l === 0 && h === 0) return false;
      if (l === lo && h === hi) return true;
      i = (i + 1) & this.mask;
    }
  }

  /** Twice the slots, every hash re-inserted (keeps probes short at any size). */
  private grow(): void {
    const { lo, hi } = this;
    this.lo = this.slots(lo.length * 2);
    this.hi = this.slots(lo.length * 2);
    this.mask = this.lo.length - 1;
    this.size = 0;
    for (let i = 0; i < lo.length; i += 1) if (lo[i] !== 0 || hi[i] !== 0) this.add(lo[i]!, hi[i]!);
  }
}

/** Mixes both halves into a slot (murmur3 constants): even structured keys spread over the table. */
function slotOf(lo: number, hi: number): number {
  const h = Math.imul(lo, 0x85ebca6b) ^ Math.imul(hi, 0xc2b2ae35);
  return h ^ (h >>> 15);
}

export interface HashSetSnapshot {
  lo: Uint32Array;
  hi: Uint32Array;
  size: number;
}

/** Where hashBytes64 leaves its result: [lo, hi] (no allocation per key). */
export const HASH64 = new Uint32Array(2);

/**
 * The 64-bit hash of a byte range into HASH64: two 32-bit FNV-1a lanes with different primes,
 * each through murmur3's finalizer — for short keys such as structure ids, without a call into
 * WebAssembly per key.
 */
export function hashBytes64(buf: Uint8Array, s: number, e: number): void {
  let a = 0x811c9dc5;
  let b = 0x2b8f0a37 ^ (e - s);
  for (let k = s; k < e; k += 1) {
    const c = buf[k]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  HASH64[0] = fmix32(a);
  HASH64[1] = fmix32(b ^ Math.imul(a, 0x27d4eb2f));
}

/** murmur3's 32-bit finalizer: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
