import { to as copyTo } from 'pg-copy-streams';

import type { Database } from '../../db/database.js';
import { dedicatedClient } from './copy-sink.js';
import { HashSet64 } from './hash-set.js';

/**
 * The fingerprints (first 64 bits of the content hash) of every active professional of the
 * mirror, so the normalizer writes only the records that are new or changed: on a daily sync
 * ~1 % of 1.5 M. 16 MB of typed arrays instead of 1.5 M strings. A record with no hash (written
 * by seeds or tests) or with a hash of another scheme never matches, so it is rewritten.
 */
export async function loadFingerprints(database: Database): Promise<HashSet64> {
  const query = `SELECT content_hash FROM directory_professional WHERE deactivated_at IS NULL AND content_hash IS NOT NULL`;
  const count = Number((await database.db.selectFrom('directory_professional').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  // Shared memory: worker threads of the reader look fingerprints up in place.
  const set = new HashSet64(count, true);
  const add = (hex: string) => {
    if (hex.length !== 32) return;
    set.add(parseInt(hex.slice(8, 16), 16) >>> 0, parseInt(hex.slice(0, 8), 16) >>> 0);
  };
  if (!database.pool) {
    const { rows } = await database.pglite!.query<{ content_hash: string }>(query);
    for (const r of rows) add(r.content_hash);
    return set;
  }
  const client = await dedicatedClient(database, 'openpsc-import-fingerprints');
  try {
    const stream = client.query(copyTo(`COPY (${query}) TO STDOUT`));
    let rest = '';
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + chunk.toString('latin1');
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const line of lines) add(line);
    }
    if (rest) add(rest);
  } finally {
    await client.end().catch(() => {});
  }
  return set;
}
