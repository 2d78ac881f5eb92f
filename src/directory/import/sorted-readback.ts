import { Readable, Transform, type TransformCallback } from 'node:stream';

import { to as copyTo } from 'pg-copy-streams';

import type { Database } from '../../db/database.js';
import type { HeaderMapping } from './columns.js';
import { dedicatedClient } from './copy-sink.js';
import { STAGING_TABLE } from './staging.js';

/**
 * An extract whose rows are not grouped by professional is first loaded raw into the staging
 * table, then read back sorted by professional (file order within each) so the normalizer sees
 * it grouped: PostgreSQL is the external sort, the memory stays bounded. Each line comes back as
 * `line_no|field1|…|fieldN`, the extract's own format with its original line number in front.
 */
export function sortedReadbackSql(mapping: HeaderMapping): string {
  const fields = mapping.fileColumns.map((c) => `"${c.replaceAll('"', '""')}"`).join(` || '|' || `);
  return `SELECT line_no::text || '|' || ${fields} FROM ${STAGING_TABLE} ORDER BY identification_nationale_pp, line_no`;
}

export async function openSortedReadback(database: Database, mapping: HeaderMapping): Promise<Readable> {
  const query = sortedReadbackSql(mapping);
  if (!database.pool) {
    const result = await database.pglite!.query(`COPY (${query}) TO '/dev/blob'`);
    const bytes = Buffer.from(await result.blob!.arrayBuffer());
    return Readable.from([bytes]).pipe(new CopyTextUnescape());
  }
  const client = await dedicatedClient(database, 'openpsc-import-sort');
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT`));
  const out = stream.pipe(new CopyTextUnescape());
  const close = () => { client.end().catch(() => {}); };
  out.on('close', close);
  stream.on('error', (err) => { out.destroy(err); close(); });
  return out;
}

const BACKSLASH = 0x5c;
const UNESCAPED: Record<number, number> = { 0x5c: 0x5c, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x76: 0x0b };

/** COPY text output of one text column → its raw bytes (COPY TO emits only these escapes). */
export class CopyTextUnescape extends Transform {
  private pendingBackslash = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.pendingBackslash && chunk.indexOf(BACKSLASH) === -1) {
      done(null, chunk);
      return;
    }
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let o = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk[i]!;
      if (this.pendingBackslash) {
        out[o++] = UNESCAPED[c] ?? c;
        this.pendingBackslash = false;
      } else if (c === BACKSLASH) {
        this.pendingBackslash = true;
      } else {
        out[o++] = c;
      }
    }
    done(null, out.subarray(0, o));
  }
}
