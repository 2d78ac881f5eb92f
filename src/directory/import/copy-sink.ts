import { once } from 'node:events';
import type { Writable } from 'node:stream';

import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import type { Database } from '../../db/database.js';

/**
 * A growable output buffer of COPY text that the normalizer writes rows into directly (no
 * intermediate objects per field: 2 M rows × 40 fields).
 */
export class CopyBuffer {
  buf: Buffer = Buffer.allocUnsafe(1 << 20);
  o = 0;

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + n));
    this.buf.copy(next, 0, 0, this.o);
    this.buf = next;
  }

  ascii(s: string): void {
    this.o += this.buf.write(s, this.o, 'latin1');
  }

  bytes(src: Uint8Array, s: number, e: number): void {
    if (e - s > 48) {
      this.buf.set(src.subarray(s, e), this.o);
      this.o += e - s;
    } else {
      for (let k = s; k < e; k += 1) this.buf[this.o++] = src[k]!;
    }
  }

  byte(c: number): void {
    this.buf[this.o++] = c;
  }

  /** A non-negative integer in decimal (line numbers, ords). */
  decimal(n: number): void {
    if (n < 10) {
      this.buf[this.o++] = 0x30 + n;
      return;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits += 1;
    let o = this.o + digits;
    this.o = o;
    for (let v = n; v > 0; v = Math.floor(v / 10)) this.buf[--o] = 0x30 + (v % 10);
  }

  /** A uint32 as 8 lower-case hex digits. */
  hex32(n: number): void {
    for (let shift = 28; shift >= 0; shift -= 4) {
      const d = (n >>> shift) & 0xf;
      this.buf[this.o++] = d < 10 ? 0x30 + d : 0x57 + d;
    }
  }

  /** The bytes written so far, handed over; the buffer starts again empty. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.o));
    this.o = 0;
    return out;
  }
}

const FLUSH_BYTES = 1 << 20;
const PGLITE_BATCH_BYTES = 4 << 20;

/**
 * One `COPY table (columns) FROM STDIN` fed from a CopyBuffer. On a real server each sink has its
 * own connection, so the tables load in parallel with the reader; on PGlite (one connection, no
 * COPY FROM STDIN) batches of a few MB go through `COPY … FROM '/dev/blob'` one after the other.
 */
export interface CopySink {
  readonly out: CopyBuffer;
  /** Passes what was written on once enough has accumulated, then waits while the server is behind. */
  flush(): Promise<void>;
  /** Everything written is in the table (its transaction, if any, is still open). */
  finish(): Promise<void>;
  /** Stops, discarding what the server has not committed; never throws. */
  abort(): Promise<void>;
}

export function copyStatement(table: string, columns: readonly string[], source: 'STDIN' | "'/dev/blob'"): string {
  return `COPY ${table} (${columns.join(', ')}) FROM ${source} WITH (FORMAT text)`;
}

/** A dedicated connection to the database's server (not from its pool: an import holds several for a while). */
export async function dedicatedClient(database: Database, applicationName = 'openpsc-import'): Promise<pg.Client> {
  const options = database.pool!.options as pg.ClientConfig;
  const client = new pg.Client({ ...options, application_name: applicationName });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export async function openCopySink(database: Database, table: string, columns: readonly string[], client?: pg.Client): Promise<CopySink> {
  if (!database.pool) return new PgliteSink(database, copyStatement(table, columns, "'/dev/blob'"));
  const own = !client;
  const c = client ?? await dedicatedClient(database);
  return new PostgresSink(c, own, copyStatement(table, columns, 'STDIN'));
}

class PostgresSink implements CopySink {
  readonly out = new CopyBuffer();
  private readonly stream: Writable;
  private failure: Error | undefined;
  private needsDrain = false;

  constructor(private readonly client: pg.Client, private readonly ownsClient: boolean, sql: string) {
    this.stream = client.query(copyFrom(sql));
    this.stream.on('error', (err: Error) => { this.failure ??= err; });
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.out.o >= FLUSH_BYTES) {
      if (!this.stream.write(this.out.take())) this.needsDrain = true;
    }
    if (this.needsDrain) {
      this.needsDrain = false;
      // events.once rejects on 'error' and removes both listeners either way: one wait per
      // drain, nothing left attached (a race with a second once('error') leaked a listener per MB).
      await once(this.stream, 'drain');
    }
  }

  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.out.o) this.stream.write(this.out.take());
    const done = once(this.stream, 'finish');
    this.stream.end();
    await done;
    if (this.ownsClient) await this.client.end();
  }

  async abort(): Promise<void> {
    this.stream.destroy(new Error('import aborted'));
    if (this.ownsClient) await this.client.end().catch(() => {});
  }
}

class PgliteSink implements CopySink {
  readonly out = new CopyBuffer();

  constructor(private readonly database: Database, private readonly sql: string) {}

  async flush(): Promise<void> {
    if (this.out.o >= PGLITE_BATCH_BYTES) await this.send();
  }

  async finish(): Promise<void> {
    await this.send();
  }

  async abort(): Promise<void> {
    this.out.o = 0;
  }

  private async send(): Promise<void> {
    if (!this.out.o) return;
    await this.database.pglite!.query(this.sql, [], { blob: new Blob([this.out.take()]) });
  }
}
