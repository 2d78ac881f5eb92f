import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

import { from as copyFrom } from 'pg-copy-streams';

import type { Database } from '../../db/database.js';
import { STAGING_COLUMNS, type HeaderMapping } from './columns.js';
import type { ExtractToCopy } from './extract-to-copy.js';

/**
 * The staging table: the extract as it is, one text column per extract column plus the line
 * number (file order defines "first"). UNLOGGED: it is rebuilt from the file by every run, so
 * there is nothing to recover after a crash, and skipping WAL makes the COPY as fast as a raw one.
 */
export const STAGING_TABLE = 'directory_staging';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function createStagingSql(mapping: HeaderMapping): string {
  const extras = mapping.fileColumns.filter((c) => c.startsWith('extra_'));
  const columns = [
    'line_no bigint NOT NULL',
    ...STAGING_COLUMNS.map((c) => `${c} text NOT NULL DEFAULT ''`),
    ...extras.map((c) => `${quoteIdent(c)} text`),
  ];
  return `DROP TABLE IF EXISTS ${STAGING_TABLE};\nCREATE UNLOGGED TABLE ${STAGING_TABLE} (\n  ${columns.join(',\n  ')}\n)`;
}

export function copySql(mapping: HeaderMapping, target: 'STDIN' | "'/dev/blob'"): string {
  const columns = ['line_no', ...mapping.fileColumns].map(quoteIdent).join(', ');
  return `COPY ${STAGING_TABLE} (${columns}) FROM ${target} WITH (FORMAT text)`;
}

/**
 * Streams the converted extract into staging: pg-copy-streams on a real server; on PGlite (no
 * COPY FROM STDIN) batches of a few MB through `COPY … FROM '/dev/blob'`.
 */
export async function loadStaging(database: Database, mapping: HeaderMapping, input: Readable, converter: ExtractToCopy): Promise<void> {
  await database.exec(createStagingSql(mapping));
  if (database.pool) {
    const client = await database.pool.connect();
    try {
      await pipeline(input, converter, client.query(copyFrom(copySql(mapping, 'STDIN'))));
    } finally {
      client.release();
    }
    return;
  }
  await pipeline(input, converter, new PgliteCopyWriter(database, copySql(mapping, "'/dev/blob'")));
}

const PGLITE_BATCH_BYTES = 4 << 20;

/** Buffers COPY text up to a few MB (whole lines: each chunk from the converter ends a line) and sends it as one blob. */
class PgliteCopyWriter extends Writable {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly database: Database, private readonly sql: string) {
    super({ highWaterMark: 1 << 20 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size < PGLITE_BATCH_BYTES) {
      done();
      return;
    }
    this.send().then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.send().then(() => done(), done);
  }

  private async send(): Promise<void> {
    if (!this.size) return;
    const blob = new Blob(this.parts);
    this.parts = [];
    this.size = 0;
    await this.database.pglite!.query(this.sql, [], { blob });
  }
}
