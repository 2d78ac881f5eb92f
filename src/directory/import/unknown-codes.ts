import { CODE_SYSTEMS_OF_COLUMN, readNomenclatures } from '../nomenclatures.js';
import type { RawRow } from './row-parser.js';

export interface UnknownCode {
  column: string;
  code: string;
  rows: number;
}

interface CodeEntry {
  code: string;
  known: boolean;
  rows: number;
}

/**
 * Counts, per coded column, the codes of the file absent from the shipped code tables — counted
 * and reported, never dropped. Runs on every row (2 M × 9 columns), so a code of up to 6 bytes
 * is looked up as a number packed from its bytes (no string made), and a column whose code
 * repeats the previous row's is not looked up at all.
 */
export class UnknownCodeCounter {
  private readonly columns: { column: string; index: number; known: ReadonlySet<string>; seen: Map<number | string, CodeEntry>; last: number | string; lastEntry?: CodeEntry }[];

  constructor(fileColumns: readonly string[]) {
    const tables = readNomenclatures();
    this.columns = Object.entries(CODE_SYSTEMS_OF_COLUMN)
      .map(([column, systems]) => ({
        column,
        index: fileColumns.indexOf(column),
        known: new Set(tables.filter((t) => systems.includes(t.system)).flatMap((t) => t.codes.map((c) => c.code))),
        seen: new Map<number | string, CodeEntry>(),
        last: -1,
      }))
      .filter((c) => c.index >= 0);
  }

  count(row: RawRow): void {
    const { buf, starts } = row;
    for (const c of this.columns) {
      const s = starts[c.index]!;
      const e = starts[c.index + 1]! - 1;
      if (e === s) continue;
      let key: number | string;
      if (e - s <= 6) {
        key = e - s;
        for (let k = s; k < e; k += 1) key = key * 256 + buf[k]!;
      } else {
        key = buf.toString('utf8', s, e);
      }
      let entry = key === c.last ? c.lastEntry! : c.seen.get(key);
      if (!entry) {
        const code = buf.toString('utf8', s, e);
        entry = { code, known: c.known.has(code), rows: 0 };
        c.seen.set(key, entry);
      }
      c.last = key;
      c.lastEntry = entry;
      if (!entry.known) entry.rows += 1;
    }
  }

  /** Unknown codes by column, most frequent first. */
  report(): UnknownCode[] {
    return mergeUnknownCodes([this.columns.flatMap((c) => [...c.seen.values()].filter((e) => !e.known).map((e) => ({ column: c.column, code: e.code, rows: e.rows })))]);
  }
}

/** Reports of several counters (worker threads) as one: rows added up per (column, code), by column, most frequent first. */
export function mergeUnknownCodes(reports: readonly UnknownCode[][]): UnknownCode[] {
  const merged = new Map<string, UnknownCode>();
  for (const entry of reports.flat()) {
    const key = `${entry.column}\u0000${entry.code}`;
    const m = merged.get(key);
    if (m) m.rows += entry.rows;
    else merged.set(key, { ...entry });
  }
  return [...merged.values()].sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : b.rows - a.rows));
}
