import { sameBytes } from './row-parser.js';

const LF = 0x0a;
const PIPE = 0x7c;

/**
 * Cuts the extract into parts that worker threads can normalize on their own: a part ends where
 * a professional's rows end (the normalizer needs all of them together), so the cut goes before
 * the run of lines, at the end of the bytes read so far, that share the last line's national id.
 *
 * A line without the national id field (malformed) is its own run: should it sit inside a
 * professional's rows, that professional may be split across two parts, which the thread that
 * sees every part reports as rows not grouped — the import then sorts the file first (slower,
 * same result).
 */
export class BlockCutter {
  /** `idField`: index of `Identification nationale PP` among a line's fields (numbered lines: +1). */
  constructor(private readonly idField: number) {}

  /**
   * Offset where the last run of lines of `block` starts (bytes before it are whole professionals
   * and go to a worker; the rest waits for more input), or -1 when no cut is possible yet.
   */
  cut(block: Buffer): number {
    const end = block.lastIndexOf(LF);
    if (end <= 0) return -1;
    let start = block.lastIndexOf(LF, end - 1) + 1;
    const [is, ie] = this.idOf(block, start, end);
    while (start > 0) {
      const previous = block.lastIndexOf(LF, start - 2) + 1;
      const [ps, pe] = this.idOf(block, previous, start - 1);
      if (is < 0 || ps < 0 || !sameBytes(block, is, ie, ps, pe)) break;
      start = previous;
    }
    return start > 0 ? start : -1;
  }

  /** The national id's byte range in the line [s, e), or [-1, -1]. */
  private idOf(block: Buffer, s: number, e: number): [number, number] {
    let field = 0;
    let fieldStart = s;
    for (let k = s; k < e; k += 1) {
      if (block[k] !== PIPE) continue;
      if (field === this.idField) return [fieldStart, k];
      field += 1;
      fieldStart = k + 1;
    }
    return field === this.idField && fieldStart < e ? [fieldStart, e] : [-1, -1];
  }
}

/** Number of LF bytes in `block[0, end)`: the line count of a part. */
export function countLines(block: Buffer, end: number): number {
  let n = 0;
  for (let i = block.indexOf(LF); i !== -1 && i < end; i = block.indexOf(LF, i + 1)) n += 1;
  return n;
}
